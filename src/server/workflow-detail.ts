import { Workflow, type AnyExecutor, type Schema } from '../index.js';
import type { ExecutorDetail, GraphDetail } from './console-types.js';

interface JsonSchemaCapable {
  readonly '~standard': { readonly jsonSchema?: { readonly input?: (options: { target: string }) => unknown } };
}

/**
 * JSON Schema of the answers an executor accepts, through the Standard JSON Schema interface; undefined when the
 * schema cannot give one. (Input and output schemas come from `workflow.describe()`, which does not list responses.)
 */
function responseSchemaOf(schema: Schema | undefined): unknown {
  const convert = (schema as JsonSchemaCapable | undefined)?.['~standard'].jsonSchema?.input;
  if (convert === undefined) return undefined;
  try {
    return convert({ target: 'draft-2020-12' });
  } catch {
    return undefined;
  }
}

/** How deep nested graphs are described: deeper ones are listed without their graph. */
const MAX_DEPTH = 6;

/** The graph of a nested workflow or of a helper executor (`toWorkflow()`), unless it is only the executor itself. */
function nestedGraph(executor: AnyExecutor): Workflow<any, any, any> | undefined {
  // A nested workflow's executor carries its definition; a Workflow of it describes it as the top level is described.
  if (executor.workflow !== undefined) return new Workflow(executor.workflow);
  const toWorkflow = (executor as { toWorkflow?: () => Workflow<any, any, any> }).toWorkflow;
  if (typeof toWorkflow !== 'function') return undefined;
  const workflow = toWorkflow.call(executor);
  const oneStep = workflow.definition.executors.length === 1 && workflow.definition.executors[0]?.id === executor.id;
  return oneStep ? undefined : workflow;
}

/** Describes a workflow for the console: `workflow.describe()` with the policies, response schemas and nested graphs. */
export function describeGraph(workflow: Workflow<any, any, any>, depth = 0): GraphDetail {
  const { definition } = workflow;
  const description = workflow.describe();
  const detail = (executor: AnyExecutor): ExecutorDetail => {
    const described = description.executors.find((item) => item.id === executor.id);
    const retry = executor.retry ?? definition.defaults.retry;
    const timeoutMs = executor.timeoutMs ?? definition.defaults.timeoutMs;
    const response = responseSchemaOf(executor.response);
    const graph = depth < MAX_DEPTH ? nestedGraph(executor) : undefined;
    return {
      id: executor.id,
      kind: executor.kind,
      concurrency: executor.concurrency,
      ...(retry === undefined ? {} : { retry: { attempts: retry.attempts, ...(retry.backoff === undefined ? {} : { backoff: retry.backoff }) } }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      limited: executor.limiter !== undefined,
      ...(described?.input === undefined ? {} : { input: described.input }),
      ...(described?.output === undefined ? {} : { output: described.output }),
      ...(response === undefined ? {} : { response }),
      ...(graph === undefined ? {} : { graph: describeGraph(graph, depth + 1) }),
    };
  };
  return {
    name: definition.name,
    signature: definition.signature,
    start: definition.start,
    maxSupersteps: definition.maxSupersteps,
    executors: definition.executors.map(detail),
    edges: description.edges,
  };
}
