import type { EdgeDefinition, ExecutorKind, Schema, WorkflowDefinition } from './types.js';

/** The topology of a workflow as plain JSON. */
export interface WorkflowDescription {
  readonly name: string;
  readonly signature: string;
  readonly start: string;
  readonly executors: readonly {
    readonly id: string;
    readonly kind: ExecutorKind;
    readonly concurrency: number;
    /** JSON Schema of the accepted message, when the schema can produce one. */
    readonly input?: unknown;
    readonly output?: unknown;
  }[];
  readonly edges: readonly EdgeDescription[];
}

/** One edge as plain JSON. */
export type EdgeDescription =
  | { readonly kind: 'direct'; readonly id: string; readonly source: string; readonly target: string; readonly conditional: boolean }
  | { readonly kind: 'fan-out'; readonly id: string; readonly source: string; readonly targets: readonly string[]; readonly selective: boolean }
  | { readonly kind: 'fan-in'; readonly id: string; readonly sources: readonly string[]; readonly target: string }
  | { readonly kind: 'switch'; readonly id: string; readonly source: string; readonly cases: readonly string[]; readonly otherwise: string };

interface JsonSchemaCapable {
  readonly '~standard': {
    readonly jsonSchema?: { readonly input?: (options: { target: string }) => unknown; readonly output?: (options: { target: string }) => unknown };
  };
}

/** JSON Schema of what a schema accepts (`input`) or produces (`output`), through the Standard JSON Schema interface; undefined when unavailable. */
export function toJsonSchema(schema: Schema | undefined, side: 'input' | 'output' = 'input'): unknown {
  const convert = (schema as JsonSchemaCapable | undefined)?.['~standard'].jsonSchema?.[side];
  if (convert === undefined) return undefined;
  try {
    return convert({ target: 'draft-2020-12' });
  } catch {
    return undefined; // e.g. a transform or a custom type: no JSON Schema to give
  }
}

function describeEdge(edge: EdgeDefinition): EdgeDescription {
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
}

export function describeWorkflow(definition: WorkflowDefinition): WorkflowDescription {
  return {
    name: definition.name,
    signature: definition.signature,
    start: definition.start,
    executors: definition.executors.map((e) => {
      const input = toJsonSchema(e.input);
      const output = toJsonSchema(e.output, 'output');
      return {
        id: e.id,
        kind: e.kind,
        concurrency: e.concurrency,
        ...(input === undefined ? {} : { input }),
        ...(output === undefined ? {} : { output }),
      };
    }),
    edges: definition.edges.map(describeEdge),
  };
}
