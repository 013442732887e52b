// LangGraph.js on Node 24: the engine of bench/engines/langgraph.ts on this directory's copy of @langchain/langgraph.
import * as langgraph from '@langchain/langgraph';
import { createRequire } from 'node:module';
import { createLangGraphEngine, type LangGraph } from '../../engines/langgraph.js';

export const engine = createLangGraphEngine(
  langgraph as unknown as LangGraph,
  (createRequire(import.meta.url)('@langchain/langgraph/package.json') as { version: string }).version,
);
