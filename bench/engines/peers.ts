// The peers of the Node 20 bench (bench/package.json), in the order of the table; bench/node24/engines/index.ts
// lists those of the Node 24 bench.
import type { Engine } from './engine.js';
import { engine as langgraph } from './langgraph.js';
import { engine as mastra } from './mastra.js';

export const peers: readonly Engine[] = [langgraph, mastra];
