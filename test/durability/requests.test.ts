// See docs/guides/human-in-the-loop.md — requests, answers and waiting runs, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { requestCases } from './cases.js';

describe('requests (MemoryCheckpointStore)', () => requestCases(() => new MemoryCheckpointStore()));
