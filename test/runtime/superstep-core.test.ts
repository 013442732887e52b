// The pure superstep core: commit, routing, fan-in and drops as functions of data. No handler runs here: every
// executor's handler throws, and the tests hand the core the writes an invocation would have left.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor, type PendingRequest } from 'weft';
import { createRoutingTable, type Delivery } from '../../src/routing/router.js';
import type { RunState } from '../../src/runtime/run-state.js';
import { commitSuperstep, groupDeliveries, takeAnswers, unfinishedFanIns, type CoreGraph, type SlotWrites } from '../../src/runtime/superstep.js';

const never = (): never => {
  throw new Error('the pure core must not run a handler');
};
const node = (id: string) => executor({ id, input: z.unknown(), output: z.unknown(), handle: never });

/** start → (a | b) by a `when`, a and b → join (fan-in), join → end. */
function graph(): { core: CoreGraph; definition: ReturnType<WorkflowBuilder['build']>['definition'] } {
  const [start, a, b, join, end] = ['start', 'a', 'b', 'join', 'end'].map(node) as [
    ReturnType<typeof node>,
    ReturnType<typeof node>,
    ReturnType<typeof node>,
    ReturnType<typeof node>,
    ReturnType<typeof node>,
  ];
  const workflow = new WorkflowBuilder({ name: 'core', start })
    .addEdge(start, a, { when: (n: unknown) => (n as number) > 0 })
    .addEdge(start, b)
    .addFanIn([a, b], join)
    .addEdge(join, end)
    .build();
  const definition = workflow.definition;
  return { definition, core: { routing: createRoutingTable(definition) } };
}

const empty: RunState = { superstep: 0, queue: [], executorStates: {}, shared: {}, fanIn: {}, pendingRequests: [], outputCount: 0 };

const slot = (executorId: string, fields: Partial<SlotWrites> = {}): SlotWrites => ({
  executorId,
  effects: [],
  stateChanged: false,
  state: undefined,
  patches: undefined,
  sharedOps: undefined,
  ...fields,
});
const sends = (source: string, ...payloads: unknown[]) => ({
  sends: payloads.map((payload) => ({ source, payload, to: undefined })),
  outputs: undefined,
  requests: undefined,
});

describe('commitSuperstep', () => {
  it('routes sends along every edge, evaluating `when` at commit', () => {
    const { core } = graph();
    const result = commitSuperstep(core, empty, [slot('start', { effects: [sends('start', 1, -1)] })], 1, false);
    expect(result.state.queue).toEqual([
      { source: 'start', target: 'a', payload: 1 },
      { source: 'start', target: 'b', payload: 1 },
      { source: 'start', target: 'b', payload: -1 },
    ]);
    // Graph order of each target (start 0, a 1, b 2), for grouping the next superstep without a lookup.
    expect(result.orders).toEqual([1, 2, 2]);
    expect(result.state.superstep).toBe(1);
    expect(result.dropped).toEqual([]);
  });

  it('collects effects by delivery index and slots in the order given, whatever order they finished in', () => {
    const { core } = graph();
    const effects = [
      { sends: undefined, outputs: ['first'], requests: undefined },
      undefined,
      { sends: undefined, outputs: ['third'], requests: undefined },
    ];
    const result = commitSuperstep(
      core,
      { ...empty, outputCount: 4 },
      [slot('a', { effects }), slot('b', { effects: [{ sends: undefined, outputs: ['b'], requests: undefined }] })],
      3,
      false,
    );
    expect(result.outputs).toEqual([
      { executorId: 'a', value: 'first' },
      { executorId: 'a', value: 'third' },
      { executorId: 'b', value: 'b' },
    ]);
    expect(result.state.outputCount).toBe(7);
  });

  it('buffers fan-in messages per source and releases a batch once every source has sent', () => {
    const { core } = graph();
    const first = commitSuperstep(core, empty, [slot('a', { effects: [sends('a', 'x')] })], 2, false);
    expect(first.state.queue).toEqual([]);
    expect(Object.values(first.state.fanIn)).toEqual([[['x'], []]]);
    const second = commitSuperstep(core, first.state, [slot('b', { effects: [sends('b', 'y', 'z')] })], 3, false);
    expect(second.state.queue).toEqual([{ source: 'a, b', target: 'join', payload: ['x', 'y'] }]);
    expect(Object.values(second.state.fanIn)).toEqual([[[], ['z']]]);
    expect(first.state.fanIn).not.toBe(second.state.fanIn); // the earlier boundary is untouched
  });

  it('reports a message no edge takes as dropped', () => {
    const { core } = graph();
    const result = commitSuperstep(core, empty, [slot('end', { effects: [sends('end', 'lost')] })], 5, false);
    expect(result.dropped).toEqual([{ source: 'end', payload: 'lost', reason: 'no-edge', to: undefined }]);
    expect(result.state.queue).toEqual([]);
  });

  it('applies shared writes in slot order: a later set wins, updates replay on the current value, patches too', () => {
    const { core } = graph();
    const slots = [
      slot('a', {
        sharedOps: [
          { key: 'n', set: true, value: 1 },
          { key: 'list', set: false, recipe: (d) => void (d as number[]).push(1) },
        ],
      }),
      slot('b', {
        sharedOps: [
          { key: 'n', set: true, value: 2 },
          { key: 'list', set: false, recipe: (d) => void (d as number[]).push(2) },
          { key: 'list', set: false, patches: [{ op: 'add', path: [2], value: 3 }] },
        ],
      }),
    ];
    const result = commitSuperstep(core, { ...empty, shared: { list: [] } }, slots, 1, true);
    expect(result.state.shared).toEqual({ n: 2, list: [1, 2, 3] });
    expect(Object.isFrozen(result.state.shared)).toBe(true);
    expect(result.patches).toEqual([
      { op: 'replace', path: ['shared', 'n'], value: 1 },
      { op: 'add', path: ['shared', 'list', 0], value: 1 },
      { op: 'replace', path: ['shared', 'n'], value: 2 },
      { op: 'add', path: ['shared', 'list', 1], value: 2 },
      { op: 'add', path: ['shared', 'list', 2], value: 3 },
    ]);
  });

  it('takes executor state only from slots that changed it, keeping the rest of the boundary shared', () => {
    const { core } = graph();
    const before: RunState = { ...empty, executorStates: { b: { kept: true } } };
    const patch = { op: 'replace' as const, path: ['executorStates', 'a', 'n'], value: 1 };
    const result = commitSuperstep(
      core,
      before,
      [slot('a', { stateChanged: true, state: { n: 1 }, patches: [patch] }), slot('b', { state: 'ignored' })],
      1,
      true,
    );
    expect(result.state.executorStates).toEqual({ a: { n: 1 }, b: { kept: true } });
    expect(result.patches).toEqual([patch]);
    const untouched = commitSuperstep(core, before, [slot('b')], 1, true);
    expect(untouched.state.executorStates).toBe(before.executorStates);
    expect(untouched.state.shared).toBe(before.shared);
  });

  it('adds new requests after the pending ones', () => {
    const { core } = graph();
    const old = { id: 'r1', executorId: 'a', path: ['a'], payload: 1, superstep: 1 } satisfies PendingRequest;
    const fresh = { id: 'r2', executorId: 'b', path: ['b'], payload: 2, superstep: 2 } satisfies PendingRequest;
    const result = commitSuperstep(
      core,
      { ...empty, pendingRequests: [old] },
      [slot('b', { effects: [{ sends: undefined, outputs: undefined, requests: [fresh] }] })],
      2,
      false,
    );
    expect(result.requests).toEqual([fresh]);
    expect(result.state.pendingRequests).toEqual([old, fresh]);
  });

  it('fails with a RoutingError naming the superstep when a predicate throws', () => {
    const s = node('s');
    const bad = new WorkflowBuilder({ name: 'bad', start: s })
      .addEdge(s, node('t'), {
        when: () => {
          throw new Error('boom');
        },
      })
      .build().definition;
    const core = { routing: createRoutingTable(bad) };
    expect(() => commitSuperstep(core, empty, [slot('s', { effects: [sends('s', 1)] })], 4, false, { runId: 'r' })).toThrow(
      expect.objectContaining({ code: 'routing_failed', superstep: 4, runId: 'r' }),
    );
  });
});

describe('groupDeliveries', () => {
  const byOrder = ['a', 'b', 'c', 'd'].map((id, order) => ({ id, order }));
  const nodes = { byId: new Map(byOrder.map((node) => [node.id, node])), byOrder };
  const to = (...targets: string[]): Delivery[] => targets.map((target, payload) => ({ source: 'x', target, payload }));
  const group = (queue: Delivery[], orders?: number[]) =>
    groupDeliveries(nodes, queue, orders).map((g) => [g.node.id, g.deliveries.map((d) => d.payload)]);
  // Each case with the targets looked up by id, and with their graph orders given as the commit gives them.
  const grouped = (queue: Delivery[]) => {
    const byId = group(queue);
    expect(
      group(
        queue,
        queue.map((d) => 'abcd'.indexOf(d.target)),
      ),
    ).toEqual(byId);
    return byId;
  };

  it('groups by target in graph order, keeping queue order within a group', () => {
    expect(grouped(to('c', 'a', 'c', 'b'))).toEqual([
      ['a', [1]],
      ['b', [3]],
      ['c', [0, 2]],
    ]);
  });

  it('keeps targets that come in graph order as they are, consecutive deliveries to one target in one group', () => {
    expect(grouped(to('a', 'b', 'b', 'd'))).toEqual([
      ['a', [0]],
      ['b', [1, 2]],
      ['d', [3]],
    ]);
  });

  it('finds a target seen before once the queue leaves graph order, and sorts what came after it', () => {
    expect(grouped(to('a', 'c', 'a', 'b', 'c', 'd', 'a'))).toEqual([
      ['a', [0, 2, 6]],
      ['b', [3]],
      ['c', [1, 4]],
      ['d', [5]],
    ]);
    expect(grouped([])).toEqual([]);
  });
});

describe('takeAnswers and unfinishedFanIns', () => {
  it('queues answers after the queue and removes them from the pending requests', () => {
    const request = { id: 'r', executorId: 'a', path: ['a'], payload: null, superstep: 1 } satisfies PendingRequest;
    const state: RunState = { ...empty, queue: [{ source: 'x', target: 'b', payload: 0 }], pendingRequests: [request] };
    const answer: Delivery = { source: '(response)', target: 'a', payload: 'yes', request };
    const next = takeAnswers(state, [answer]);
    expect(next.queue).toEqual([...state.queue, answer]);
    expect(next.pendingRequests).toEqual([]);
    expect(takeAnswers(state, [])).toBe(state);
  });

  it('lists what a completed run leaves in its fan-in buffers', () => {
    const { core, definition } = graph();
    const { state } = commitSuperstep(core, empty, [slot('b', { effects: [sends('b', 'y')] })], 1, false);
    expect(unfinishedFanIns(definition, state.fanIn)).toEqual([{ source: 'b', target: 'join', message: 'y' }]);
  });
});
