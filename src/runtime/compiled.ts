import { edgeSources } from '../model/edges.js';
import type { AnyExecutor, Schema, WorkflowDefinition } from '../model/types.js';
import { createRoutingTable, type RoutingTable } from '../routing/router.js';
import { ResponseSchemas } from './response-schemas.js';

/** The compiled, per-workflow data a run needs; built once and shared by every run. */
export interface CompiledWorkflow {
  readonly definition: WorkflowDefinition;
  readonly routing: RoutingTable;
  readonly executors: ReadonlyMap<string, AnyExecutor>;
  /** Graph order of every executor id. */
  readonly order: ReadonlyMap<string, number>;
  /** Executors with `outputIfUnconnected` and no outgoing edge. */
  readonly sendsAsOutput: ReadonlySet<string>;
  /** The own response schemas of requests asked by runs of this workflow in this process. */
  readonly responseSchemas: Map<string, Schema>;
}

const compiledByDefinition = new WeakMap<WorkflowDefinition, CompiledWorkflow>();

/** Compiles a definition once (a `Workflow` and a worker resolving a nested definition share the result). */
export function compileDefinition(definition: WorkflowDefinition): CompiledWorkflow {
  let compiled = compiledByDefinition.get(definition);
  if (compiled === undefined) {
    compiled = {
      definition,
      routing: createRoutingTable(definition),
      executors: new Map(definition.executors.map((e): [string, AnyExecutor] => [e.id, e])),
      order: new Map(definition.executors.map((e, index): [string, number] => [e.id, index])),
      sendsAsOutput: new Set(definition.outputIfUnconnected.filter((id) => !definition.edges.some((edge) => edgeSources(edge).includes(id)))),
      responseSchemas: new ResponseSchemas(),
    };
    compiledByDefinition.set(definition, compiled);
  }
  return compiled;
}
