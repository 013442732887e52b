import type { FanOutEdgeDefinition } from '../model/types.js';

/** Every target, or those the selector picks (one pick as a string); the router checks the picks against the edge's targets. */
export function routeFanOut(edge: FanOutEdgeDefinition, message: unknown): string | readonly string[] {
  if (edge.select === undefined) return edge.targets;
  return edge.select(message, edge.targets);
}

/** The error for a selector's pick that is not one of the edge's targets. */
export function unknownPick(edge: FanOutEdgeDefinition, target: unknown): Error {
  return new Error(
    `the selector returned "${String(target)}", which is not one of the edge's targets (${edge.targets.map((t) => `"${t}"`).join(', ')})`,
  );
}
