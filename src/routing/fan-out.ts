import type { FanOutEdgeDefinition } from '../model/types.js';

/** Every target, or those the selector picks (one pick as a string); throws naming an unknown pick. `known` is the edge's targets as a set. */
export function routeFanOut(edge: FanOutEdgeDefinition, message: unknown, known: ReadonlySet<string>): string | readonly string[] {
  if (edge.select === undefined) return edge.targets;
  const picked = edge.select(message, edge.targets);
  if (typeof picked === 'string') {
    if (!known.has(picked)) throw unknownPick(edge, picked); // one pick: no array to allocate
    return picked;
  }
  for (const target of picked) if (!known.has(target)) throw unknownPick(edge, target);
  return picked;
}

function unknownPick(edge: FanOutEdgeDefinition, target: unknown): Error {
  return new Error(
    `the selector returned "${String(target)}", which is not one of the edge's targets (${edge.targets.map((t) => `"${t}"`).join(', ')})`,
  );
}
