import { describeThrown } from '../internal/thrown.js';
import { RoutingError, type WeftErrorContext } from '../errors.js';
import type { EdgeDefinition, PendingRequest, WorkflowDefinition } from '../model/types.js';
import { routeDirect } from './direct.js';
import { FanInBatcher, type FanInBuffers } from './fan-in.js';
import { routeFanOut } from './fan-out.js';
import { routeSwitch } from './switch.js';

/** A message as sent by a handler, before routing. */
export interface SentMessage {
  readonly source: string;
  readonly payload: unknown;
  /** Restricts delivery to the edge(s) reaching this executor. */
  readonly to: string | undefined;
}

/** A routed message waiting for its superstep. */
export interface Delivery {
  /** The sender's id; for a fan-in batch, the sources joined by ", ". */
  readonly source: string;
  readonly target: string;
  readonly payload: unknown;
  /** Set when the payload is the answer to this request: it goes to the target's `onResponse`. */
  readonly request?: PendingRequest | undefined;
}

/** A message no edge accepted. */
export interface DroppedMessage {
  readonly source: string;
  readonly payload: unknown;
  readonly reason: 'no-edge' | 'not-accepted';
  readonly to: string | undefined;
}

export interface RouteResult {
  readonly deliveries: readonly Delivery[];
  readonly fanIn: FanInBuffers;
  readonly dropped: readonly DroppedMessage[];
}

/** Edges indexed for routing, built once per workflow. */
export interface RoutingTable {
  readonly outgoing: ReadonlyMap<string, readonly EdgeDefinition[]>;
  /** For each source, every executor an edge from it may reach. */
  readonly reachable: ReadonlyMap<string, ReadonlySet<string>>;
  /** For each fan-in edge, the index of each source. */
  readonly fanInIndex: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** For each fan-in edge, the `source` its batches carry: the sources joined by ", ". */
  readonly fanInLabel: ReadonlyMap<string, string>;
  /** For each fan-out edge, its targets as a set (a selector's picks are checked against it). */
  readonly fanOutTargets: ReadonlyMap<string, ReadonlySet<string>>;
}

export function createRoutingTable(definition: WorkflowDefinition): RoutingTable {
  const outgoing = new Map<string, EdgeDefinition[]>();
  const reachable = new Map<string, Set<string>>();
  const fanInIndex = new Map<string, Map<string, number>>();
  const fanInLabel = new Map<string, string>();
  const fanOutTargets = new Map<string, ReadonlySet<string>>();
  const link = (source: string, edge: EdgeDefinition, targets: readonly string[]): void => {
    let list = outgoing.get(source);
    if (list === undefined) outgoing.set(source, (list = []));
    list.push(edge);
    let set = reachable.get(source);
    if (set === undefined) reachable.set(source, (set = new Set()));
    for (const t of targets) set.add(t);
  };
  for (const edge of definition.edges) {
    switch (edge.kind) {
      case 'direct':
        link(edge.source, edge, [edge.target]);
        break;
      case 'fan-out':
        fanOutTargets.set(edge.id, new Set(edge.targets));
        link(edge.source, edge, edge.targets);
        break;
      case 'switch':
        link(edge.source, edge, [...edge.cases.map((c) => c.target), edge.otherwise]);
        break;
      case 'fan-in':
        fanInIndex.set(edge.id, new Map(edge.sources.map((s, index) => [s, index])));
        fanInLabel.set(edge.id, edge.sources.join(', '));
        for (const source of edge.sources) link(source, edge, [edge.target]);
        break;
    }
  }
  return { outgoing, reachable, fanInIndex, fanInLabel, fanOutTargets };
}

function call<T>(context: WeftErrorContext, edge: EdgeDefinition, source: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw routingFailed(context, edge, source, what, error);
  }
}

function routingFailed(context: WeftErrorContext, edge: EdgeDefinition, source: string, what: string, error: unknown): RoutingError {
  return new RoutingError(edge.id, `Edge "${edge.id}" could not route a message from "${source}": ${what} threw: ${describeThrown(error)}`, {
    ...context,
    executorId: source,
    cause: error,
  });
}

/** Routes one superstep's sent messages, in order, along the edges; pure apart from calling edge predicates. */
export function routeMessages(table: RoutingTable, sent: readonly SentMessage[], fanIn: FanInBuffers, context: WeftErrorContext = {}): RouteResult {
  const deliveries: Delivery[] = [];
  const dropped: DroppedMessage[] = [];
  let batchers: Map<string, FanInBatcher> | undefined;

  // Consecutive messages mostly come from one source (a fan-out's sends) or go into one fan-in: remember the last.
  let lastSource: string | undefined;
  let edges: readonly EdgeDefinition[] | undefined;
  let lastFanIn: string | undefined;
  let fanInBatcher: FanInBatcher | undefined;
  let fanInIndex: ReadonlyMap<string, number> | undefined;

  for (const message of sent) {
    const { source, payload, to } = message;
    if (source !== lastSource) {
      edges = table.outgoing.get(source);
      lastSource = source;
    }
    if (edges === undefined) {
      dropped.push({ source, payload, reason: 'no-edge', to });
      continue;
    }
    const before = deliveries.length;
    let buffered = false;
    for (const edge of edges) {
      switch (edge.kind) {
        case 'direct': {
          if (to !== undefined && edge.target !== to) break;
          if (edge.when === undefined) {
            deliveries.push({ source, target: edge.target, payload }); // the common case: no predicate to guard
            break;
          }
          const target = call(context, edge, source, 'its condition', () => routeDirect(edge, payload));
          if (target !== undefined) deliveries.push({ source, target, payload });
          break;
        }
        case 'switch': {
          const target = call(context, edge, source, 'a case predicate', () => routeSwitch(edge, payload));
          if (to === undefined || target === to) deliveries.push({ source, target, payload });
          break;
        }
        case 'fan-out': {
          if (to !== undefined && edge.select === undefined) {
            // Sent to one target: a set lookup, not a walk over every target of a wide fan-out.
            if ((table.fanOutTargets.get(edge.id) as ReadonlySet<string>).has(to)) deliveries.push({ source, target: to, payload });
            break;
          }
          let targets: string | readonly string[];
          try {
            targets = routeFanOut(edge, payload, table.fanOutTargets.get(edge.id) as ReadonlySet<string>);
          } catch (error) {
            throw routingFailed(context, edge, source, 'its selector', error);
          }
          if (typeof targets === 'string') {
            if (to === undefined || targets === to) deliveries.push({ source, target: targets, payload });
          } else for (const target of targets) if (to === undefined || target === to) deliveries.push({ source, target, payload });
          break;
        }
        case 'fan-in': {
          if (to !== undefined && edge.target !== to) break;
          if (edge.id !== lastFanIn) {
            batchers ??= new Map();
            let batcher = batchers.get(edge.id);
            if (batcher === undefined) batchers.set(edge.id, (batcher = new FanInBatcher(edge, fanIn[edge.id])));
            fanInBatcher = batcher;
            fanInIndex = table.fanInIndex.get(edge.id) as ReadonlyMap<string, number>;
            lastFanIn = edge.id;
          }
          const batch = (fanInBatcher as FanInBatcher).add((fanInIndex as ReadonlyMap<string, number>).get(source) as number, payload);
          buffered = true;
          if (batch !== undefined) deliveries.push({ source: table.fanInLabel.get(edge.id) as string, target: edge.target, payload: batch });
          break;
        }
      }
    }
    if (deliveries.length === before && !buffered) {
      dropped.push({ source, payload, reason: 'not-accepted', to });
    }
  }

  if (batchers === undefined) return { deliveries, fanIn, dropped };
  const next: Record<string, readonly (readonly unknown[])[]> = { ...fanIn };
  for (const [id, batcher] of batchers) {
    const snapshot = batcher.snapshot();
    if (snapshot === undefined) delete next[id];
    else next[id] = snapshot;
  }
  return { deliveries, fanIn: next, dropped };
}
