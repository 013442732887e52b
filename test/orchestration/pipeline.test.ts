// pipeline(): every item through the stages on its own, no barrier between items, results in input order.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BudgetExceededError,
  ExecutorError,
  MemoryCheckpointStore,
  RunCancelledError,
  WorkflowBuilder,
  WorkflowInputError,
  executor,
  isWeftError,
  pipeline,
  withApproval,
  type Stage,
  type StageContext,
  type StoredInvocation,
  type WorkflowEvent,
} from 'weft';
import { jsonPlacement } from 'weft/testing';
import { Gates, InFlight, caught, deferred, ofType, record, until } from '../support/async.js';

/** A memory store that keeps a copy of every invocation record saved, even after it is dropped. */
class WatchedStore extends MemoryCheckpointStore {
  readonly saved: StoredInvocation[] = [];
  override async saveInvocation(stored: StoredInvocation): Promise<void> {
    this.saved.push(stored);
    await super.saveInvocation(stored);
  }
}

const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

describe('pipeline', () => {
  it('sends an empty array for no items, calling no stage', async () => {
    let calls = 0;
    const result = await pipeline([(n: number) => (calls++, n)])
      .toWorkflow()
      .run([]);
    expect(result.outputs).toEqual([[]]);
    expect(calls).toBe(0);
  });

  it('takes one item through every stage', async () => {
    const result = await pipeline([(text: string) => text.trim(), (text: string) => text.length, (n: number) => n * 2])
      .toWorkflow()
      .run(['  four ']);
    expect(result.outputs).toEqual([[8]]);
  });

  it('sends the results of many items in input order, whatever order they finish in', async () => {
    const gates = new Gates();
    const run = pipeline([
      async (id: string) => {
        await gates.wait(id);
        return id.toUpperCase();
      },
    ])
      .toWorkflow()
      .start(['a', 'b', 'c']);
    gates.open('c');
    gates.open('b');
    gates.open('a');
    expect((await run.result).outputs).toEqual([['A', 'B', 'C']]);
  });

  it('lets a fast item complete every stage while a slow item is still in an earlier stage', async () => {
    const gates = new Gates();
    const log: string[] = [];
    const fetch = async (item: string) => {
      log.push(`fetch ${item} started`);
      if (item === 'slow') await gates.wait('slow-fetch');
      log.push(`fetch ${item} done`);
      return item;
    };
    const summarize = (item: string) => {
      log.push(`summarize ${item}`);
      return `${item}!`;
    };
    const publish = (item: string) => {
      log.push(`publish ${item}`);
      return item.length;
    };
    const node = pipeline([fetch, summarize, publish], { id: 'enrich' });
    const run = new WorkflowBuilder({ name: 'host', start: node }).addEdge(node, sink).build().start(['slow', 'fast']);
    const finished: number[] = [];
    run.events$.subscribe((event) => {
      if (event.type === 'custom' && event.name === 'pipeline.item') finished.push((event.data as { index: number }).index);
    });

    await until(() => finished.includes(1));
    // The fast item (index 1) went through all three stages; the slow one has not left its first stage.
    expect(log).toEqual(['fetch slow started', 'fetch fast started', 'fetch fast done', 'summarize fast', 'publish fast!']);
    expect(finished).toEqual([1]);

    gates.open('slow-fetch');
    const result = await run.result;
    expect(result.outputs).toEqual([[5, 5]]);
    expect(finished).toEqual([1, 0]);
  });

  it('caps items in flight at `concurrency`, starting the next item as soon as any one finishes', async () => {
    const gates = new Gates();
    const inFlight = new InFlight();
    const started: string[] = [];
    const run = pipeline(
      [
        async (id: string) => {
          started.push(id);
          inFlight.enter();
          await gates.wait(id);
          inFlight.leave();
          return id;
        },
      ],
      { concurrency: 2 },
    )
      .toWorkflow()
      .start(['a', 'b', 'c', 'd']);
    await until(() => started.length === 2);
    gates.open('b'); // a is still running: c starts anyway
    await until(() => started.length === 3);
    expect(started).toEqual(['a', 'b', 'c']);
    gates.open('a');
    gates.open('c');
    gates.open('d');
    expect((await run.result).outputs).toEqual([['a', 'b', 'c', 'd']]);
    expect(inFlight.max).toBe(2);
  });

  it('stops an item whose stage returns undefined: later stages skip it and it is left out of the results', async () => {
    const seen: number[] = [];
    const node = pipeline([(n: number) => (n % 2 === 0 ? n : undefined), (n: number) => (seen.push(n), n * 10)]);
    const { events } = await record(node.toWorkflow().stream([1, 2, 3, 4]));
    expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual([[20, 40]]);
    expect(seen).toEqual([2, 4]);
    const items = ofType(events, 'custom')
      .filter((e) => e.name === 'pipeline.item')
      .map((e) => e.data as { index: number; status: string; stage?: string });
    expect(items.find((i) => i.index === 0)).toMatchObject({ status: 'stopped', stage: 'stage-1' });
    expect(items.find((i) => i.index === 1)).toMatchObject({ status: 'completed' });
  });

  it('fails when a stage throws, aborting the items still in flight', async () => {
    const gates = new Gates();
    let otherSignal: AbortSignal | undefined;
    const node = pipeline(
      [
        async (id: string, ctx: StageContext) => {
          if (id === 'bad') {
            await gates.wait('bad');
            throw new Error('stage broke');
          }
          otherSignal = ctx.signal;
          return new Promise<string>(() => undefined); // ignores its signal: not waited for
        },
      ],
      { id: 'enrich' },
    );
    const run = node.toWorkflow().start(['bad', 'good']);
    await until(() => otherSignal !== undefined);
    gates.open('bad');
    const error = await caught(() => run.result);
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as Error).message).toContain('stage broke');
    expect(otherSignal?.aborted).toBe(true);
  });

  it('stops midway when the run is cancelled: stages see their signal abort and no further stage starts', async () => {
    const signals: AbortSignal[] = [];
    let second = 0;
    const run = pipeline([
      (_n: number, ctx: StageContext) => {
        signals.push(ctx.signal);
        return new Promise<number>(() => undefined);
      },
      (n: number) => (second++, n),
    ])
      .toWorkflow()
      .start([1, 2, 3]);
    await until(() => signals.length === 3);
    run.cancel();
    expect(await caught(() => run.result)).toBeInstanceOf(RunCancelledError);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(second).toBe(0);
  });

  it('validates that it receives an array', async () => {
    const node = pipeline([(n: number) => n]);
    expect(await caught(() => node.toWorkflow().run(5 as never))).toBeInstanceOf(WorkflowInputError);
  });

  it('fails when a stage charges a spent budget', async () => {
    const node = pipeline(
      [
        (n: number, ctx: StageContext) => {
          ctx.budget.charge({ tokens: 10 });
          return n;
        },
      ],
      { concurrency: 1 },
    );
    const error = await caught(() => node.toWorkflow().run([1, 2, 3], { budget: { tokens: 15 } }));
    expect(isWeftError(error) && error.code).toBe('executor_failed');
    expect((error as Error).cause).toBeInstanceOf(BudgetExceededError);
  });

  it('resumes from a checkpoint: before it ran, it runs again to the same result; after, its result is kept', async () => {
    const store = new MemoryCheckpointStore();
    let calls = 0;
    const make = () => {
      const node = pipeline([(n: number) => (calls++, n + 1)], { id: 'plus' });
      return new WorkflowBuilder({ name: 'host', start: node }).addEdge(node, sink).build();
    };
    const first = await make().run([1, 2], { checkpoints: store, runId: 'p' });
    expect(first.outputs).toEqual([[2, 3]]);
    expect(calls).toBe(2);
    const checkpoints = await store.list('p');
    const before = checkpoints.find((c) => c.superstep === 0);
    const after = checkpoints.at(-1);
    expect((await make().resume(before?.id as string, { checkpoints: store })).outputs).toEqual([[2, 3]]);
    expect(calls).toBe(4);
    expect((await make().resume(after?.id as string, { checkpoints: store })).outputs).toEqual([[2, 3]]);
    expect(calls).toBe(4);
  });

  it('marks each stage of each item as a phase and counts finished items', async () => {
    const { events } = await record(
      pipeline([
        function parse(text: string) {
          return Number(text);
        },
        function double(n: number) {
          return n * 2;
        },
      ])
        .toWorkflow()
        .stream(['1', '2']),
    );
    expect(
      ofType(events, 'phase.started')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['double[0]', 'double[1]', 'parse[0]', 'parse[1]']);
    const items = ofType(events, 'custom')
      .filter((e) => e.name === 'pipeline.item')
      .map((e) => e.data as { done: number; total: number });
    expect(items.map((i) => `${i.done}/${i.total}`)).toEqual(['1/2', '2/2']);
  });

  it('keeps finished items across an interrupted run: resumed in the middle, only the unfinished item runs again', async () => {
    const store = new WatchedStore();
    const ran: string[] = [];
    const stuck = deferred();
    const make = (first: Stage<number, number>) => pipeline([first, (n: number) => n * 10], { id: 'items' }).toWorkflow();
    const controller = new AbortController();
    const running = make(async (n, ctx) => {
      ran.push(`${n} ${ctx.invocationId}`);
      if (n === 3) await stuck.promise; // never finishes in this run
      return n;
    }).run([1, 2, 3, 4], { runId: 'p', checkpoints: store, signal: controller.signal });
    const items = () => store.saved.filter((r) => r.invocationId.includes(':item:'));
    await until(() => items().length === 3);
    controller.abort(); // the process "dies" with items 1, 2 and 4 recorded
    expect((await caught(() => running)) as Error).toMatchObject({ code: 'run_cancelled' });
    expect(
      items()
        .map((r) => r.invocationId)
        .sort(),
    ).toEqual([0, 1, 3].map((i) => `p/1:items:0/2:item:${i}`));

    const first = ran.slice();
    ran.length = 0;
    const events: WorkflowEvent[] = [];
    const latest = await store.latest('p');
    const result = await make((n, ctx) => (ran.push(`${n} ${ctx.invocationId}`), n)).resume(latest?.id as string, {
      checkpoints: store,
      onEvent: (event) => events.push(event),
    });
    expect(ran).toEqual([`3 p/1:items:0/2:item:2`]);
    expect(first).toContain(ran[0]); // the same invocation id in both runs: an idempotency key
    expect(result.outputs).toEqual((await make((n) => n).run([1, 2, 3, 4])).outputs);
    expect(result.outputs).toEqual([[10, 20, 30, 40]]);
    // Recorded items are not reported again; `done` counts the items finished in this process.
    const reported = ofType(events, 'custom').filter((e) => e.name === 'pipeline.item');
    expect(reported.map((e) => e.data)).toEqual([{ index: 2, status: 'completed', done: 1, total: 4 }]);
    expect(await store.listInvocations('p', 1)).toEqual([]);
  });

  it('runs each item as an invocation of its own step, so the run-wide maxConcurrency caps items too', async () => {
    const gates = new Gates();
    const inFlight = new InFlight();
    const started: string[] = [];
    const run = pipeline([
      async (id: string) => {
        started.push(id);
        inFlight.enter();
        await gates.wait(id);
        inFlight.leave();
        return id;
      },
    ])
      .toWorkflow()
      .start(['a', 'b', 'c'], { maxConcurrency: 2 });
    await until(() => started.length === 2);
    gates.open('a');
    await until(() => started.length === 3);
    gates.open('b');
    gates.open('c');
    expect((await run.result).outputs).toEqual([['a', 'b', 'c']]);
    expect(inFlight.max).toBe(2);
  });

  it('emits its phases and events from the item step, under the pipeline in the path', async () => {
    const { events } = await record(
      pipeline([(n: number, ctx: StageContext) => (ctx.emit('seen', n), n)], { id: 'crawl' })
        .toWorkflow()
        .stream([7]),
    );
    const custom = ofType(events, 'custom').map((e) => [e.name, e.executorId, e.path]);
    expect(custom).toEqual([
      ['seen', 'item', ['crawl', 'item']],
      ['pipeline.item', 'item', ['crawl', 'item']],
    ]);
  });

  it('runs its items through a placement like any other invocation, with the same results', async () => {
    const workflow = pipeline([(n: number) => (n > 1 ? n * 2 : undefined), async (n: number) => `${n}`], {
      id: 'placed',
      concurrency: 2,
    }).toWorkflow();
    const placement = jsonPlacement(workflow);
    const here = await workflow.run([1, 2, 3]);
    const placed = await workflow.run([1, 2, 3], { placement });
    expect(placed.outputs).toEqual(here.outputs);
    expect(placed.outputs).toEqual([['4', '6']]);
    expect(placement.invocations.map((i) => i.executorId).sort()).toEqual(['dispatch', 'item', 'item', 'item']);
  });

  it('goes on working wrapped by withApproval: approved, the items run', async () => {
    const node = withApproval(pipeline([(n: number) => n * 2], { id: 'double' }), { describe: (items) => `Double ${items.length} numbers?` });
    const workflow = new WorkflowBuilder({ name: 'approved', start: node }).addEdge(node, sink).build();
    const run = workflow.start([1, 2, 3]);
    await until(() => run.pendingRequests.length === 1);
    await run.respond((run.pendingRequests[0] as { id: string }).id, { approved: true });
    expect((await run.result).outputs).toEqual([[2, 4, 6]]);
  });
});
