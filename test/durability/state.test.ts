// See docs/concepts/state.md — plain-JSON executor and shared state, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { stateCases } from './cases.js';

describe('state (MemoryCheckpointStore)', () => stateCases(() => new MemoryCheckpointStore()));
