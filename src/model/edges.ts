import type { EdgeDefinition } from './types.js';

/** The executors an edge reads from. */
export function edgeSources(edge: EdgeDefinition): readonly string[] {
  return edge.kind === 'fan-in' ? edge.sources : [edge.source];
}

/** The executors an edge may deliver to. */
export function edgeTargets(edge: EdgeDefinition): readonly string[] {
  switch (edge.kind) {
    case 'direct':
    case 'fan-in':
      return [edge.target];
    case 'fan-out':
      return edge.targets;
    case 'switch':
      return [...edge.cases.map((c) => c.target), edge.otherwise];
  }
}

/** A stable id from the edge's kind and ends; the same ends always give the same id. */
export function edgeId(kind: EdgeDefinition['kind'], sources: readonly string[], targets: readonly string[]): string {
  return `${kind}:${sources.join(',')}->${targets.join(',')}`;
}
