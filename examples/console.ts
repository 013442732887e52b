/**
 * Workflows to look at in the web console: a refund with a nested check, a retry and a person's approval, and a
 * workflow that fails.
 *
 *   npx weft dev examples/console.ts     # then open the printed http://127.0.0.1:4000/ui/#token=… address
 *   npx tsx examples/console.ts          # this file's own run: both workflows once, with checks
 *
 * refund:  intake → checks ─────────────────────────────────→ approver → settle
 *                   └ (nested) fan-out ┬ fraud-score ┐ fan-in → verdict
 *                                      └ history     ┘
 *
 * fraud-score fails its first attempt for every order and is retried; refunds up to $50 need no person, larger
 * ones wait for an approval whose form the console builds from the approver's `response` schema. Every step keeps
 * something in shared or executor state, so each superstep has a state diff to show. `nightly-report` fails in
 * its second superstep.
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { WorkflowBuilder, executor, fromWorkflow } from 'weft';

const refundSchema = z.object({ orderId: z.string().min(1), customer: z.string().min(1), amount: z.number().positive(), reason: z.string() });
const scoreSchema = z.object({ refund: refundSchema, kind: z.enum(['fraud', 'history']), score: z.number() });
const verdictSchema = z.object({ orderId: z.string(), risk: z.number(), refund: refundSchema });
const decisionSchema = z.object({ approved: z.boolean(), note: z.string().optional() });
const settlementSchema = z.object({ orderId: z.string(), amount: z.number(), approved: z.boolean(), by: z.string(), note: z.string().optional() });

/** A pause standing in for a model or API call, so that the console has something to show while it runs. */
const work = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

const PAUSE = Number(process.env['WEFT_EXAMPLE_PAUSE_MS'] ?? 250);

// ── The nested check: two scores at once, then a verdict ──

const fanOut = executor({ id: 'split', input: refundSchema, output: refundSchema, handle: (refund, ctx) => ctx.send(refund) });
const tried = new Set<string>();
const fraudScore = executor({
  id: 'fraud-score',
  input: refundSchema,
  output: scoreSchema,
  retry: { attempts: 3, backoff: { initialMs: 50 } },
  handle: async (refund, ctx) => {
    await work(PAUSE, ctx.signal);
    // The scoring service times out on the first call for each order: the retry shows in the timeline.
    if (!tried.has(refund.orderId)) {
      tried.add(refund.orderId);
      throw new Error(`fraud service timed out for order ${refund.orderId}`);
    }
    ctx.send({ refund, kind: 'fraud', score: refund.amount > 500 ? 0.7 : 0.1 });
  },
});
const history = executor({
  id: 'history',
  input: refundSchema,
  output: scoreSchema,
  handle: async (refund, ctx) => {
    await work(PAUSE * 1.5, ctx.signal);
    ctx.send({ refund, kind: 'history', score: refund.customer.length % 3 === 0 ? 0.3 : 0.05 });
  },
});
const verdict = executor({
  id: 'verdict',
  input: z.tuple([scoreSchema, scoreSchema]),
  output: verdictSchema,
  // The nested workflow's outputs are what the "checks" node sends on in the refund.
  handle: ([fraud, past], ctx) =>
    ctx.output({ orderId: fraud.refund.orderId, risk: Math.round((fraud.score + past.score) * 100) / 100, refund: fraud.refund }),
});
const checks = new WorkflowBuilder({ name: 'refund-checks', start: fanOut })
  .addFanOut(fanOut, [fraudScore, history])
  .addFanIn([fraudScore, history], verdict)
  .build();

// ── The refund ──

const intake = executor({
  id: 'intake',
  input: refundSchema,
  output: refundSchema,
  handle: async (refund, ctx) => {
    await work(PAUSE, ctx.signal);
    ctx.shared.set('refund', { orderId: refund.orderId, amount: refund.amount, stage: 'checking' });
    ctx.send(refund);
  },
});

const approver = executor({
  id: 'approver',
  input: verdictSchema,
  output: settlementSchema,
  response: decisionSchema,
  initialState: { waitingFor: null as null | { orderId: string; amount: number; risk: number } },
  handle: async (verdict, ctx) => {
    ctx.shared.update<{ stage: string }>('refund', (refund) => {
      refund.stage = 'deciding';
    });
    if (verdict.refund.amount <= 50 && verdict.risk < 0.5) {
      ctx.send({ orderId: verdict.orderId, amount: verdict.refund.amount, approved: true, by: 'policy' });
      return;
    }
    ctx.setState((state) => {
      state.waitingFor = { orderId: verdict.orderId, amount: verdict.refund.amount, risk: verdict.risk };
    });
    ctx.request({
      question: `Refund $${verdict.refund.amount.toFixed(2)} to ${verdict.refund.customer} for order ${verdict.orderId} (risk ${verdict.risk})?`,
      verdict,
    });
  },
  onResponse: (answer, _request, ctx) => {
    const waiting = ctx.state.waitingFor;
    if (waiting === null) throw new Error('an answer came, but no refund waits for one');
    ctx.setState((state) => {
      state.waitingFor = null;
    });
    ctx.send({
      orderId: waiting.orderId,
      amount: waiting.amount,
      approved: answer.approved,
      by: 'a person',
      ...(answer.note === undefined ? {} : { note: answer.note }),
    });
  },
});

const settle = executor({
  id: 'settle',
  input: settlementSchema,
  handle: async (decision, ctx) => {
    await work(PAUSE / 2, ctx.signal);
    const status = decision.approved ? 'refunded' : 'declined';
    ctx.shared.update<{ stage: string }>('refund', (refund) => {
      refund.stage = status;
    });
    ctx.output({
      orderId: decision.orderId,
      status,
      amount: decision.approved ? decision.amount : 0,
      by: decision.by,
      ...(decision.note === undefined ? {} : { note: decision.note }),
    });
  },
});

export const refund = new WorkflowBuilder({ name: 'refund', start: intake })
  .addEdge(intake, fromWorkflow(checks, { id: 'checks' }))
  .addEdge('checks', approver)
  .addEdge(approver, settle)
  .build();

// ── A workflow that fails, to see where ──

const gather = executor({
  id: 'gather',
  input: z.object({ day: z.string() }),
  output: z.object({ day: z.string(), rows: z.number() }),
  handle: async ({ day }, ctx) => {
    await work(PAUSE, ctx.signal);
    ctx.shared.set('rows', 1200);
    ctx.send({ day, rows: 1200 });
  },
});
const render = executor({
  id: 'render',
  input: z.object({ day: z.string(), rows: z.number() }),
  handle: ({ day }) => {
    throw new Error(`the report template for ${day} is missing the "totals" section`);
  },
});
export const nightlyReport = new WorkflowBuilder({ name: 'nightly-report', start: gather }).addEdge(gather, render).build();

export const workflows = { refund, 'nightly-report': nightlyReport };

// ── This file's own run (not on import) ──

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const small = await refund.run({ orderId: 'A-7', customer: 'Grace Hopper', amount: 20, reason: 'late' });
  check(
    small.status === 'completed' &&
      JSON.stringify(small.outputs) === JSON.stringify([{ orderId: 'A-7', status: 'refunded', amount: 20, by: 'policy' }]),
    `a small refund goes through on policy: ${small.status} ${JSON.stringify(small.outputs)}`,
  );
  const large = await refund.run({ orderId: 'A-8', customer: 'Ada Lovelace', amount: 249, reason: 'arrived broken' });
  check(large.status === 'waiting' && large.pendingRequests[0]?.executorId === 'approver', 'a large refund waits for a person');
  const failed = await nightlyReport.run({ day: '2026-12-01' }).catch((error: unknown) => error);
  check(failed instanceof Error && failed.message.includes('render'), 'the nightly report fails in render');
  console.log('console example: all checks passed (open it with: npx weft dev examples/console.ts)');
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`console example check failed: ${message}`);
}
