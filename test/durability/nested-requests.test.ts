// See docs/concepts/composition.md — requests of nested workflows, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { nestedRequestCases } from './cases.js';

describe('nested requests (MemoryCheckpointStore)', () => nestedRequestCases(() => new MemoryCheckpointStore()));
