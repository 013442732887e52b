// The pure superstep core: what a superstep does with data once its invocations have run. Nothing here runs a
// handler, waits, emits or saves; the driver (run.ts) does those and calls these functions.
import type { Draft, Patch } from 'immer';
import { applyStatePatches, produceState, produceStateWithPatches } from '../internal/immer.js';
import type { WeftErrorContext } from '../errors.js';
import type { PendingRequest, WorkflowDefinition } from '../model/types.js';
import { MessageRouter, type Delivery, type DroppedMessage, type RoutingTable, type SentMessage, type SourceRoutes } from '../routing/router.js';
import type { RunState } from './run-state.js';

type Recipe = (draft: Draft<unknown>) => unknown;

/**
 * A staged write to shared state: a value to set, a recipe to replay on whatever value is current at commit (in
 * process), or the patches a recipe made (a replayed invocation record, whose recipe is gone).
 */
export type SharedOp =
  | { readonly key: string; readonly set: true; readonly value: unknown }
  | { readonly key: string; readonly set: false; readonly recipe: Recipe; readonly made?: RecipeResult }
  | { readonly key: string; readonly set: false; readonly patches: readonly Patch[] };

/** What a recipe made of `base` in the handler: reused wherever the key still holds `base`, so a recipe runs once. */
export interface RecipeResult {
  readonly base: unknown;
  readonly value: unknown;
  readonly patches: Patch[];
}

/** Sends, outputs and requests of one successful invocation. */
export interface InvocationEffects {
  /** One send as it is, or several in send order (most invocations send once: no array for them). */
  readonly sends: SentMessage | readonly SentMessage[] | undefined;
  readonly outputs: readonly unknown[] | undefined;
  readonly requests: readonly PendingRequest[] | undefined;
}

/** One executor's writes in one superstep, as the commit reads them. */
export interface SlotWrites {
  readonly executorId: string;
  /** The executor's compiled routes; looked up by `executorId` when not given. */
  readonly routes?: SourceRoutes | undefined;
  /**
   * By delivery index, so commit order never depends on which invocation finished first (undefined: none); the
   * effects of delivery 0 alone may be given as they are, without an array.
   */
  readonly effects: InvocationEffects | readonly (InvocationEffects | undefined)[] | undefined;
  readonly stateChanged: boolean;
  readonly state: unknown;
  /** State patches rooted at `executorStates` (when recorded). */
  readonly patches: readonly Patch[] | undefined;
  readonly sharedOps: readonly SharedOp[] | undefined;
}

/** What a commit produced: the next boundary, and what the driver reports about it. */
export interface CommitResult {
  readonly state: RunState;
  readonly dropped: readonly DroppedMessage[];
  readonly outputs: readonly { readonly executorId: string; readonly value: unknown }[];
  readonly requests: readonly PendingRequest[];
  /** Patches rooted at `executorStates` / `shared`, for the delta checkpoint (empty unless `recordPatches`). */
  readonly patches: readonly Patch[];
  /** The graph order of the target of each delivery in the next queue (see `groupDeliveries`). */
  readonly orders: readonly number[];
}

/** The part of a compiled workflow the core reads. */
export interface CoreGraph {
  readonly routing: RoutingTable;
}

/** One executor's deliveries of a superstep, in queue order. */
export interface Group<N> {
  readonly node: N;
  /** Adds a later delivery to the same target. */
  add(delivery: Delivery): void;
}

/** The plain group `groupDeliveries` makes when not told how: its deliveries in one array. */
export class DeliveryList<N> implements Group<N> {
  readonly deliveries: Delivery[];
  constructor(
    readonly node: N,
    first: Delivery,
  ) {
    this.deliveries = [first];
  }
  add(delivery: Delivery): void {
    this.deliveries.push(delivery);
  }
}

/** The nodes of a graph by id and, to group a queue whose targets' graph orders are known, by graph order. */
export interface NodeIndex<N> {
  readonly byId: ReadonlyMap<string, N>;
  readonly byOrder: readonly N[];
}

/**
 * Groups a queue by target, the groups in graph order (`node.order`); within a group, deliveries keep queue order.
 * `orders` (from the commit that routed the queue) gives each target's graph order: then no delivery costs a
 * lookup; without it, one lookup per group while the targets come in graph order (a chain, a fan-out), as they
 * mostly do.
 */
export function groupDeliveries<N extends { readonly id: string; readonly order: number }, G extends Group<N> = DeliveryList<N>>(
  nodes: NodeIndex<N>,
  queue: readonly Delivery[],
  orders?: readonly number[],
  /** Makes a group from its node and first delivery (the engine's groups are its slots). */
  make: (node: N, first: Delivery) => G = (node, first) => new DeliveryList(node, first) as unknown as G,
): G[] {
  const groups: G[] = [];
  let last: G | undefined;
  // The order of the group appended last: while every new group comes after it, the groups are sorted and no
  // target can have been seen before, so no map is needed. Built at the first target out of order.
  let top = -1;
  let byTarget: Map<string, G> | undefined;
  let sorted = true;
  for (let i = 0; i < queue.length; i++) {
    const delivery = queue[i] as Delivery;
    const target = delivery.target;
    // With the orders known, numbers are compared, not ids.
    if (last !== undefined && (orders === undefined ? last.node.id === target : last.node.order === orders[i])) {
      last.add(delivery);
      continue;
    }
    let node: N | undefined;
    if (byTarget === undefined) {
      node = (orders === undefined ? nodes.byId.get(target) : nodes.byOrder[orders[i] as number]) as N;
      if (node.order > top) {
        top = node.order;
        last = make(node, delivery);
        groups.push(last);
        continue;
      }
      byTarget = new Map(groups.map((g): [string, G] => [g.node.id, g]));
    }
    const seen = byTarget.get(target);
    if (seen !== undefined) {
      seen.add(delivery);
      last = seen;
      continue;
    }
    node ??= nodes.byId.get(target) as N;
    if (node.order < top) sorted = false;
    else top = node.order;
    last = make(node, delivery);
    groups.push(last);
    byTarget.set(target, last);
  }
  return sorted ? groups : groups.sort((a, b) => a.node.order - b.node.order);
}

/**
 * Applies every executor's writes in graph order (`slots` are in graph order), then routes the sent messages:
 * the next `RunState` of superstep `superstep`. Throws a RoutingError when a predicate or selector throws.
 */
export function commitSuperstep(
  graph: CoreGraph,
  state: RunState,
  slots: readonly SlotWrites[],
  superstep: number,
  recordPatches: boolean,
  context: WeftErrorContext = {},
): CommitResult {
  let router: MessageRouter | undefined;
  const outputs: { executorId: string; value: unknown }[] = [];
  const requests: PendingRequest[] = [];
  const patches: Patch[] = [];
  let executorStates = state.executorStates;
  let shared = state.shared;
  for (const slot of slots) {
    const id = slot.executorId;
    const effects = slot.effects;
    // Delivery 0's effects alone come without an array (see `SlotWrites.effects`), one send without one too.
    const byIndex = isList(effects);
    const count = effects === undefined ? 0 : byIndex ? effects.length : 1;
    for (let i = 0; i < count; i++) {
      const one = byIndex ? effects[i] : (effects as InvocationEffects);
      if (one === undefined) continue;
      const sends = one.sends;
      if (sends !== undefined) {
        // Routed as they are collected, in the same order: graph order, then delivery index, then send order.
        router ??= new MessageRouter(graph.routing, state.fanIn, { ...context, superstep });
        const from = slot.routes ?? graph.routing.sources.get(id);
        if (!isList(sends)) router.route(sends.source === id ? from : graph.routing.sources.get(sends.source), sends);
        else for (const message of sends) router.route(message.source === id ? from : graph.routing.sources.get(message.source), message);
      }
      if (one.outputs !== undefined) for (const value of one.outputs) outputs.push({ executorId: id, value });
      if (one.requests !== undefined) for (const request of one.requests) requests.push(request);
    }
    if (slot.stateChanged) {
      if (executorStates === state.executorStates) executorStates = { ...executorStates };
      (executorStates as Record<string, unknown>)[id] = slot.state;
      if (slot.patches !== undefined) for (const patch of slot.patches) patches.push(patch);
    }
    if (slot.sharedOps !== undefined) {
      if (shared === state.shared) shared = { ...shared };
      applySharedOps(shared as Record<string, unknown>, slot.sharedOps, recordPatches ? patches : undefined);
    }
  }
  const routed = router === undefined ? { deliveries: [], orders: [], fanIn: state.fanIn, dropped: [] } : router.finish();
  return {
    state: {
      superstep,
      queue: routed.deliveries,
      executorStates: executorStates === state.executorStates ? executorStates : Object.freeze(executorStates),
      shared: shared === state.shared ? shared : Object.freeze(shared),
      fanIn: routed.fanIn,
      pendingRequests: requests.length === 0 ? state.pendingRequests : [...state.pendingRequests, ...requests],
      outputCount: state.outputCount + outputs.length,
    },
    dropped: routed.dropped,
    outputs,
    requests,
    patches,
    orders: routed.orders,
  };
}

/** `Array.isArray` narrowing readonly arrays too. */
const isList = Array.isArray as <T>(value: T | readonly T[]) => value is readonly T[];

/** Applies shared writes in order: a `set` replaces, an update runs again on the current value; patches go to `into`. */
function applySharedOps(target: Record<string, unknown>, ops: readonly SharedOp[], into: Patch[] | undefined): void {
  for (const op of ops) {
    if (op.set) {
      target[op.key] = op.value;
      into?.push({ op: 'replace', path: ['shared', op.key], value: op.value });
      continue;
    }
    if ('patches' in op) {
      target[op.key] = applyStatePatches(target[op.key], op.patches as Patch[]);
      if (into !== undefined) for (const patch of op.patches) into.push({ ...patch, path: ['shared', op.key, ...patch.path] });
    } else {
      const [value, made] =
        op.made !== undefined && op.made.base === target[op.key]
          ? [op.made.value, op.made.patches]
          : produceStateWithPatches(target[op.key], op.recipe);
      target[op.key] = value;
      if (into !== undefined) for (const patch of made) into.push({ ...patch, path: ['shared', op.key, ...patch.path] });
    }
  }
}

/** The value of a shared key after one op, without patches (what an executor's later invocations read). */
export function afterSharedOp(current: unknown, op: SharedOp): unknown {
  if (op.set) return op.value;
  if ('patches' in op) return applyStatePatches(current, op.patches as Patch[]);
  return op.made !== undefined && op.made.base === current ? op.made.value : produceState(current, op.recipe);
}

/** Moves answers into the queue (after what is there) and out of the pending requests. */
export function takeAnswers(state: RunState, answers: readonly Delivery[]): RunState {
  if (answers.length === 0) return state;
  const answered = new Set(answers.map((d) => d.request?.id));
  return { ...state, queue: [...state.queue, ...answers], pendingRequests: state.pendingRequests.filter((r) => !answered.has(r.id)) };
}

/** Messages left in fan-in buffers when a run completes: each is reported as dropped (`fan-in-incomplete`). */
export function unfinishedFanIns(
  definition: WorkflowDefinition,
  fanIn: RunState['fanIn'],
): { readonly source: string; readonly target: string; readonly message: unknown }[] {
  const left: { source: string; target: string; message: unknown }[] = [];
  for (const edge of definition.edges) {
    if (edge.kind !== 'fan-in') continue;
    fanIn[edge.id]?.forEach((queue, index) => {
      const source = edge.sources[index] as string;
      for (const message of queue) left.push({ source, target: edge.target, message });
    });
  }
  return left;
}
