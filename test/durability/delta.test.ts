// See docs/concepts/checkpoints.md — delta checkpoints and full snapshots, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { deltaCases } from './cases.js';

describe('delta checkpoints (MemoryCheckpointStore)', () => deltaCases(() => new MemoryCheckpointStore()));
