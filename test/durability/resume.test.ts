// See docs/concepts/checkpoints.md — resume, forks and refusals, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { resumeCases } from './cases.js';

describe('resume (MemoryCheckpointStore)', () => resumeCases(() => new MemoryCheckpointStore()));
