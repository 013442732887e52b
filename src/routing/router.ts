import { describeThrown } from '../internal/thrown.js';
import { RoutingError, type WeftErrorContext } from '../errors.js';
import type { EdgeDefinition, FanInEdgeDefinition, PendingRequest, WorkflowDefinition } from '../model/types.js';
import { routeDirect } from './direct.js';
import { FanInBatcher, type FanInBuffers } from './fan-in.js';
import { routeFanOut, unknownPick } from './fan-out.js';
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
  /** The graph order of each delivery's target, parallel to `deliveries`: grouping the next queue needs no lookup. */
  readonly orders: readonly number[];
  readonly fanIn: FanInBuffers;
  readonly dropped: readonly DroppedMessage[];
}

/** One outgoing edge of one source, compiled for routing. */
export interface Route {
  readonly edge: EdgeDefinition;
  /** For a fan-in edge: its position among the graph's fan-in edges (-1 for other kinds). */
  readonly fanIn: number;
  /** For a fan-in edge: this source's index among its sources (-1 for other kinds). */
  readonly sourceIndex: number;
  /** The graph order of the edge's one target (direct and fan-in edges; -1 for other kinds). */
  readonly targetOrder: number;
  /** For a fan-out edge: the graph order of each target (a selector's picks are checked against it). */
  readonly targets: ReadonlyMap<string, number> | undefined;
  /** For a fan-out edge: the graph order of each of its targets, in the edge's order. */
  readonly targetOrders: readonly number[] | undefined;
}

/** A source's outgoing edges, compiled once: routing its messages needs no lookup per message. */
export interface SourceRoutes {
  readonly source: string;
  /** In edge order; empty when no edge leaves the source. */
  readonly routes: readonly Route[];
  /** Every executor an edge from the source may reach. */
  readonly reachable: ReadonlySet<string>;
}

/** Edges indexed for routing, built once per workflow. */
export interface RoutingTable {
  /** Every source with at least one outgoing edge. */
  readonly sources: ReadonlyMap<string, SourceRoutes>;
  /** The fan-in edges, by position (`Route.fanIn`). */
  readonly fanIns: readonly FanInEdgeDefinition[];
  /** For each fan-in edge (by position), the `source` its batches carry: the sources joined by ", ". */
  readonly fanInLabels: readonly string[];
  /** The graph order of every executor. */
  readonly orderOf: ReadonlyMap<string, number>;
}

export function createRoutingTable(definition: WorkflowDefinition): RoutingTable {
  const routes = new Map<string, Route[]>();
  const reachable = new Map<string, Set<string>>();
  const fanIns: FanInEdgeDefinition[] = [];
  const link = (source: string, route: Route, targets: readonly string[]): void => {
    let list = routes.get(source);
    if (list === undefined) routes.set(source, (list = []));
    list.push(route);
    let set = reachable.get(source);
    if (set === undefined) reachable.set(source, (set = new Set()));
    for (const t of targets) set.add(t);
  };
  const orderOf = new Map(definition.executors.map((e, index): [string, number] => [e.id, index]));
  const order = (id: string): number => orderOf.get(id) ?? -1;
  const route = (edge: EdgeDefinition, fields: Partial<Route> = {}): Route => ({
    edge,
    fanIn: -1,
    sourceIndex: -1,
    targetOrder: -1,
    targets: undefined,
    targetOrders: undefined,
    ...fields,
  });
  for (const edge of definition.edges) {
    switch (edge.kind) {
      case 'direct':
        link(edge.source, route(edge, { targetOrder: order(edge.target) }), [edge.target]);
        break;
      case 'fan-out': {
        const targetOrders = edge.targets.map(order);
        const targets = new Map(edge.targets.map((t, i): [string, number] => [t, targetOrders[i] as number]));
        link(edge.source, route(edge, { targets, targetOrders }), edge.targets);
        break;
      }
      case 'switch':
        link(edge.source, route(edge), [...edge.cases.map((c) => c.target), edge.otherwise]);
        break;
      case 'fan-in': {
        const position = fanIns.push(edge) - 1;
        const targetOrder = order(edge.target);
        edge.sources.forEach((source, index) => link(source, route(edge, { fanIn: position, sourceIndex: index, targetOrder }), [edge.target]));
        break;
      }
    }
  }
  const sources = new Map<string, SourceRoutes>();
  for (const [source, list] of routes) sources.set(source, { source, routes: list, reachable: reachable.get(source) as Set<string> });
  return { sources, fanIns, fanInLabels: fanIns.map((edge) => edge.sources.join(', ')), orderOf };
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
  const router = new MessageRouter(table, fanIn, context);
  let from: SourceRoutes | undefined;
  for (const message of sent) {
    if (from?.source !== message.source) from = table.sources.get(message.source);
    router.route(from, message);
  }
  return router.finish();
}

/**
 * Routes one superstep's messages as they are handed over, in order: the caller passes each message with its source's
 * compiled routes, so a message costs no lookup. `finish()` returns the next queue, fan-in buffers and the drops.
 */
export class MessageRouter {
  readonly deliveries: Delivery[] = [];
  readonly orders: number[] = [];
  readonly dropped: DroppedMessage[] = [];
  /** Per fan-in edge (by position), its buffer while this superstep's messages are added. */
  private batchers: (FanInBatcher | undefined)[] | undefined;

  constructor(
    private readonly table: RoutingTable,
    private readonly fanIn: FanInBuffers,
    private readonly context: WeftErrorContext,
  ) {}

  /** Routes one message of `from` (undefined: no edge leaves its source). */
  route(from: SourceRoutes | undefined, message: SentMessage): void {
    const { source, payload, to } = message;
    if (from === undefined || from.routes.length === 0) {
      this.dropped.push({ source, payload, reason: 'no-edge', to });
      return;
    }
    const before = this.deliveries.length;
    let buffered = false;
    for (const route of from.routes) {
      const edge = route.edge;
      switch (edge.kind) {
        case 'direct': {
          if (to !== undefined && edge.target !== to) break;
          if (edge.when === undefined) {
            this.deliver(source, edge.target, route.targetOrder, payload); // the common case: no predicate to guard
            break;
          }
          const target = call(this.context, edge, source, 'its condition', () => routeDirect(edge, payload));
          if (target !== undefined) this.deliver(source, target, route.targetOrder, payload);
          break;
        }
        case 'switch': {
          const target = call(this.context, edge, source, 'a case predicate', () => routeSwitch(edge, payload));
          if (to === undefined || target === to) this.deliver(source, target, this.table.orderOf.get(target) as number, payload);
          break;
        }
        case 'fan-out': {
          const known = route.targets as ReadonlyMap<string, number>;
          if (to !== undefined && edge.select === undefined) {
            // Sent to one target: one lookup, not a walk over every target of a wide fan-out.
            const order = known.get(to);
            if (order !== undefined) this.deliver(source, to, order, payload);
            break;
          }
          if (edge.select === undefined) {
            const targets = edge.targets;
            const orders = route.targetOrders as readonly number[];
            for (let i = 0; i < targets.length; i++) this.deliver(source, targets[i] as string, orders[i] as number, payload);
            break;
          }
          let picked: string | readonly string[];
          let order: number | undefined;
          try {
            picked = routeFanOut(edge, payload);
            if (typeof picked === 'string') {
              order = known.get(picked); // checks the pick and finds its graph order in one lookup
              if (order === undefined) throw unknownPick(edge, picked);
            } else for (const target of picked) if (!known.has(target)) throw unknownPick(edge, target);
          } catch (error) {
            throw routingFailed(this.context, edge, source, 'its selector', error);
          }
          if (typeof picked === 'string') {
            if (to === undefined || picked === to) this.deliver(source, picked, order as number, payload);
          } else
            for (const target of picked) if (to === undefined || target === to) this.deliver(source, target, known.get(target) as number, payload);
          break;
        }
        case 'fan-in': {
          if (to !== undefined && edge.target !== to) break;
          const batchers = (this.batchers ??= new Array<FanInBatcher | undefined>(this.table.fanIns.length).fill(undefined));
          let batcher = batchers[route.fanIn];
          if (batcher === undefined) batchers[route.fanIn] = batcher = new FanInBatcher(edge, this.fanIn[edge.id]);
          const batch = batcher.add(route.sourceIndex, payload);
          buffered = true;
          if (batch !== undefined) this.deliver(this.table.fanInLabels[route.fanIn] as string, edge.target, route.targetOrder, batch);
          break;
        }
      }
    }
    if (this.deliveries.length === before && !buffered) {
      this.dropped.push({ source, payload, reason: 'not-accepted', to });
    }
  }

  private deliver(source: string, target: string, order: number, payload: unknown): void {
    this.deliveries.push({ source, target, payload });
    this.orders.push(order);
  }

  /** The next queue, the next fan-in buffers and the messages no edge took. */
  finish(): RouteResult {
    const batchers = this.batchers;
    if (batchers === undefined) return { deliveries: this.deliveries, orders: this.orders, fanIn: this.fanIn, dropped: this.dropped };
    const next: Record<string, readonly (readonly unknown[])[]> = { ...this.fanIn };
    for (const batcher of batchers) {
      if (batcher === undefined) continue;
      const snapshot = batcher.snapshot();
      if (snapshot === undefined) delete next[batcher.id];
      else next[batcher.id] = snapshot;
    }
    return { deliveries: this.deliveries, orders: this.orders, fanIn: next, dropped: this.dropped };
  }
}
