import type { AnyExecutor, EdgeDefinition } from '../model/types.js';

/** An executor by object or by (possibly prefixed) id. */
export type Ref = AnyExecutor | string;

/** An edge as a builder records it, before ids are resolved at `build()`. */
export type EdgeSpec =
  | { readonly kind: 'direct'; readonly source: Ref; readonly target: Ref; readonly when: ((message: unknown) => boolean) | undefined }
  | {
      readonly kind: 'fan-out';
      readonly source: Ref;
      readonly targets: readonly Ref[];
      readonly select: ((message: unknown, targets: readonly string[]) => string | readonly string[]) | undefined;
    }
  | { readonly kind: 'fan-in'; readonly sources: readonly Ref[]; readonly target: Ref }
  | {
      readonly kind: 'switch';
      readonly source: Ref;
      readonly cases: readonly { readonly when: (message: unknown) => boolean; readonly target: Ref }[];
      readonly otherwise: Ref | undefined;
      readonly misplacedDefault: boolean;
    };

export const idOf = (ref: Ref): string => (typeof ref === 'string' ? ref : ref.id);

/** Rewrites every end of an edge spec. */
export function mapEdgeSpec(spec: EdgeSpec, map: (ref: Ref) => Ref): EdgeSpec {
  switch (spec.kind) {
    case 'direct':
      return { ...spec, source: map(spec.source), target: map(spec.target) };
    case 'fan-out':
      return { ...spec, source: map(spec.source), targets: spec.targets.map(map) };
    case 'fan-in':
      return { ...spec, sources: spec.sources.map(map), target: map(spec.target) };
    case 'switch':
      return {
        ...spec,
        source: map(spec.source),
        cases: spec.cases.map((c) => ({ when: c.when, target: map(c.target) })),
        otherwise: spec.otherwise === undefined ? undefined : map(spec.otherwise),
      };
  }
}

/** The spec of an already-validated edge, so a built workflow can be inlined again. */
export function specOfEdge(edge: EdgeDefinition): EdgeSpec {
  switch (edge.kind) {
    case 'direct':
      return { kind: 'direct', source: edge.source, target: edge.target, when: edge.when };
    case 'fan-out':
      return { kind: 'fan-out', source: edge.source, targets: edge.targets, select: edge.select };
    case 'fan-in':
      return { kind: 'fan-in', sources: edge.sources, target: edge.target };
    case 'switch':
      return { kind: 'switch', source: edge.source, cases: edge.cases, otherwise: edge.otherwise, misplacedDefault: false };
  }
}

/** The ids an edge spec reads from. */
export function specSources(spec: EdgeSpec): readonly string[] {
  return spec.kind === 'fan-in' ? spec.sources.map(idOf) : [idOf(spec.source)];
}
