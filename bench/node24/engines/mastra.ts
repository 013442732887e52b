// Mastra 1.x on Node 24: the engine of bench/engines/mastra.ts on this directory's copy of @mastra/core.
import * as workflows from '@mastra/core/workflows';
import { createRequire } from 'node:module';
import { createMastraEngine, type MastraWorkflows } from '../../engines/mastra.js';

export const engine = createMastraEngine(
  workflows as unknown as MastraWorkflows,
  (createRequire(import.meta.url)('@mastra/core/package.json') as { version: string }).version,
);
