// See docs/concepts/state.md — state is plain JSON, changed by immer recipes, staged until the end of the superstep;
// anything a checkpoint could not restore is refused when it is written, naming the executor and the key.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ExecutorError, StateValidationError, WorkflowBuilder, executor, fromFunction, isWeftError, loadCheckpoint, type Durability } from 'weft';
import { caught, isPlainJson, loadAll, ofType, record, stateErrorOf, type StoreFactory } from '../helpers.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Every kind of value that is not plain JSON, with what the error should call it. */
const notJson: readonly { readonly kind: string; readonly make: () => unknown; readonly found: RegExp; readonly at?: string }[] = [
  { kind: 'a class instance', make: () => new Point(1, 2), found: /Point/ },
  { kind: 'a function', make: () => () => 42, found: /function/ },
  { kind: 'a Map', make: () => new Map([['a', 1]]), found: /Map/ },
  { kind: 'a Set', make: () => new Set([1]), found: /Set/ },
  { kind: 'a Date', make: () => new Date(0), found: /Date/ },
  {
    kind: 'a reference cycle',
    make: () => {
      const node: Record<string, unknown> = { name: 'loop' };
      node['self'] = node;
      return node;
    },
    found: /cycle/,
    at: '.self',
  },
  { kind: 'NaN', make: () => NaN, found: /NaN/ },
  { kind: 'Infinity', make: () => Infinity, found: /Infinity/ },
  { kind: '-Infinity', make: () => -Infinity, found: /-Infinity/ },
  { kind: 'a bigint', make: () => 10n, found: /bigint/ },
  { kind: 'a symbol', make: () => Symbol('s'), found: /symbol/ },
];

type Write = 'setState' | 'shared.set' | 'shared.update';

/**
 * `writer` writes good state in superstep 1, then `bad` through `write` in superstep 2 (after a good write
 * of its own and of its neighbour `other`, which must not be committed either).
 */
function badWriteWorkflow(write: Write, bad: () => unknown, seen: unknown[]) {
  const writer = executor({
    id: 'writer',
    input: z.number(),
    output: z.number(),
    initialState: { profile: { name: 'ada', tags: ['x'] as unknown[] } },
    handle: (n, ctx) => {
      if (n === 1) {
        ctx.setState((draft) => {
          draft.profile.name = 'ada lovelace';
        });
        ctx.shared.set('cart', { items: ['tea'], total: 3 });
        ctx.send(2);
        return;
      }
      ctx.setState((draft) => {
        draft.profile.name = 'changed in the failed superstep';
      });
      try {
        if (write === 'setState') {
          ctx.setState((draft) => {
            draft.profile.tags.push(bad());
          });
        } else if (write === 'shared.set') ctx.shared.set('cart', { items: ['tea', bad()], total: 3 });
        else {
          ctx.shared.update<{ items: unknown[]; total: unknown }>('cart', (draft) => {
            draft.total = bad();
          });
        }
      } catch (error) {
        seen.push(error);
        throw error;
      }
    },
  });
  const other = executor({
    id: 'other',
    input: z.number(),
    initialState: { touched: 0 },
    handle: (_n, ctx) => {
      ctx.setState((draft) => {
        draft.touched += 1;
      });
      ctx.shared.set('other', ctx.superstep);
    },
  });
  return new WorkflowBuilder({ name: 'bad-write', start: writer }).addFanOut(writer, [writer, other]).build();
}

const expectedKey: Record<Write, string> = {
  setState: 'state.profile.tags.1',
  'shared.set': 'shared.cart.items.1',
  'shared.update': 'shared.cart.total',
};

export function stateCases(makeStore: StoreFactory): void {
  describe('values that are not plain JSON are refused when written', () => {
    for (const write of ['setState', 'shared.set', 'shared.update'] as const) {
      describe(`through ctx.${write}`, () => {
        it.each(notJson)('$kind: StateValidationError naming the executor and the key path', async ({ make, found, at }) => {
          const seen: unknown[] = [];
          const workflow = badWriteWorkflow(write, make, seen);

          const error = await caught(() => workflow.run(1));

          // the write itself throws, inside the handler, at once
          expect(seen).toHaveLength(1);
          const thrown = seen[0];
          expect(thrown).toBeInstanceOf(StateValidationError);
          const key = expectedKey[write] + (at ?? '');
          expect(thrown).toMatchObject({ code: 'state_invalid', executorId: 'writer', key, superstep: 2 });
          expect((thrown as Error).message).toContain('"writer"');
          expect((thrown as Error).message).toContain(`"${key}"`);
          expect((thrown as Error).message).toMatch(found);
          // and the run fails with it, naming the executor
          expect(isWeftError(error)).toBe(true);
          expect(error).toMatchObject({ executorId: 'writer' });
          expect(stateErrorOf(error)).toBe(thrown);
        });
      });
    }

    it('the run fails without committing anything of the failed superstep: the last checkpoint is the last good superstep', async () => {
      for (const write of ['setState', 'shared.set', 'shared.update'] as const) {
        const store = makeStore();
        const workflow = badWriteWorkflow(write, () => new Date(0), []);
        const { events, error } = await record(workflow.stream(1, { checkpoints: store }));

        expect(stateErrorOf(error)?.key).toBe(expectedKey[write]);
        expect(ofType(events, 'run.failed')).toHaveLength(1);
        expect(ofType(events, 'superstep.completed').map((e) => e.superstep)).toEqual([1]);
        const runId = (events[0] as { runId: string }).runId;
        const checkpoints = await loadAll(store, runId);
        expect(checkpoints.map((c) => c.superstep)).toEqual([0, 1]);
        const last = checkpoints[1];
        // neither the bad write, nor the good writes staged beside it, nor `other`'s writes
        expect(last?.executorStates).toEqual({ writer: { profile: { name: 'ada lovelace', tags: ['x'] } } });
        expect(last?.shared).toEqual({ cart: { items: ['tea'], total: 3 } });
        expect(isPlainJson(last?.executorStates)).toBe(true);
      }
    });

    it('a refused write leaves the state as it was: a handler that catches the error goes on with the old value', async () => {
      const store = makeStore();
      const caughtErrors: unknown[] = [];
      const keeper = executor({
        id: 'keeper',
        input: z.string(),
        initialState: { items: ['a'] as unknown[] },
        handle: (_text, ctx) => {
          try {
            ctx.setState((draft) => {
              draft.items.push('b');
              draft.items.push(new Map());
            });
          } catch (error) {
            caughtErrors.push(error);
          }
          try {
            ctx.shared.set('when', new Date(0));
          } catch (error) {
            caughtErrors.push(error);
          }
          ctx.output({ items: ctx.state.items, when: ctx.shared.get('when') ?? null });
        },
      });
      const workflow = new WorkflowBuilder({ name: 'keeper', start: keeper }).build();

      const result = await workflow.run('go', { checkpoints: store });

      expect(caughtErrors.map((e) => (e as StateValidationError).key)).toEqual(['state.items.2', 'shared.when']);
      expect(result.outputs).toEqual([{ items: ['a'], when: null }]);
      const last = await loadCheckpoint(store, result.checkpointId as string);
      expect(last.executorStates).toEqual({});
      expect(last.shared).toEqual({});
    });

    it('a whole-state replacement that is not JSON is refused at the root key "state"', async () => {
      const bad = executor({ id: 'bad', input: z.string(), initialState: {} as unknown, handle: (_t, ctx) => ctx.setState(() => new Point(0, 0)) });
      const error = await caught(() => new WorkflowBuilder({ name: 'root', start: bad }).build().run('x'));
      expect(error).toBeInstanceOf(ExecutorError);
      expect(stateErrorOf(error)).toMatchObject({ executorId: 'bad', key: 'state' });
    });

    it('a non-JSON request payload is refused with the key "request.payload"', async () => {
      const asker = executor({
        id: 'asker',
        input: z.string(),
        handle: (_t, ctx) => {
          ctx.request({ when: new Date(0) });
        },
        onResponse: () => undefined,
      });
      const error = await caught(() => new WorkflowBuilder({ name: 'ask', start: asker }).build().run('x'));
      expect(stateErrorOf(error)).toMatchObject({ executorId: 'asker', key: 'request.payload.when' });
    });

    it('a non-JSON initialState never reaches a checkpoint: it is refused when the executor is made or when the run uses it', async () => {
      const store = makeStore();
      const error = await caught(async () => {
        const dated = executor({
          id: 'dated',
          input: z.string(),
          initialState: { since: new Date(0), count: 0 },
          handle: (_t, ctx) =>
            ctx.setState((draft) => {
              draft.count += 1;
            }),
        });
        await new WorkflowBuilder({ name: 'dated', start: dated }).build().run('x', { checkpoints: store });
      });
      // Today the Date is saved as an ISO string, and a resumed run would see a string where it had a Date.
      expect(String(error)).toMatch(/since/);
    });

    for (const durability of ['sync', 'async', 'exit'] as const satisfies readonly Durability[]) {
      it(`with durability '${durability}', a non-JSON message or output is refused, since the checkpoint holds queued messages and outputs`, async () => {
        const sender = executor({ id: 'sender', input: z.string(), output: z.unknown(), handle: (_t, ctx) => ctx.send({ at: new Date(0) }) });
        const sink = executor({ id: 'sink', input: z.unknown(), handle: (message, ctx) => ctx.output(message) });
        const sendWorkflow = new WorkflowBuilder({ name: 'send-date', start: sender }).addEdge(sender, sink).build();
        const outputter = executor({ id: 'outputter', input: z.string(), handle: (_t, ctx) => ctx.output({ at: new Date(0) }) });
        const outputWorkflow = new WorkflowBuilder({ name: 'output-date', start: outputter }).build();

        const sent = await caught(() => sendWorkflow.run('x', { checkpoints: makeStore(), durability }));
        expect(stateErrorOf(sent)).toMatchObject({ executorId: 'sender', key: 'message.at' });
        const output = await caught(() => outputWorkflow.run('x', { checkpoints: makeStore(), durability }));
        expect(stateErrorOf(output)).toMatchObject({ executorId: 'outputter', key: 'output.at' });
      });
    }
  });

  describe('plain JSON state', () => {
    it('accepts every JSON shape, and a checkpoint restores it exactly (unicode, nesting, null, empty containers)', async () => {
      const store = makeStore();
      const value = {
        text: 'Grüße 世界 🧵 "q" \\',
        n: 1.5e-7,
        big: Number.MAX_SAFE_INTEGER,
        no: false,
        nothing: null,
        list: [1, 'two', [3], { four: 4 }],
        empty: {},
        none: [] as unknown[],
      };
      const holder = executor({
        id: 'holder',
        input: z.string(),
        initialState: {} as Record<string, unknown>,
        handle: (_t, ctx) => {
          ctx.setState(() => value);
          ctx.shared.set('copy', value);
        },
      });
      const result = await new WorkflowBuilder({ name: 'shapes', start: holder }).build().run('x', { checkpoints: store });
      const last = await loadCheckpoint(store, result.checkpointId as string);
      expect(last.executorStates).toEqual({ holder: value });
      expect(last.shared).toEqual({ copy: value });
      expect(isPlainJson(last.executorStates) && isPlainJson(last.shared)).toBe(true);
    });

    it('is never revived into a class: strings that look like dates and objects that look like tagged values stay what they are', async () => {
      const store = makeStore();
      const seen: unknown[] = [];
      const lookalikes = { date: '2024-01-02T03:04:05.000Z', map: { $type: 'Map', entries: [['a', 1]] }, big: { __bigint: '10' } };
      const step = executor({
        id: 'step',
        input: z.number(),
        output: z.number(),
        initialState: null as typeof lookalikes | null,
        handle: (n, ctx) => {
          seen.push(ctx.state);
          if (n === 1) {
            ctx.setState(() => lookalikes);
            ctx.send(2);
          } else ctx.output('done');
        },
      });
      const workflow = new WorkflowBuilder({ name: 'lookalikes', start: step }).addEdge(step, step).build();
      const first = await workflow.run(1, { checkpoints: store });
      const checkpoints = await store.list(first.runId);
      seen.length = 0;

      await workflow.resume(checkpoints[1]?.id as string, { checkpoints: store });

      expect(seen).toEqual([lookalikes]);
      const restored = seen[0] as typeof lookalikes;
      expect(typeof restored.date).toBe('string');
      expect(Object.getPrototypeOf(restored.map)).toBe(Object.prototype);
      expect(isPlainJson(restored)).toBe(true);
    });

    it('writes are staged: a checkpoint holds the state committed at the end of its superstep, never a half-finished one', async () => {
      const store = makeStore();
      const reads: unknown[] = [];
      const start = fromFunction('start', (n: number) => n, { input: z.number(), output: z.number() });
      const a = executor({
        id: 'a',
        input: z.number(),
        handle: (n, ctx) => {
          ctx.shared.update<number>('n', (draft) => (draft ?? 0) + n);
        },
      });
      const b = executor({
        id: 'b',
        input: z.number(),
        handle: (_n, ctx) => {
          reads.push(ctx.shared.get('n'));
        },
      });
      const workflow = new WorkflowBuilder({ name: 'staged', start }).addFanOut(start, [a, b]).build();
      const result = await workflow.run(5, { checkpoints: store });
      const checkpoints = await loadAll(store, result.runId);
      expect(reads).toEqual([undefined]); // b ran beside a in superstep 2 and saw the committed value
      expect(checkpoints.map((c) => c.shared)).toEqual([{}, {}, { n: 5 }]);
    });
  });
}
