// See docs/concepts/supersteps.md — deterministic delivery order, one-at-a-time handlers, concurrency and maxConcurrency.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor, type Executor } from 'weft';
import { Gates, InFlight, caught, settled, tick, until } from './helpers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

describe('delivery order', () => {
  it('delivers by source in graph order, then send order, whatever order the sources finish in', async () => {
    const gates = new Gates();
    const received: string[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    // Graph order is the order executors were added (not alphabetical): zeta, alpha, mid.
    const source = (id: string) =>
      executor({
        id,
        input: z.string(),
        output: z.string(),
        handle: async (_, ctx) => {
          ctx.send(`${id}-1`);
          await gates.wait(id);
          ctx.send(`${id}-2`);
        },
      });
    const [zeta, alpha, mid] = [source('zeta'), source('alpha'), source('mid')];
    const target = executor({
      id: 'target',
      input: z.string(),
      handle: (m) => {
        received.push(m);
      },
    });
    // The fan-out lists them in yet another order, so neither the queue nor the ids give graph order.
    const workflow = new WorkflowBuilder({ name: 'order', start })
      .addExecutor(zeta)
      .addExecutor(alpha)
      .addExecutor(mid)
      .addFanOut(start, [mid, zeta, alpha])
      .addEdge(zeta, target)
      .addEdge(alpha, target)
      .addEdge(mid, target)
      .build();

    const run = workflow.run('go');
    await settle();
    // Finish in reverse graph order.
    gates.open('mid');
    await settle();
    gates.open('alpha');
    await settle();
    gates.open('zeta');
    await run;

    expect(received).toEqual(['zeta-1', 'zeta-2', 'alpha-1', 'alpha-2', 'mid-1', 'mid-2']);
  });

  it('orders the sends of a concurrent executor by delivery, not by completion', async () => {
    const gates = new Gates();
    const received: string[] = [];
    const start = executor({
      id: 'start',
      input: z.array(z.string()),
      output: z.string(),
      handle: (items, ctx) => {
        for (const item of items) ctx.send(item);
      },
    });
    const worker = executor({
      id: 'worker',
      input: z.string(),
      output: z.string(),
      concurrency: 3,
      handle: async (m, ctx) => {
        await gates.wait(m);
        ctx.send(m.toUpperCase());
        ctx.output(m);
      },
    });
    const sink = executor({
      id: 'sink',
      input: z.string(),
      handle: (m) => {
        received.push(m);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'concurrent-order', start }).addChain([start, worker, sink]).build();

    const run = workflow.run(['a', 'b', 'c']);
    await settle();
    gates.open('c');
    await settle();
    gates.open('b');
    await settle();
    gates.open('a');
    const result = await run;

    expect(received).toEqual(['A', 'B', 'C']);
    expect(result.outputs).toEqual(['a', 'b', 'c']);
  });

  it('lists outputs in superstep order, then graph order, then call order', async () => {
    const gates = new Gates();
    const start = executor({
      id: 'start',
      input: z.string(),
      output: z.string(),
      handle: (m, ctx) => {
        ctx.output('start');
        ctx.send(m);
      },
    });
    const emitter = (id: string) =>
      executor({
        id,
        input: z.string(),
        handle: async (_, ctx) => {
          await gates.wait(id);
          ctx.output(`${id}-1`);
          ctx.output(`${id}-2`);
        },
      });
    const [b, a] = [emitter('b'), emitter('a')];
    // Graph order: start, a, b (the fan-out lists b first; b finishes first).
    const workflow = new WorkflowBuilder({ name: 'outputs', start }).addExecutor(a).addFanOut(start, [b, a]).build();

    const run = workflow.run('go');
    await settle();
    gates.open('b');
    await settle();
    gates.open('a');
    const result = await run;

    expect(result.outputs).toEqual(['start', 'a-1', 'a-2', 'b-1', 'b-2']);
  });
});

/** A start that sends each item of its input array, and a gated worker that records when it runs. */
function gatedWorker(options: { concurrency?: number; maxConcurrency?: number } = {}) {
  const gates = new Gates();
  const inFlight = new InFlight();
  const started: string[] = [];
  const start = executor({
    id: 'start',
    input: z.array(z.string()),
    output: z.string(),
    handle: (items, ctx) => {
      for (const item of items) ctx.send(item);
    },
  });
  const worker = executor({
    id: 'worker',
    input: z.string(),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    handle: async (m, ctx) => {
      inFlight.enter();
      started.push(m);
      await gates.wait(m);
      inFlight.leave();
      ctx.output(m);
    },
  });
  const workflow = new WorkflowBuilder({
    name: 'gated',
    start,
    ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
  })
    .addEdge(start, worker)
    .build();
  return { workflow, gates, inFlight, started };
}

describe('one executor, many messages', () => {
  it('handles its messages one at a time, in delivery order, by default', async () => {
    const { workflow, gates, inFlight, started } = gatedWorker();

    const run = workflow.run(['m1', 'm2', 'm3']);
    await until(() => started.length === 1);
    await settle();
    expect(started).toEqual(['m1']);

    gates.open('m1');
    await until(() => started.length === 2);
    await settle();
    expect(started).toEqual(['m1', 'm2']);

    gates.open('m2');
    gates.open('m3');
    const result = await run;
    expect(started).toEqual(['m1', 'm2', 'm3']);
    expect(inFlight.max).toBe(1);
    expect(result.outputs).toEqual(['m1', 'm2', 'm3']);
  });

  it('handles up to `concurrency` messages at once, and starts the next as one finishes', async () => {
    const { workflow, gates, inFlight, started } = gatedWorker({ concurrency: 3 });

    const run = workflow.run(['m1', 'm2', 'm3', 'm4', 'm5']);
    await until(() => started.length === 3);
    await settle();
    expect(started).toEqual(['m1', 'm2', 'm3']);
    expect(inFlight.current).toBe(3);

    gates.open('m2');
    await until(() => started.length === 4);
    await settle();
    expect(started).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(inFlight.current).toBe(3);

    for (const m of ['m1', 'm3', 'm4', 'm5']) gates.open(m);
    const result = await run;
    expect(inFlight.max).toBe(3);
    expect(result.outputs).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('caps a concurrent executor by the workflow maxConcurrency', async () => {
    const { workflow, gates, inFlight, started } = gatedWorker({ concurrency: 5, maxConcurrency: 2 });

    const run = workflow.run(['m1', 'm2', 'm3', 'm4']);
    await until(() => started.length === 2);
    await settle();
    expect(inFlight.current).toBe(2);

    for (const m of ['m1', 'm2', 'm3', 'm4']) gates.open(m);
    await run;
    expect(inFlight.max).toBe(2);
    expect(started).toHaveLength(4);
  });
});

/** A start fanning out to `count` gated executors. */
function gatedFanOut(count: number, maxConcurrency?: number) {
  const gates = new Gates();
  const inFlight = new InFlight();
  const started: string[] = [];
  const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
  const branches: Executor<string>[] = Array.from({ length: count }, (_, index) =>
    executor({
      id: `b${index}`,
      input: z.string(),
      handle: async () => {
        inFlight.enter();
        started.push(`b${index}`);
        await gates.wait(`b${index}`);
        inFlight.leave();
      },
    }),
  );
  const workflow = new WorkflowBuilder({ name: 'fan', start, ...(maxConcurrency === undefined ? {} : { maxConcurrency }) })
    .addFanOut(start, branches)
    .build();
  const openAll = (): void => {
    for (let index = 0; index < count; index++) gates.open(`b${index}`);
  };
  return { workflow, gates, inFlight, started, openAll };
}

describe('different executors', () => {
  it('run concurrently when nothing caps them', async () => {
    const { workflow, inFlight, openAll } = gatedFanOut(4);

    const run = workflow.run('go');
    await until(() => inFlight.current === 4);
    openAll();
    await run;
    expect(inFlight.max).toBe(4);
  });

  it('are capped by the builder maxConcurrency, across executors', async () => {
    const { workflow, gates, inFlight, started, openAll } = gatedFanOut(4, 2);

    const run = workflow.run('go');
    await until(() => started.length === 2);
    await settle();
    expect(started).toEqual(['b0', 'b1']);

    gates.open('b1');
    await until(() => started.length === 3);
    await settle();
    expect(inFlight.current).toBe(2);

    openAll();
    await run;
    expect(inFlight.max).toBe(2);
    expect(started).toHaveLength(4);
  });

  it('are capped by the maxConcurrency run option, which overrides the workflow', async () => {
    const unbounded = gatedFanOut(4);
    const run = unbounded.workflow.run('go', { maxConcurrency: 1 });
    await until(() => unbounded.started.length === 1);
    await settle();
    expect(unbounded.started).toEqual(['b0']);
    unbounded.openAll();
    await run;
    expect(unbounded.inFlight.max).toBe(1);

    const capped = gatedFanOut(4, 1);
    const raised = capped.workflow.run('go', { maxConcurrency: 3 });
    await until(() => capped.inFlight.current === 3);
    await settle();
    expect(capped.started).toHaveLength(3);
    capped.openAll();
    await raised;
    expect(capped.inFlight.max).toBe(3);
  });

  // BUG (src/runtime/run.ts, RunEngine constructor): the maxConcurrency run option is not validated like the builder
  // option (integer ≥ 1 or Infinity); maxConcurrency: 0 makes a Semaphore with no slot, so the run hangs forever.
  it('refuses a maxConcurrency run option of 0 instead of hanging', async () => {
    const { workflow, started } = gatedFanOut(2);
    const controller = new AbortController();

    const run = settled(Promise.resolve().then(() => workflow.run('go', { maxConcurrency: 0, signal: controller.signal })));
    await until(() => run.done, 50).catch(() => undefined);
    const done = run.done;
    controller.abort(); // ends a hung run so it does not outlive the test

    expect(done).toBe(true);
    const error = await caught(() => run.promise);
    expect(String(error)).toContain('maxConcurrency');
    expect(started).toEqual([]);
  });
});
