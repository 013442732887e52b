// The peers of the Node 24 bench, in the order of the table. Imported only under Node >= 22.13 with
// bench/node24/node_modules installed (npm run bench:node24 does both).
import type { Engine } from '../../engines/engine.js';
import { engine as adk } from './adk.js';
import { engine as langgraph } from './langgraph.js';
import { engine as mastra } from './mastra.js';

export const peers: readonly Engine[] = [langgraph, mastra, adk];
