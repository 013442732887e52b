import { hashString } from '../internal/hash.js';
import { edgeSources, edgeTargets } from './edges.js';
import type { AnyExecutor, EdgeDefinition } from './types.js';

/**
 * A stable hash of what a checkpoint depends on: the start, every executor's id and kind, and every edge's
 * kind and ends (conditional edges flagged), and the signature of every nested workflow. Handler code and schemas are not part of it.
 */
export function computeSignature(
  start: string,
  executors: readonly AnyExecutor[],
  edges: readonly EdgeDefinition[],
  outputIfUnconnected: readonly string[] = [],
): string {
  const canonical = JSON.stringify({
    start,
    outputIfUnconnected,
    executors: executors.map((e) => [e.id, e.kind, e.workflow?.signature ?? null]),
    edges: edges.map((edge) => [
      edge.kind,
      edgeSources(edge),
      edgeTargets(edge),
      edge.kind === 'direct' ? edge.when !== undefined : edge.kind === 'fan-out' ? edge.select !== undefined : false,
    ]),
  });
  return hashString(canonical);
}
