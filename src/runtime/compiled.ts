import { edgeSources } from '../model/edges.js';
import type { AnyExecutor, Schema, WorkflowDefinition } from '../model/types.js';
import { createRoutingTable, type RoutingTable, type SourceRoutes } from '../routing/router.js';
import { ResponseSchemas } from './response-schemas.js';
import type { NodeIndex } from './superstep.js';

/**
 * Everything the engine needs about one executor, compiled once per workflow: a delivery to it costs one lookup
 * (by its id) for the whole of its superstep, from grouping to routing what it sent.
 */
export interface ExecutorNode {
  readonly id: string;
  readonly executor: AnyExecutor;
  /** Graph order: the order in which executors were added to the builder. */
  readonly order: number;
  /** Its outgoing edges, compiled for routing (empty when none leaves it). */
  readonly routes: SourceRoutes;
  /** It has `outputIfUnconnected` and no outgoing edge: its sends become outputs. */
  readonly sendsAsOutput: boolean;
}

/** The compiled, per-workflow data a run needs; built once and shared by every run. */
export interface CompiledWorkflow {
  readonly definition: WorkflowDefinition;
  readonly routing: RoutingTable;
  /** One record per executor id. */
  readonly nodes: ReadonlyMap<string, ExecutorNode>;
  /** The same records, by graph order; with `nodes`, what grouping a queue looks nodes up in. */
  readonly index: NodeIndex<ExecutorNode>;
  /** The own response schemas of requests asked by runs of this workflow in this process. */
  readonly responseSchemas: Map<string, Schema>;
}

const compiledByDefinition = new WeakMap<WorkflowDefinition, CompiledWorkflow>();
const NOTHING_REACHABLE: ReadonlySet<string> = new Set();

/** Compiles a definition once (a `Workflow` and a worker resolving a nested definition share the result). */
export function compileDefinition(definition: WorkflowDefinition): CompiledWorkflow {
  let compiled = compiledByDefinition.get(definition);
  if (compiled === undefined) {
    const routing = createRoutingTable(definition);
    const sendsAsOutput = new Set(definition.outputIfUnconnected.filter((id) => !definition.edges.some((edge) => edgeSources(edge).includes(id))));
    const byOrder = definition.executors.map((executor, order): ExecutorNode => {
      const id = executor.id;
      const routes = routing.sources.get(id) ?? { source: id, routes: [], reachable: NOTHING_REACHABLE };
      return { id, executor, order, routes, sendsAsOutput: sendsAsOutput.has(id) };
    });
    const nodes = new Map(byOrder.map((node): [string, ExecutorNode] => [node.id, node]));
    compiled = {
      definition,
      routing,
      nodes,
      index: { byId: nodes, byOrder },
      responseSchemas: new ResponseSchemas(),
    };
    compiledByDefinition.set(definition, compiled);
  }
  return compiled;
}
