import type { FanOutEdgeDefinition } from '../model/types.js';

/** Every target, or those the selector picks; throws naming an unknown pick. `known` is the edge's targets as a set. */
export function routeFanOut(edge: FanOutEdgeDefinition, message: unknown, known: ReadonlySet<string>): readonly string[] {
  if (edge.select === undefined) return edge.targets;
  const picked = edge.select(message, edge.targets);
  const targets = typeof picked === 'string' ? [picked] : picked;
  for (const target of targets) {
    if (!known.has(target)) {
      throw new Error(
        `the selector returned "${String(target)}", which is not one of the edge's targets (${edge.targets.map((t) => `"${t}"`).join(', ')})`,
      );
    }
  }
  return targets;
}
