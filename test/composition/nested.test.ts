// See docs/concepts/composition.md — a workflow nested as one node: live events with a path, outputs along the parent's edges,
// failures and cancellation crossing the boundary, one concurrency cap for the whole tree.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  RunCancelledError,
  WorkflowBuilder,
  executor,
  fromFunction,
  fromWorkflow,
  isWeftError,
  MessageValidationError,
  type Executor,
} from 'weft';
import { aborted, caught, deferred, InFlight, ofType, record, sink, tag, tick, trace } from './helpers.js';

/** review: summarize → polish, outputting the polished text. */
function reviewWorkflow() {
  const summarize = tag('summarize');
  const polish = executor({ id: 'polish', input: z.string(), handle: (text, ctx) => ctx.output(`${text}>polish`) });
  return new WorkflowBuilder({ name: 'review-flow', start: summarize, output: z.string() }).addEdge(summarize, polish).build();
}

/** intake → review (nested) → report. */
function parentWorkflow(review = reviewWorkflow().asExecutor({ id: 'review' })) {
  const intake = tag('intake');
  const report = sink('report', z.string());
  return new WorkflowBuilder({ name: 'parent', start: intake }).addEdge(intake, review).addEdge(review, report).build();
}

describe('nested workflows: results', () => {
  it('runs the child as one node and sends its outputs along the parent edges', async () => {
    const result = await parentWorkflow().run('doc');
    expect(result.outputs).toEqual(['doc>intake>summarize>polish']);
    expect(result.supersteps).toBe(3); // intake, review, report: the child's supersteps are not the parent's
  });

  it('is one executor of kind "workflow" carrying the child definition, typed by its input schema', () => {
    const child = reviewWorkflow();
    const node = child.asExecutor({ id: 'review' });
    expect(node.kind).toBe('workflow');
    expect(node.workflow).toBe(child.definition);
    expect(
      parentWorkflow(node)
        .describe()
        .executors.map((e) => [e.id, e.kind]),
    ).toEqual([
      ['intake', 'function'],
      ['review', 'workflow'],
      ['report', 'executor'],
    ]);
  });

  it('fromWorkflow(workflow, { id }) is the same as workflow.asExecutor({ id })', async () => {
    const child = reviewWorkflow();
    const node = fromWorkflow(child, { id: 'review' });
    expect(node.id).toBe('review');
    expect(node.kind).toBe('workflow');
    expect((await parentWorkflow(node).run('x')).outputs).toEqual(['x>intake>summarize>polish']);
  });

  it("outputs: 'output' makes the child's outputs outputs of the parent run instead", async () => {
    const intake = tag('intake');
    const review = reviewWorkflow().asExecutor({ id: 'review', outputs: 'output' });
    const parent = new WorkflowBuilder({ name: 'parent', start: intake }).addEdge(intake, review).build();
    const { events } = await record(parent.stream('doc'));
    expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual(['doc>intake>summarize>polish']);
    // the parent's own output event comes from the nested node, after the child's
    const outputs = ofType(events, 'output').map((e) => [e.executorId, e.path]);
    expect(outputs).toEqual([
      ['polish', ['review', 'polish']],
      ['review', ['review']],
    ]);
    expect(ofType(events, 'message.dropped')).toEqual([]);
  });

  it("outputs: 'collect' sends the child's outputs as one array per run, in order ([] when it output nothing)", async () => {
    const split = executor({
      id: 'split',
      input: z.string(),
      handle: (text, ctx) => {
        for (const word of text.split(' ').filter((w) => w !== '')) ctx.output(word.toUpperCase());
      },
    });
    const words = new WorkflowBuilder({ name: 'words', start: split, output: z.string() }).build();
    const node = words.asExecutor({ id: 'words', outputs: 'collect' });
    expectTypeOf(node).toEqualTypeOf<Executor<string, string[], unknown>>();
    const intake = tag('intake');
    const parent = new WorkflowBuilder({ name: 'parent', start: intake })
      .addEdge(intake, node)
      .addEdge(node, sink('report', z.array(z.string())))
      .build();
    expect((await parent.run('a b')).outputs).toEqual([['A', 'B>INTAKE']]);
    const silent = new WorkflowBuilder({ name: 'silent', start: node }).addEdge(node, sink('report', z.array(z.string()))).build();
    expect((await silent.run(' ')).outputs).toEqual([[]]);
    expect(() => words.asExecutor({ id: 'words', outputs: 'all' as never })).toThrow(/outputs must be 'send', 'output' or 'collect'/);
  });

  it('runs the child once per message, each run isolated (state does not leak between them)', async () => {
    const counter = executor({
      id: 'counter',
      input: z.string(),
      initialState: { seen: 0 },
      handle: (text, ctx) => {
        ctx.setState((draft) => {
          draft.seen++;
        });
        ctx.output(`${text}#${ctx.state.seen}`);
      },
    });
    const child = new WorkflowBuilder({ name: 'count', start: counter, output: z.string() }).build();
    const split = executor({
      id: 'split',
      input: z.array(z.string()),
      output: z.string(),
      handle: (items, ctx) => items.forEach((item) => ctx.send(item)),
    });
    const node = child.asExecutor({ id: 'count' });
    const parent = new WorkflowBuilder({ name: 'parent', start: split }).addEdge(split, node).addEdge(node, sink('out', z.string())).build();
    expect((await parent.run(['a', 'b', 'c'])).outputs).toEqual(['a#1', 'b#1', 'c#1']);
  });

  it("validates the message against the child's start schema at delivery", async () => {
    const intake = fromFunction('intake', (n: number) => n);
    const strict = new WorkflowBuilder({ name: 'strict', start: sink('only', z.string()) }).build();
    // the types already reject this edge; the runtime check is the backstop for graphs built from ids
    const parent = new WorkflowBuilder({ name: 'parent', start: intake }).addEdge(intake, strict.asExecutor({ id: 'strict' }) as never).build();
    const error = await caught(() => parent.run(1));
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error).toMatchObject({ sourceId: 'intake', targetId: 'strict' });
  });

  it('nests two levels deep, with the path growing at every level', async () => {
    const paths: (readonly string[])[] = [];
    const leaf = executor({
      id: 'leaf',
      input: z.string(),
      handle: (text, ctx) => {
        paths.push(ctx.path);
        ctx.output(`${text}>leaf`);
      },
    });
    const inner = new WorkflowBuilder({ name: 'inner', start: leaf }).build();
    // without a node after it, the inner workflow's results must become middle's outputs to go anywhere
    const middle = new WorkflowBuilder({ name: 'middle', start: inner.asExecutor({ id: 'inner', outputs: 'output' }) }).build();
    const outer = new WorkflowBuilder({ name: 'outer', start: middle.asExecutor({ id: 'middle' }) })
      .addEdge('middle', sink('out', z.string()))
      .build();

    const { events, error } = await record(outer.stream('x'));
    expect(error).toBeUndefined();
    expect(ofType(events, 'run.completed').at(-1)?.outputs).toEqual(['x>leaf']);
    expect(paths).toEqual([['middle', 'inner', 'leaf']]);
    expect(ofType(events, 'executor.invoked').map((e) => e.path)).toEqual([['middle'], ['middle', 'inner'], ['middle', 'inner', 'leaf'], ['out']]);
  });
});

describe('nested workflows: events', () => {
  it("forwards the child's events live, between the node's executor.invoked and executor.completed", async () => {
    const { events, error } = await record(parentWorkflow().stream('doc'));
    expect(error).toBeUndefined();
    const lines = trace(events);
    const invoked = lines.indexOf('executor.invoked review review');
    const completed = lines.indexOf('executor.completed review review');
    expect(invoked).toBeGreaterThan(-1);
    expect(lines.slice(invoked, completed + 1)).toEqual([
      'executor.invoked review review',
      'run.started review',
      'superstep.started review',
      'executor.invoked summarize review/summarize',
      'executor.completed summarize review/summarize',
      'superstep.completed review',
      'superstep.started review',
      'executor.invoked polish review/polish',
      'executor.completed polish review/polish',
      'output polish review/polish',
      'superstep.completed review',
      'run.completed review',
      'executor.completed review review',
    ]);
    // `superstep` on a forwarded event counts the child's own supersteps; the node itself runs in the parent's second
    const window = events.slice(invoked, completed + 1);
    expect(window.map((e) => e.superstep)).toEqual([2, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
    // nothing of the child outside that window
    expect(events.filter((e, i) => e.path[0] === 'review' && e.path.length > 1 && (i < invoked || i > completed))).toEqual([]);
  });

  it("stamps forwarded events with the parent's runId and a strictly increasing seq", async () => {
    const { events } = await record(parentWorkflow().stream('doc', { runId: 'parent-run' }));
    expect(events.length).toBeGreaterThan(20);
    expect(new Set(events.map((e) => e.runId))).toEqual(new Set(['parent-run']));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index));
    // the parent's own run-level events have the empty path; the last one ends the parent run
    expect(events.at(-1)).toMatchObject({ type: 'run.completed', path: [] });
    expect(ofType(events, 'run.started').map((e) => [e.path, e.workflow])).toEqual([
      [[], 'parent'],
      [['review'], 'review-flow'],
    ]);
  });

  it("gives the child's handlers the path down to them, and the parent's runId", async () => {
    const seen: { path: readonly string[]; runId: string }[] = [];
    const spy = executor({
      id: 'summarize',
      input: z.string(),
      handle: (text, ctx) => {
        seen.push({ path: ctx.path, runId: ctx.runId });
        ctx.output(text);
      },
    });
    const child = new WorkflowBuilder({ name: 'child', start: spy, output: z.string() }).build();
    const result = await parentWorkflow(child.asExecutor({ id: 'review' })).run('x', { runId: 'parent-run' });
    expect(result.outputs).toEqual(['x>intake']);
    expect(seen.map((s) => s.path)).toEqual([['review', 'summarize']]);
    // ctx.runId must match the runId on the events this handler causes, so logs can be correlated
    expect(seen.map((s) => s.runId)).toEqual(['parent-run']);
  });

  it('forwards custom events from the child with their path', async () => {
    const noisy = executor({
      id: 'noisy',
      input: z.string(),
      handle: (text, ctx) => {
        ctx.emit('progress', { text });
        ctx.output(text);
      },
    });
    const child = new WorkflowBuilder({ name: 'child', start: noisy, output: z.string() }).build();
    const { events } = await record(parentWorkflow(child.asExecutor({ id: 'review' })).stream('x'));
    expect(ofType(events, 'custom').map((e) => [e.name, e.path, e.data])).toEqual([['progress', ['review', 'noisy'], { text: 'x>intake' }]]);
  });
});

describe('nested workflows: failure', () => {
  function failing() {
    const boom = new Error('model unavailable');
    const summarize = executor({
      id: 'summarize',
      input: z.string(),
      handle: () => {
        throw boom;
      },
    });
    const child = new WorkflowBuilder({ name: 'review-flow', start: summarize, output: z.string() }).build();
    return { boom, parent: parentWorkflow(child.asExecutor({ id: 'review' })) };
  }

  it("fails the parent node with an ExecutorError whose cause is the child's ExecutorError", async () => {
    const { boom, parent } = failing();
    const error = await caught(() => parent.run('x'));
    expect(error).toBeInstanceOf(ExecutorError);
    expect(error).toMatchObject({ code: 'executor_failed', executorId: 'review', superstep: 2 });
    const cause = (error as ExecutorError).cause;
    expect(cause).toBeInstanceOf(ExecutorError);
    expect(cause).toMatchObject({ executorId: 'summarize', superstep: 1 });
    expect((cause as ExecutorError).cause).toBe(boom);
    expect((error as Error).message).toContain('model unavailable');
  });

  it('reports the failure at both levels, then run.failed for the parent, and nothing after it', async () => {
    const { parent } = failing();
    const { events, error } = await record(parent.stream('x'));
    expect(error).toBeInstanceOf(ExecutorError);
    expect(ofType(events, 'executor.failed').map((e) => [e.executorId, e.path])).toEqual([
      ['summarize', ['review', 'summarize']],
      ['review', ['review']],
    ]);
    const failed = ofType(events, 'run.failed');
    expect(failed.map((e) => e.path)).toEqual([['review'], []]);
    expect(events.at(-1)).toBe(failed[1]);
    expect(failed[1]?.error).toBe(error);
    expect(ofType(events, 'executor.invoked').map((e) => e.executorId)).not.toContain('report');
  });
});

describe('nested workflows: cancellation', () => {
  /** A child whose handler waits until released, reporting its signal. */
  function gated() {
    const entered = deferred<AbortSignal>();
    const release = deferred();
    const wait = executor({
      id: 'wait',
      input: z.string(),
      handle: async (text, ctx) => {
        entered.resolve(ctx.signal);
        await Promise.race([release.promise, aborted(ctx.signal)]);
        ctx.output(text);
      },
    });
    const child = new WorkflowBuilder({ name: 'slow', start: wait, output: z.string() }).build();
    return { entered, release, parent: parentWorkflow(child.asExecutor({ id: 'review' })) };
  }

  it("handle.cancel() on the parent aborts the child handler's ctx.signal and ends the run cancelled", async () => {
    const { entered, parent } = gated();
    const run = parent.start('x');
    const events: string[] = [];
    run.events$.subscribe((e) => events.push(`${e.type} ${e.path.join('/')}`.trim()));
    const signal = await entered.promise;
    expect(signal.aborted).toBe(false);
    run.cancel('user stopped it');
    expect(signal.aborted).toBe(true);
    const error = await caught(() => run.result);
    expect(error).toBeInstanceOf(RunCancelledError);
    await tick();
    expect(events).toContain('run.cancelled');
    expect(events).not.toContain('executor.invoked report');
  });

  it("the caller's AbortSignal reaches the child", async () => {
    const { entered, parent } = gated();
    const controller = new AbortController();
    const result = parent.run('x', { signal: controller.signal });
    const signal = await entered.promise;
    controller.abort();
    expect(signal.aborted).toBe(true);
    expect(isWeftError(await caught(() => result))).toBe(true);
  });

  it('unsubscribing from the parent stream aborts the child', async () => {
    const { entered, parent } = gated();
    const seen: string[] = [];
    const subscription = parent.stream('x').subscribe((e) => seen.push(`${e.type} ${e.path.join('/')}`));
    const signal = await entered.promise;
    subscription.unsubscribe();
    expect(signal.aborted).toBe(true);
    await tick();
    expect(seen).toContain('executor.invoked review/wait');
    expect(seen).not.toContain('executor.completed review/wait');
    expect(seen).not.toContain('executor.completed review');
  });

  it("the parent's run.cancelled is the last event: nothing of the child arrives after it", async () => {
    const { entered, parent } = gated();
    const run = parent.start('x');
    const events: { type: string; path: readonly string[] }[] = [];
    const done = new Promise<void>((resolve) => run.events$.subscribe({ next: (e) => events.push(e), complete: resolve }));
    await entered.promise;
    run.cancel();
    await caught(() => run.result);
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', path: [] });
  });
});

describe('nested workflows: concurrency', () => {
  /** A child that fans out to three async handlers, each yielding a few event-loop turns. */
  function busyChild(flight: InFlight, options: { maxConcurrency?: number } = {}) {
    const step = (id: string): Executor<string, string, undefined> =>
      fromFunction(id, async (text: string) => {
        flight.enter();
        await tick();
        await tick();
        flight.leave();
        return `${text}>${id}`;
      });
    const split = fromFunction('split', (text: string) => text);
    const [a, b, c] = [step('a'), step('b'), step('c')];
    const join = executor({ id: 'join', input: z.array(z.string()), handle: (items, ctx) => ctx.output(items.join('+')) });
    return new WorkflowBuilder({ name: 'busy', start: split, output: z.string(), ...options })
      .addFanOut(split, [a, b, c])
      .addFanIn([a, b, c], join)
      .build();
  }

  it('with maxConcurrency: 1 a nested workflow completes and no two handlers are ever in flight at once', async () => {
    const flight = new InFlight();
    const start = fromFunction('start', (text: string) => text);
    const sibling = fromFunction('sibling', async (text: string) => {
      flight.enter();
      await tick();
      flight.leave();
      return `${text}>sibling`;
    });
    const nested = busyChild(flight).asExecutor({ id: 'busy' });
    const out = sink('out', z.string());
    const parent = new WorkflowBuilder({ name: 'parent', start, maxConcurrency: 1 })
      .addFanOut(start, [nested, sibling])
      .addEdge(nested, out)
      .addEdge(sibling, out)
      .build();

    const result = await parent.run('x');
    expect(result.outputs).toEqual(['x>a+x>b+x>c', 'x>sibling']);
    expect(flight.max).toBe(1);
  });

  it('the same cap holds when it is given per run', async () => {
    const flight = new InFlight();
    const parent = new WorkflowBuilder({ name: 'parent', start: busyChild(flight).asExecutor({ id: 'busy' }) })
      .addEdge('busy', sink('out', z.string()))
      .build();
    expect((await parent.run('x', { maxConcurrency: 1 })).outputs).toEqual(['x>a+x>b+x>c']);
    expect(flight.max).toBe(1);
    const unbounded = new InFlight();
    const free = new WorkflowBuilder({ name: 'parent', start: busyChild(unbounded).asExecutor({ id: 'busy' }) })
      .addEdge('busy', sink('out', z.string()))
      .build();
    await free.run('x');
    expect(unbounded.max).toBe(3);
  });

  it("keeps the child's own maxConcurrency when nested under an unbounded parent", async () => {
    const flight = new InFlight();
    const child = busyChild(flight, { maxConcurrency: 1 });
    expect((await child.run('x')).outputs).toEqual(['x>a+x>b+x>c']);
    expect(flight.max).toBe(1);

    const nested = new InFlight();
    const parent = new WorkflowBuilder({ name: 'parent', start: busyChild(nested, { maxConcurrency: 1 }).asExecutor({ id: 'busy' }) })
      .addEdge('busy', sink('out', z.string()))
      .build();
    expect((await parent.run('x')).outputs).toEqual(['x>a+x>b+x>c']);
    expect(nested.max).toBe(1);
  });

  it('several nested nodes in one superstep share the one cap', async () => {
    const flight = new InFlight();
    const start = fromFunction('start', (text: string) => text);
    const one = busyChild(flight).asExecutor({ id: 'one' });
    const two = busyChild(flight).asExecutor({ id: 'two' });
    const parent = new WorkflowBuilder({ name: 'parent', start, maxConcurrency: 2 })
      .addFanOut(start, [one, two])
      .addFanIn([one, two], sink('out', z.array(z.unknown())))
      .build();
    expect((await parent.run('x')).outputs).toEqual([['x>a+x>b+x>c', 'x>a+x>b+x>c']]);
    expect(flight.max).toBe(2);
  });
});
