// See docs/concepts/checkpoints.md — what a checkpoint holds and when it is saved, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { checkpointCases } from './cases.js';

describe('checkpoints (MemoryCheckpointStore)', () => checkpointCases(() => new MemoryCheckpointStore()));
