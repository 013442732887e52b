import type { DirectEdgeDefinition } from '../model/types.js';

/** The target of a direct edge for this message, or undefined when its condition rejects it. */
export function routeDirect(edge: DirectEdgeDefinition, message: unknown): string | undefined {
  return edge.when === undefined || edge.when(message) ? edge.target : undefined;
}
