import type { GraphIssue } from '../errors.js';
import { edgeSources, edgeTargets } from '../model/edges.js';
import type { AnyExecutor, EdgeDefinition, Schema } from '../model/types.js';
import { arrayElement, incompatibility, rejectsArrays } from './schema-compat.js';

/** Every issue of a resolved graph (ids already known to exist); empty when it is valid. */
export function validateGraph(
  start: string | undefined,
  executors: ReadonlyMap<string, AnyExecutor>,
  edges: readonly EdgeDefinition[],
  outputSchema?: Schema,
): GraphIssue[] {
  const issues: GraphIssue[] = [];

  const seen = new Map<string, EdgeDefinition>();
  for (const edge of edges) {
    const key = `${edge.kind}|${edgeSources(edge).join(',')}|${edgeTargets(edge).join(',')}`;
    if (seen.has(key)) {
      issues.push({
        code: 'duplicate_edge',
        message: `Edge "${edge.id}" is added twice. Remove one of the calls that add it.`,
        executorIds: [...edgeSources(edge), ...edgeTargets(edge)],
      });
    }
    seen.set(key, edge);
  }

  for (const edge of edges) {
    if (edge.kind === 'fan-out' || edge.kind === 'fan-in') {
      const ends = edge.kind === 'fan-out' ? edge.targets : edge.sources;
      const unique = new Set(ends);
      if (unique.size < 2) {
        issues.push({
          code: 'too_few_ends',
          message: `${edge.kind === 'fan-out' ? 'Fan-out from' : 'Fan-in to'} "${edge.kind === 'fan-out' ? edge.source : edge.target}" has ${unique.size} distinct ${edge.kind === 'fan-out' ? 'target' : 'source'}; it needs at least two. Use addEdge for a single connection.`,
          executorIds: [...ends],
        });
      } else if (unique.size < ends.length) {
        issues.push({
          code: 'duplicate_edge',
          message: `${edge.kind === 'fan-out' ? 'Fan-out' : 'Fan-in'} edge "${edge.id}" lists the same executor twice. List each once.`,
          executorIds: [...ends],
        });
      }
    }
  }

  // Without a start there is nothing to measure reachability from; the other checks still run.
  const reached = new Set<string>(start === undefined ? executors.keys() : [start]);
  const frontier = start === undefined ? [] : [start];
  const outgoing = new Map<string, string[]>();
  for (const edge of edges) {
    for (const source of edgeSources(edge)) {
      const list = outgoing.get(source) ?? [];
      list.push(...edgeTargets(edge));
      outgoing.set(source, list);
    }
  }
  while (frontier.length > 0) {
    for (const next of outgoing.get(frontier.pop() as string) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        frontier.push(next);
      }
    }
  }
  for (const id of executors.keys()) {
    if (!reached.has(id)) {
      issues.push({
        code: 'unreachable_executor',
        message: `Executor "${id}" cannot be reached from the start "${start}". Connect it with builder.addEdge(from, "${id}") or remove it.`,
        executorIds: [id],
      });
    }
  }

  const check = (sourceId: string, targetId: string, output: AnyExecutor['output'], input: AnyExecutor['input'], suffix = ''): void => {
    const why = incompatibility(output, input);
    if (why !== undefined) {
      issues.push({
        code: 'incompatible_schemas',
        message: `"${sourceId}" → "${targetId}"${suffix}: "${sourceId}" ${why}, so no message can ever pass. Fix one of the schemas or insert an adapter between them.`,
        executorIds: [sourceId, targetId],
      });
    }
  };
  const get = (id: string): AnyExecutor => executors.get(id) as AnyExecutor;
  for (const edge of edges) {
    if (edge.kind === 'fan-in') {
      const target = get(edge.target);
      if (rejectsArrays(target.input)) {
        issues.push({
          code: 'incompatible_schemas',
          message: `Fan-in target "${edge.target}" must accept an array (one message per source, in source order), but its input schema never accepts one. Give it an array or tuple schema.`,
          executorIds: [edge.target],
        });
        continue;
      }
      edge.sources.forEach((source, index) =>
        check(source, edge.target, get(source).output, arrayElement(target.input, index), ` (fan-in element ${index})`),
      );
      continue;
    }
    const source = get(edge.source);
    for (const target of new Set(edgeTargets(edge))) check(edge.source, target, source.output, get(target).input);
  }
  for (const executor of executors.values()) {
    const why = incompatibility(executor.yields, outputSchema);
    if (why !== undefined) {
      issues.push({
        code: 'incompatible_schemas',
        message: `Executor "${executor.id}" can never output a value the workflow's output schema accepts: its yields schema ${why.replace('the target', 'the workflow')}. Fix one of the schemas.`,
        executorIds: [executor.id],
      });
    }
  }
  return issues;
}
