/**
 * A support agent built from the orchestration helpers:
 *
 *   triage ─▶ research: parallel(billing-history, account, policy) ─▶ plan ─┬ refund? ─▶ withApproval(refund) ─┐
 *                                                                          └ otherwise ───────────────────────┴▶ reply
 *
 *   npx tsx examples/support-agent.ts              live progress; asks you before the refund: Refund $49.00 …? [y/n]
 *   npx tsx examples/support-agent.ts --approve    approves from the flag (or --reject)
 *
 * Without a terminal (under `npm run examples`, say) it prints plain progress lines and approves automatically.
 *
 * - Every model call is an `agentStep` around a deterministic fake agent (below: how a real SDK plugs in).
 * - The run has a token budget: every call charges its usage; the ledger is in the result.
 * - The refund waits for an approval request, answered by an approval gate: a person on a terminal, a policy
 *   otherwise. The gate keeps the audit trail.
 */
import { z } from 'zod';
import {
  WorkflowBuilder,
  agentStep,
  createApprovalGate,
  executor,
  parallel,
  withApproval,
  type Agent,
  type AgentReply,
  type ApprovalDecision,
  type ApprovalRequest,
  type WorkflowEvent,
} from 'weft';

// ── How a real provider plugs in ──
// An agent is any object with run(input, { signal }) → Promise<{ text, usage? }>. Adapting a provider's SDK is a
// few lines; pass the signal on so that cancelling the run cancels the HTTP request. For example (not called here):
//
//   import OpenAI from 'openai';
//   const openai = new OpenAI();
//   const gpt: Agent = {
//     async run(input, { signal }) {
//       const response = await openai.responses.create({ model: 'gpt-4.1-mini', input }, { signal });
//       return { text: response.output_text, usage: { tokens: response.usage?.total_tokens ?? 0 } };
//     },
//   };
//
//   import Anthropic from '@anthropic-ai/sdk';
//   const anthropic = new Anthropic();
//   const claude: Agent = {
//     async run(input, { signal }) {
//       const message = await anthropic.messages.create(
//         { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: input }] },
//         { signal },
//       );
//       const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
//       return { text, usage: { tokens: message.usage.input_tokens + message.usage.output_tokens } };
//     },
//   };
//
// One object is one session: agentStep never runs the same object twice at once (calls queue), so share an object
// where a conversation must stay in order, and make one per branch where branches may run side by side.

/** A deterministic stand-in for a model: answers after `ms`, reports `tokens`, and stops when the run is cancelled. */
function fakeAgent(ms: number, tokens: number, answer: (prompt: string) => string): Agent {
  return {
    run: (prompt, { signal }) =>
      new Promise<AgentReply>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal.reason);
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve({ text: answer(prompt), usage: { tokens } });
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

// ── Messages ──

const ticketSchema = z.object({ id: z.string(), customer: z.string(), order: z.string(), body: z.string() });
type Ticket = z.infer<typeof ticketSchema>;
const triagedSchema = z.object({ ticket: ticketSchema, category: z.enum(['billing', 'bug', 'question']) });
type Triaged = z.infer<typeof triagedSchema>;
const findingSchema = z.object({ source: z.string(), ticket: ticketSchema, note: z.string() });
type Finding = z.infer<typeof findingSchema>;
const refundSchema = z.object({ ticket: ticketSchema, amount: z.number().positive(), reason: z.string() });
type Refund = z.infer<typeof refundSchema>;
const outcomeSchema = z.object({ ticket: ticketSchema, action: z.string() });
type Outcome = z.infer<typeof outcomeSchema>;
const planSchema = z.object({ ticket: ticketSchema, refund: refundSchema.nullable(), action: z.string() });
const answerSchema = z.object({ ticketId: z.string(), action: z.string(), reply: z.string() });
type Answer = z.infer<typeof answerSchema>;

const dollars = (amount: number): string => `$${amount.toFixed(2)}`;

// ── Agents: one object per session ──

const triageAgent = fakeAgent(120, 210, (prompt) =>
  /charged|refund|invoice/i.test(prompt) ? 'billing' : /crash|error/i.test(prompt) ? 'bug' : 'question',
);
const billingAgent = fakeAgent(300, 640, (prompt) =>
  prompt.includes('O-7781') ? 'Two captures of $49.00 on order O-7781, 3 minutes apart: the second is a duplicate.' : 'No anomaly.',
);
const accountAgent = fakeAgent(220, 380, () => 'Customer since 2021, no refunds in the last 12 months, in good standing.');
const policyAgent = fakeAgent(260, 450, () => 'Duplicate charges are refunded in full; refunds over $100 need a second approver.');
const replyAgent = fakeAgent(
  180,
  520,
  (prompt) =>
    `Hi ${/Customer: (\w+)/.exec(prompt)?.[1] ?? 'there'}, thanks for reaching out. ${/Action: (.*)/.exec(prompt)?.[1] ?? ''} — The Support Team`,
);

// ── Steps ──

const triage = agentStep({
  id: 'triage',
  agent: triageAgent,
  input: ticketSchema,
  prompt: (ticket: Ticket) => `Classify this ticket as billing, bug or question:\n${ticket.body}`,
  reply: (reply, ticket): Triaged => triagedSchema.parse({ ticket, category: reply.text }),
});

const researcher = (id: string, agent: Agent, question: string) =>
  agentStep({
    id,
    agent,
    prompt: ({ ticket }: Triaged) => `${question}\nCustomer: ${ticket.customer}\nOrder: ${ticket.order}\nTicket: ${ticket.body}`,
    reply: (reply, { ticket }): Finding => ({ source: id, ticket, note: reply.text }),
  });

// Three researchers at once; 'settled': one failing leaves a null instead of failing the ticket.
const research = parallel(
  [
    researcher('billing-history', billingAgent, 'What do the payments of this order show?'),
    researcher('account', accountAgent, 'Summarize the account history.'),
    researcher('policy', policyAgent, 'Which refund policy applies?'),
  ],
  { id: 'research', mode: 'settled' },
);

const plan = executor({
  id: 'plan',
  input: z.tuple([findingSchema.nullable(), findingSchema.nullable(), findingSchema.nullable()]),
  output: planSchema,
  handle: (findings, ctx) => {
    const found = findings.filter((f): f is Finding => f !== null);
    const ticket = found[0]?.ticket;
    if (ticket === undefined) throw new Error('every researcher failed');
    const duplicate = found.find((f) => f.source === 'billing-history' && /duplicate/i.test(f.note));
    const amount = Number(/\$(\d+(?:\.\d+)?)/.exec(duplicate?.note ?? '')?.[1] ?? 0);
    ctx.send(
      duplicate === undefined || amount === 0
        ? { ticket, refund: null, action: 'We looked into it and found nothing to refund.' }
        : { ticket, refund: { ticket, amount, reason: duplicate.note }, action: '' },
    );
  },
});

const toRefund = executor({ id: 'to-refund', input: planSchema, output: refundSchema, handle: (p, ctx) => ctx.send(p.refund as Refund) });
const noRefund = executor({
  id: 'no-refund',
  input: planSchema,
  output: outcomeSchema,
  handle: (p, ctx) => ctx.send({ ticket: p.ticket, action: p.action }),
});

let refundsIssued = 0;
const issueRefund = executor({
  id: 'refund',
  input: refundSchema,
  output: outcomeSchema,
  handle: (refund, ctx) => {
    refundsIssued++; // the payment provider call would be here
    ctx.send({ ticket: refund.ticket, action: `We refunded ${dollars(refund.amount)} on order ${refund.ticket.order}.` });
  },
});

// Asks before every refund; a rejection goes on to the reply instead of being a run output.
const refund = withApproval(issueRefund, {
  describe: (r) => `Refund ${dollars(r.amount)} to ${r.ticket.customer} on order ${r.ticket.order}? (${r.reason})`,
  onReject: (rejection, ctx) =>
    ctx.send({
      ticket: rejection.input.ticket,
      action: `We cannot refund this charge${rejection.reason === undefined ? '' : ` (${rejection.reason})`}.`,
    }),
});

const reply = agentStep({
  id: 'reply',
  agent: replyAgent,
  input: outcomeSchema,
  prompt: (o: Outcome) => `Write a short reply.\nCustomer: ${o.ticket.customer}\nAction: ${o.action}`,
  reply: (r, o): Answer => ({ ticketId: o.ticket.id, action: o.action, reply: r.text }),
});
const done = executor({ id: 'done', input: answerSchema, handle: (a, ctx) => ctx.output(a) });

const workflow = new WorkflowBuilder({ name: 'support-agent', start: triage, output: answerSchema })
  .addEdge(triage, research)
  .addEdge(research, plan)
  .addSwitch(plan, [{ when: (p) => p.refund !== null, to: toRefund }, { otherwise: noRefund }])
  .addEdge(toRefund, refund)
  .addEdge(refund, reply)
  .addEdge(noRefund, reply)
  .addEdge(reply, done)
  .build();

// ── Progress: one redrawn line on a terminal, plain lines otherwise ──

const interactive = process.stdout.isTTY === true && process.stdin.isTTY === true;
const flag = process.argv.includes('--approve') ? 'approve' : process.argv.includes('--reject') ? 'reject' : undefined;
const BUDGET = 5_000;

const progress = { running: new Set<string>(), spent: 0, status: 'working' };
const startedAt = Date.now();
let paused = false;

function line(): string {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const doing = progress.running.size === 0 ? progress.status : `calling ${[...progress.running].join(', ')}`;
  return `${seconds}s  tokens ${progress.spent}/${BUDGET}  ${doing}`;
}
const draw = (): void => {
  if (interactive && !paused) process.stdout.write(`\r\x1b[2K${line()}`);
};
const say = (text: string): void => {
  if (interactive) process.stdout.write(`\r\x1b[2K${text}\n`);
  else console.log(text);
  draw();
};

/** Follows agent calls (their `agent` phases), the ledger, and approvals; the rest of the stream is left alone. */
function show(event: WorkflowEvent): void {
  switch (event.type) {
    case 'phase.started':
      if (event.name !== 'agent') return;
      progress.running.add(event.executorId);
      if (!interactive) say(`  … ${event.executorId}`);
      break;
    case 'phase.completed':
      if (event.name !== 'agent') return;
      progress.running.delete(event.executorId);
      say(`  ${event.ok ? '✓' : '✗'} ${event.executorId} (${Math.round(event.durationMs)} ms)`);
      break;
    case 'custom':
      if (event.name !== 'agent.usage') return;
      progress.spent = (event.data as { spent: number }).spent;
      break;
    case 'budget.exceeded':
      say(`  ! the token budget is spent (${event.spent}/${event.limit}), at ${event.executorId}`);
      break;
    case 'request.created':
      progress.status = 'waiting for an approval';
      break;
    case 'request.answered':
      progress.status = 'working';
      break;
    default:
      return;
  }
  draw();
}

// ── Approvals: a person on a terminal, the flag, or a policy ──

function askPerson(request: ApprovalRequest): Promise<ApprovalDecision> {
  paused = true;
  process.stdout.write(`\r\x1b[2K${request.payload.description} [y/n] `);
  return new Promise((resolve) => {
    process.stdin.resume();
    process.stdin.once('data', (data) => {
      process.stdin.pause();
      paused = false;
      const yes = /^y/i.test(String(data).trim());
      resolve(yes ? { approved: true, reason: 'approved on the terminal' } : { approved: false, reason: 'declined on the terminal' });
    });
  });
}

const gate = createApprovalGate({
  onRequest: (request) => {
    if (flag === 'approve') return { approved: true, reason: '--approve' };
    if (flag === 'reject') return { approved: false, reason: '--reject' };
    if (interactive) return askPerson(request);
    return { approved: true, reason: 'no terminal: approved automatically' };
  },
  onDecision: (record) =>
    say(`  ${record.decision.approved ? 'approved' : 'rejected'}: ${record.description} — ${record.decision.reason ?? ''} (${record.decidedBy})`),
  ...(interactive && flag === undefined ? { timeoutMs: 120_000 } : {}),
});

// ── Run it ──

const ticket: Ticket = {
  id: 'T-2041',
  customer: 'Ada',
  order: 'O-7781',
  body: 'Hello, I was charged twice for order O-7781 ($49). Could you refund the duplicate charge?',
};

say(`Ticket ${ticket.id} from ${ticket.customer}: "${ticket.body}"\n`);
const run = workflow.start(ticket, { budget: { tokens: BUDGET } });
const events: WorkflowEvent[] = [];
run.events$.subscribe((event) => {
  events.push(event);
  show(event);
});
gate.attach(run);
const ticker = interactive ? setInterval(draw, 100) : undefined;
const result = await run.result.finally(() => clearInterval(ticker));
if (interactive) process.stdout.write('\n');

const [answer] = result.outputs;
console.log(`\n${answer?.reply ?? '(no reply)'}\n`);
console.log(`Action: ${answer?.action}`);
console.log(
  `Tokens: ${result.budget.spent} of ${result.budget.limit} (${result.supersteps} supersteps, ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`,
);
console.log(
  `Audit: ${gate.decisions.map((d) => `${d.requestId.slice(0, 8)} ${d.path.join('/')} ${d.decision.approved ? 'approved' : 'rejected'} by ${d.decidedBy}`).join('; ')}`,
);

// ── Check the result ──

const approved = gate.decisions[0]?.decision.approved === true;
check(result.status === 'completed', 'the run completes');
check(result.outputs.length === 1 && answer?.ticketId === ticket.id, 'one reply for the ticket');
check(gate.decisions.length === 1 && gate.decisions[0]?.path.join('/') === 'refund', 'exactly one approval was asked, by the refund');
check(refundsIssued === (approved ? 1 : 0), `the refund ran ${approved ? 'once, after the approval' : 'not at all, as rejected'}`);
check(
  approved ? answer?.action === 'We refunded $49.00 on order O-7781.' : (answer?.action.startsWith('We cannot refund') ?? false),
  `the action fits the decision (got "${answer?.action}")`,
);
check(answer?.reply.startsWith('Hi Ada') ?? false, 'the reply greets the customer');
const expectedTokens = 210 + 640 + 380 + 450 + 520;
check(
  result.budget.spent === expectedTokens && result.budget.limit === BUDGET,
  `the ledger holds every call: ${expectedTokens} tokens (got ${result.budget.spent})`,
);
const researched = events.filter((e) => e.type === 'phase.started' && e.path[0] === 'research' && e.path.length === 2).map((e) => e.path[1]);
check(researched.join(',') === 'billing-history,account,policy', `three research branches (got ${researched.join(',')})`);
const researchStarts = events.filter((e) => e.type === 'phase.started' && e.path.length === 3 && e.path[0] === 'research');
const firstResearchDone = events.findIndex((e) => e.type === 'phase.completed' && e.path.length === 3 && e.path[0] === 'research');
check(
  researchStarts.length === 3 && events.indexOf(researchStarts[2] as WorkflowEvent) < firstResearchDone,
  'the three researchers ran side by side',
);
console.log('support-agent: all checks passed');

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`support-agent example check failed: ${message}`);
}
