// Workflows the durability cases share. Each is a factory: calling it again builds a new Workflow instance
// from the same code, as another process would after a restart.
import { z } from 'zod';
import { WorkflowBuilder, executor, fromFunction } from 'weft';

/** Called by an executor at the start of every invocation; may return a promise to hold it. */
export type Probe = (executorId: string, superstep: number) => void | Promise<void>;

/**
 * `step` loops on itself: input n runs n supersteps. Each superstep bumps its state, sets shared `last`
 * and outputs `step <count>`. `failAt(superstep)` makes a superstep throw.
 */
export function countingWorkflow(options: { readonly probe?: Probe; readonly failAt?: (superstep: number) => boolean } = {}) {
  const step = executor({
    id: 'step',
    input: z.number().int().positive(),
    output: z.number().int().positive(),
    initialState: { count: 0, history: [] as number[] },
    handle: async (remaining, ctx) => {
      await options.probe?.('step', ctx.superstep);
      if (options.failAt?.(ctx.superstep) === true) throw new Error(`boom in superstep ${ctx.superstep}`);
      ctx.setState((draft) => {
        draft.count += 1;
        draft.history.push(remaining);
      });
      ctx.shared.set('last', remaining);
      ctx.output(`step ${ctx.state.count}`);
      if (remaining > 1) ctx.send(remaining - 1);
    },
  });
  return new WorkflowBuilder({ name: 'counting', start: step }).addEdge(step, step).build();
}

/**
 * A graph that uses every part of a checkpoint over five supersteps, with outputs in three of them:
 * 1 split (shared `total`, output) → 2 upper ×n and length ×n (fan-out; upper keeps state) →
 * 3 double ×n (upper's messages wait in the fan-in buffer meanwhile) → 4 join ×n (fan-in batches; state,
 * shared.update, outputs; the last one sends) → 5 summary (output).
 * `failOnce(executorId, superstep)` throws in that invocation the first time it is reached.
 */
export function ledgerWorkflow(
  options: { readonly failOnce?: { readonly executorId: string; readonly superstep: number; readonly fired?: { value: boolean } } } = {},
) {
  const maybeFail = (ctx: { readonly executorId: string; readonly superstep: number }): void => {
    const fail = options.failOnce;
    if (fail !== undefined && fail.executorId === ctx.executorId && fail.superstep === ctx.superstep && fail.fired?.value !== true) {
      if (fail.fired !== undefined) fail.fired.value = true;
      throw new Error(`injected failure in ${ctx.executorId}, superstep ${ctx.superstep}`);
    }
  };
  const split = executor({
    id: 'split',
    input: z.array(z.string()),
    output: z.string(),
    handle: (items, ctx) => {
      maybeFail(ctx);
      ctx.shared.set('total', items.length);
      ctx.output(`split ${items.length}`);
      for (const item of items) ctx.send(item);
    },
  });
  const upper = executor({
    id: 'upper',
    input: z.string(),
    output: z.string(),
    initialState: { seen: [] as string[] },
    handle: (item, ctx) => {
      maybeFail(ctx);
      ctx.setState((draft) => {
        draft.seen.push(item);
      });
      ctx.send(`${item.toUpperCase()}#${ctx.state.seen.length}`);
    },
  });
  const length = fromFunction('length', (item: string) => item.length, { input: z.string(), output: z.number() });
  const double = executor({
    id: 'double',
    input: z.number(),
    output: z.number(),
    handle: (n, ctx) => {
      maybeFail(ctx);
      ctx.send(n * 2);
    },
  });
  const join = executor({
    id: 'join',
    input: z.tuple([z.string(), z.number()]),
    output: z.object({ joined: z.number(), labels: z.array(z.string()) }),
    initialState: { labels: [] as string[] },
    handle: ([label, size], ctx) => {
      maybeFail(ctx);
      ctx.setState((draft) => {
        draft.labels.push(`${label}:${size}`);
      });
      ctx.shared.update<{ count: number }>('joined', (draft) => (draft === undefined ? { count: 1 } : { count: draft.count + 1 }));
      ctx.output(`${label}:${size}`);
      if (ctx.state.labels.length === ctx.shared.get<number>('total')) ctx.send({ joined: ctx.state.labels.length, labels: ctx.state.labels });
    },
  });
  const summary = executor({
    id: 'summary',
    input: z.object({ joined: z.number(), labels: z.array(z.string()) }),
    handle: (message, ctx) => {
      maybeFail(ctx);
      ctx.output({ summary: message.labels.join(' '), joined: ctx.shared.get<{ count: number }>('joined')?.count ?? 0 });
    },
  });
  return new WorkflowBuilder({ name: 'ledger', start: split })
    .addFanOut(split, [upper, length])
    .addEdge(length, double)
    .addFanIn([upper, double], join)
    .addEdge(join, summary)
    .build();
}

export const ledgerInput = ['ant', 'bee', 'cicada'];
export const ledgerOutputs = ['split 3', 'ANT#1:6', 'BEE#2:6', 'CICADA#3:12', { summary: 'ANT#1:6 BEE#2:6 CICADA#3:12', joined: 3 }];

/** The answer a reviewer gives. */
export const decisionSchema = z.object({ approved: z.boolean(), note: z.string().optional() });

/**
 * draft → approve → publish. `approve` asks one request per reviewer (payload `{ text, reviewer }`),
 * validated by `decisionSchema`; each answer is sent on to `publish`, which outputs it.
 */
export function reviewWorkflow(options: { readonly reviewers?: readonly string[]; readonly seen?: unknown[] } = {}) {
  const reviewers = options.reviewers ?? ['alice'];
  const draft = executor({ id: 'draft', input: z.string(), output: z.string(), handle: (topic, ctx) => ctx.send(`draft about ${topic}`) });
  const approve = executor({
    id: 'approve',
    input: z.string(),
    output: z.string(),
    response: decisionSchema,
    initialState: { asked: 0, answered: 0 },
    handle: (text, ctx) => {
      for (const reviewer of reviewers) ctx.request({ text, reviewer });
      ctx.setState((draft) => {
        draft.asked += reviewers.length;
      });
    },
    onResponse: (decision, request, ctx) => {
      options.seen?.push({ decision, request, superstep: ctx.superstep });
      ctx.setState((draft) => {
        draft.answered += 1;
      });
      const { text, reviewer } = request.payload as { text: string; reviewer: string };
      ctx.send(`${text}: ${reviewer} ${decision.approved ? 'approved' : 'rejected'}${decision.note === undefined ? '' : ` (${decision.note})`}`);
    },
  });
  const publish = executor({ id: 'publish', input: z.string(), handle: (text, ctx) => ctx.output(text) });
  return new WorkflowBuilder({ name: 'review', start: draft, output: z.string() }).addEdge(draft, approve).addEdge(approve, publish).build();
}

/** intake → review (reviewWorkflow nested as one node) → report, which outputs `report: <text>`. */
export function parentOfReview(options: { readonly reviewers?: readonly string[]; readonly seen?: unknown[] } = {}) {
  const intake = fromFunction('intake', (topic: string) => topic.trim(), { input: z.string(), output: z.string() });
  const review = reviewWorkflow(options).asExecutor({ id: 'review' });
  const report = executor({ id: 'report', input: z.string(), handle: (text, ctx) => ctx.output(`report: ${text}`) });
  return new WorkflowBuilder({ name: 'parent', start: intake }).addEdge(intake, review).addEdge(review, report).build();
}
