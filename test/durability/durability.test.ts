// Durability modes 'sync', 'async' and 'exit', and failing saves, on the memory store.
import { describe } from 'vitest';
import { MemoryCheckpointStore } from 'weft';
import { durabilityCases } from './cases.js';

describe('durability (MemoryCheckpointStore)', () => durabilityCases(() => new MemoryCheckpointStore()));
