import { GraphValidationError, UnknownExecutorError, type GraphIssue } from '../errors.js';
import type { AnyExecutor } from '../model/types.js';
import { idOf, mapEdgeSpec, specSources, type EdgeSpec, type Ref } from './edge-spec.js';

/** A graph's executors and edges as data: what merge, connections and addWorkflow copy. */
export interface GraphFragment {
  /** Where it came from, for error messages. */
  readonly name: string;
  readonly start: string;
  /** In graph order. */
  readonly executors: readonly AnyExecutor[];
  readonly edges: readonly EdgeSpec[];
  /** Ids of the exits: declared ones, else every executor with no outgoing edge, in graph order. */
  readonly exits: readonly string[];
  /** Executors whose sends become run outputs when no edge leaves them. */
  readonly outputIfUnconnected: readonly string[];
}

/** `prefix/id`, or the id itself without a prefix. */
export function prefixed(prefix: string | undefined, id: string): string {
  return prefix === undefined || prefix === '' ? id : `${prefix}/${id}`;
}

/** The same executor under another id; everything else, handler included, is shared. */
export function withId<T extends AnyExecutor>(executor: T, id: string): T {
  return id === executor.id ? executor : (Object.freeze({ ...executor, id }) as T);
}

export function checkPrefix(prefix: unknown): void {
  if (prefix !== undefined && (typeof prefix !== 'string' || prefix.length === 0 || prefix.startsWith('/') || prefix.endsWith('/'))) {
    throw new TypeError(`A prefix must be a non-empty string without a leading or trailing "/", got ${JSON.stringify(prefix)}.`);
  }
}

/** A copy with every id under `prefix`; edges then refer to the copies by id. */
export function prefixFragment(fragment: GraphFragment, prefix: string | undefined): GraphFragment {
  checkPrefix(prefix);
  if (prefix === undefined) return fragment;
  const rename = (ref: Ref): Ref => prefixed(prefix, idOf(ref));
  return {
    name: fragment.name,
    start: prefixed(prefix, fragment.start),
    executors: fragment.executors.map((e) => withId(e, prefixed(prefix, e.id))),
    edges: fragment.edges.map((spec) => mapEdgeSpec(spec, rename)),
    exits: fragment.exits.map((id) => prefixed(prefix, id)),
    outputIfUnconnected: fragment.outputIfUnconnected.map((id) => prefixed(prefix, id)),
  };
}

/** Executors with no outgoing edge, in graph order: the default exits. */
export function sinksOf(executors: readonly AnyExecutor[], edges: readonly EdgeSpec[]): string[] {
  const sources = new Set(edges.flatMap(specSources));
  return executors.map((e) => e.id).filter((id) => !sources.has(id));
}

/** Throws one GraphValidationError naming every id that both graphs use. */
export function checkCollisions(
  intoName: string,
  existing: ReadonlyMap<string, AnyExecutor>,
  fragment: GraphFragment,
  prefix: string | undefined,
): void {
  const issues: GraphIssue[] = fragment.executors
    .filter((e) => existing.has(e.id) && existing.get(e.id) !== e)
    .map((e) => ({
      code: 'duplicate_executor',
      message: `Executor id "${e.id}" exists both in "${intoName}" and in "${fragment.name}". ${
        prefix === undefined ? `Pass a prefix, e.g. { prefix: "${fragment.name}" }, to keep them apart.` : `Choose another prefix than "${prefix}".`
      }`,
      executorIds: [e.id],
    }));
  if (issues.length > 0) throw new GraphValidationError(intoName, issues);
}

/** The fragment with the given executors (objects or ids of this graph, before any prefix) as its exits. */
export function withExitIds(fragment: GraphFragment, exits: readonly Ref[] | undefined): GraphFragment {
  if (exits === undefined) return fragment;
  const ids = new Set(fragment.executors.map((e) => e.id));
  const chosen = exits.map(idOf);
  const unknown = chosen.filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    throw new UnknownExecutorError(
      unknown[0] as string,
      `Exits ${unknown.map((id) => `"${id}"`).join(', ')} are not executors of "${fragment.name}". Pass executors of that graph (before any prefix).`,
    );
  }
  return { ...fragment, exits: chosen };
}
