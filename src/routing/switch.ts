import type { SwitchEdgeDefinition } from '../model/types.js';

/** The first case whose predicate holds, else the default. */
export function routeSwitch(edge: SwitchEdgeDefinition, message: unknown): string {
  for (const branch of edge.cases) if (branch.when(message)) return branch.target;
  return edge.otherwise;
}
