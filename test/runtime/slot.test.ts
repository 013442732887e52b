// An executor's slot: its deliveries (the first held without an array) and the effects its invocations file by
// delivery index (delivery 0's alone without an array), as the commit reads them.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { createRoutingTable, type Delivery } from '../../src/routing/router.js';
import { compileDefinition, type ExecutorNode } from '../../src/runtime/compiled.js';
import type { RunState } from '../../src/runtime/run-state.js';
import { ExecutorSlot } from '../../src/runtime/slot.js';
import { commitSuperstep, type InvocationEffects } from '../../src/runtime/superstep.js';

const worker = executor({ id: 'w', input: z.number(), output: z.number(), handle: (n, ctx) => ctx.send(n) });
const sink = executor({ id: 'sink', input: z.number(), handle: () => undefined });
const workflow = new WorkflowBuilder({ name: 'slot', start: worker }).addEdge(worker, sink).build();
const compiled = compileDefinition(workflow.definition);
const node = compiled.nodes.get('w') as ExecutorNode;
const to = (payload: number): Delivery => ({ source: '(input)', target: 'w', payload });
const empty: RunState = { superstep: 0, queue: [], executorStates: {}, shared: {}, fanIn: {}, pendingRequests: [], outputCount: 0 };
const effects = (...outputs: unknown[]): InvocationEffects => ({ sends: undefined, outputs, requests: undefined });
const committedOutputs = (slot: ExecutorSlot): unknown[] =>
  commitSuperstep({ routing: createRoutingTable(workflow.definition) }, empty, [slot], 1, false).outputs.map((o) => o.value);

describe('ExecutorSlot', () => {
  it('keeps its deliveries in queue order, the first without an array, and replaces one by index', () => {
    const slot = ExecutorSlot.forGroup(node, to(1));
    expect(slot.size).toBe(1);
    expect(slot.delivery(0).payload).toBe(1);
    slot.add(to(2));
    slot.add(to(3));
    slot.replace(0, to(10));
    slot.replace(2, to(30));
    expect(slot.size).toBe(3);
    expect([0, 1, 2].map((i) => slot.delivery(i).payload)).toEqual([10, 2, 30]);
    const none = new ExecutorSlot(node, undefined);
    expect(none.size).toBe(0);
    none.add(to(5));
    expect([none.size, none.delivery(0).payload]).toEqual([1, 5]);
  });

  it('commits effects by delivery index whatever order they were filed in', () => {
    const alone = ExecutorSlot.forGroup(node, to(1));
    alone.fileEffects(0, effects('a'));
    expect(Array.isArray(alone.effects)).toBe(false);
    expect(committedOutputs(alone)).toEqual(['a']);

    const late = ExecutorSlot.forGroup(node, to(1));
    late.fileEffects(2, effects('c'));
    late.fileEffects(0, effects('a1', 'a2'));
    expect(committedOutputs(late)).toEqual(['a1', 'a2', 'c']);

    const grown = ExecutorSlot.forGroup(node, to(1));
    grown.fileEffects(0, effects('a'));
    grown.fileEffects(1, effects('b'));
    expect(committedOutputs(grown)).toEqual(['a', 'b']);
  });

  it('routes a lone send and a list of sends alike, in send order', () => {
    const slot = ExecutorSlot.forGroup(node, to(1));
    slot.fileEffects(0, { sends: { source: 'w', payload: 1, to: undefined }, outputs: undefined, requests: undefined });
    slot.fileEffects(1, {
      sends: [
        { source: 'w', payload: 2, to: undefined },
        { source: 'w', payload: 3, to: undefined },
      ],
      outputs: undefined,
      requests: undefined,
    });
    const { state } = commitSuperstep({ routing: createRoutingTable(workflow.definition) }, empty, [slot], 1, false);
    expect(state.queue.map((d) => [d.target, d.payload])).toEqual([
      ['sink', 1],
      ['sink', 2],
      ['sink', 3],
    ]);
  });
});
