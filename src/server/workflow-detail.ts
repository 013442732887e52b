import type { AnyExecutor, EdgeDescription, Schema, Workflow, WorkflowDefinition } from '../index.js';

/** One executor as the console shows it: its kind, schemas (JSON Schema), policies and any graph nested in it. */
export interface ExecutorDetail {
  readonly id: string;
  readonly kind: string;
  readonly concurrency: number;
  readonly retry?: { readonly attempts: number; readonly backoff?: unknown };
  readonly timeoutMs?: number;
  readonly limited: boolean;
  readonly input?: unknown;
  readonly output?: unknown;
  /** JSON Schema of the answers to its requests, for a form. */
  readonly response?: unknown;
  /** A nested workflow (`fromWorkflow`) or a helper's own graph (`parallel`, `pipeline`, `loop` …). */
  readonly graph?: GraphDetail;
}

/** A workflow's graph with everything the console draws and lists. */
export interface GraphDetail {
  readonly name: string;
  readonly signature: string;
  readonly start: string;
  readonly maxSupersteps: number;
  readonly executors: readonly ExecutorDetail[];
  readonly edges: readonly EdgeDescription[];
}

interface JsonSchemaCapable {
  readonly '~standard': { readonly jsonSchema?: Partial<Record<'input' | 'output', (options: { target: string }) => unknown>> };
}

/** JSON Schema through the Standard JSON Schema interface; undefined when the schema cannot give one. */
export function jsonSchemaOf(schema: Schema | undefined, side: 'input' | 'output' = 'input'): unknown {
  const convert = (schema as JsonSchemaCapable | undefined)?.['~standard'].jsonSchema?.[side];
  if (convert === undefined) return undefined;
  try {
    return convert({ target: 'draft-2020-12' });
  } catch {
    return undefined;
  }
}

/** How deep nested graphs are described: deeper ones are listed without their graph. */
const MAX_DEPTH = 6;

/** The graph of a helper executor (`toWorkflow()`), unless it is only the executor itself in a one-step workflow. */
function helperGraph(executor: AnyExecutor): WorkflowDefinition | undefined {
  if (executor.workflow !== undefined) return executor.workflow;
  const toWorkflow = (executor as { toWorkflow?: () => Workflow<any, any, any> }).toWorkflow;
  if (typeof toWorkflow !== 'function') return undefined;
  const definition = toWorkflow.call(executor).definition;
  const oneStep = definition.executors.length === 1 && definition.executors[0]?.id === executor.id;
  return oneStep ? undefined : definition;
}

/** Describes a workflow definition for the console, nested graphs included. */
export function describeGraph(definition: WorkflowDefinition, depth = 0): GraphDetail {
  const describe = (executor: AnyExecutor): ExecutorDetail => {
    const retry = executor.retry ?? definition.defaults.retry;
    const timeoutMs = executor.timeoutMs ?? definition.defaults.timeoutMs;
    const input = jsonSchemaOf(executor.input);
    const output = jsonSchemaOf(executor.output, 'output');
    const response = jsonSchemaOf(executor.response);
    const graph = depth < MAX_DEPTH ? helperGraph(executor) : undefined;
    return {
      id: executor.id,
      kind: executor.kind,
      concurrency: executor.concurrency,
      ...(retry === undefined ? {} : { retry: { attempts: retry.attempts, ...(retry.backoff === undefined ? {} : { backoff: retry.backoff }) } }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      limited: executor.limiter !== undefined,
      ...(input === undefined ? {} : { input }),
      ...(output === undefined ? {} : { output }),
      ...(response === undefined ? {} : { response }),
      ...(graph === undefined ? {} : { graph: describeGraph(graph, depth + 1) }),
    };
  };
  return {
    name: definition.name,
    signature: definition.signature,
    start: definition.start,
    maxSupersteps: definition.maxSupersteps,
    executors: definition.executors.map(describe),
    edges: describeEdges(definition),
  };
}

function describeEdges(definition: WorkflowDefinition): EdgeDescription[] {
  return definition.edges.map((edge): EdgeDescription => {
    switch (edge.kind) {
      case 'direct':
        return { kind: 'direct', id: edge.id, source: edge.source, target: edge.target, conditional: edge.when !== undefined };
      case 'fan-out':
        return { kind: 'fan-out', id: edge.id, source: edge.source, targets: [...edge.targets], selective: edge.select !== undefined };
      case 'fan-in':
        return { kind: 'fan-in', id: edge.id, sources: [...edge.sources], target: edge.target };
      case 'switch':
        return { kind: 'switch', id: edge.id, source: edge.source, cases: edge.cases.map((c) => c.target), otherwise: edge.otherwise };
    }
  });
}
