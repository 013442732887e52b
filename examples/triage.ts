/**
 * Support-ticket triage: the workflow `npm start` runs through the weft CLI, and a self-checking example.
 *
 *   npm start                                               # weft run examples/triage.ts --input @examples/tickets.json
 *   npx tsx examples/triage.ts                              # this file's own run: progress, decisions, checks
 *   npx tsx examples/triage.ts "The app crashes on login"   # triage your own tickets instead
 *
 * The module exports the workflow (`export default triage`), so the CLI can run, serve and draw it; the run below
 * happens only when this file is the program, never on import.
 *
 * intake → classify → switch ┬ bug     → bug-desk → fan-out ┬ severity-analyst  ┐
 *                            │                              ├ component-analyst ├ fan-in → bug-report
 *                            │                              └ repro-analyst     ┘
 *                            ├ billing → billing-desk
 *                            └ otherwise → front-desk
 *
 * Every step is a deterministic fake (keyword rules and small timers standing in for model calls), so the
 * result is the same on every run and the example checks it.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { WorkflowBuilder, executor, type WorkflowEvent } from 'weft';

// ── Messages: one zod schema per message type; the schemas validate at delivery and type the edges ──

const ticketSchema = z.object({ id: z.string(), subject: z.string(), body: z.string() });
type Ticket = z.infer<typeof ticketSchema>;

const categorySchema = z.enum(['bug', 'billing', 'question', 'other']);
type Category = z.infer<typeof categorySchema>;

const classifiedSchema = z.object({ ticket: ticketSchema, category: categorySchema, confidence: z.number().min(0).max(1) });

const prioritySchema = z.enum(['P1', 'P2', 'P3']);
const severitySchema = z.object({ ticketId: z.string(), severity: prioritySchema, reason: z.string() });
const componentSchema = z.object({ ticketId: z.string(), component: z.string(), owner: z.string() });
const reproSchema = z.object({ ticketId: z.string(), reproducible: z.boolean(), note: z.string() });

/** What the workflow outputs: one decision per ticket. */
const decisionSchema = z.object({
  ticketId: z.string(),
  route: z.enum(['engineering', 'billing', 'front-desk']),
  priority: prioritySchema,
  action: z.string(),
  report: z.optional(z.object({ number: z.string(), component: z.string(), owner: z.string(), reproducible: z.boolean() })),
});
type Decision = z.infer<typeof decisionSchema>;

// ── Deterministic stand-ins for model calls ──

const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort); // ctx.signal is shared by the whole run: do not leave listeners on it
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

const has = (text: string, words: readonly string[]): number => words.filter((word) => text.toLowerCase().includes(word)).length;

const keywords: Record<Exclude<Category, 'other'>, readonly string[]> = {
  bug: ['crash', 'error', 'bug', 'broken', 'wrong', 'typo', 'fails'],
  billing: ['charged', 'invoice', 'refund', 'payment', 'card'],
  question: ['how do i', 'how to', 'can i', 'where is'],
};

function classifyText(ticket: Ticket): { category: Category; confidence: number } {
  const text = `${ticket.subject} ${ticket.body}`;
  const scores = (Object.keys(keywords) as Exclude<Category, 'other'>[]).map((category) => ({ category, score: has(text, keywords[category]) }));
  const total = scores.reduce((sum, s) => sum + s.score, 0);
  const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
  if (best.score === 0) return { category: 'other', confidence: 0.5 };
  return { category: best.category, confidence: Math.round((best.score / (total + 0.5)) * 100) / 100 }; // more matching words, more confidence
}

// ── Executors ──

const intake = executor({
  id: 'intake',
  input: z.array(ticketSchema).min(1),
  output: ticketSchema,
  handle: (tickets, ctx) => {
    ctx.shared.set('byCategory', { bug: 0, billing: 0, question: 0, other: 0 }); // visible from the next superstep on
    ctx.emit('inbox.received', { count: tickets.length });
    for (const ticket of tickets) ctx.send(ticket);
  },
});

const classify = executor({
  id: 'classify',
  input: ticketSchema,
  output: classifiedSchema,
  concurrency: 4, // up to four tickets at once; sends still commit in delivery order
  handle: async (ticket, ctx) => {
    await delay(5, ctx.signal); // "the model call"
    const { category, confidence } = classifyText(ticket);
    // Concurrent invocations of one executor stage immer recipes; weft replays them, so no count is lost.
    ctx.shared.update<Record<Category, number>>('byCategory', (counts) => {
      counts[category] += 1;
    });
    ctx.emit('ticket.classified', { ticketId: ticket.id, category, confidence });
    ctx.send({ ticket, category, confidence });
  },
});

const billingDesk = executor({
  id: 'billing-desk',
  input: classifiedSchema,
  handle: ({ ticket }, ctx) => {
    const refund = has(ticket.body, ['refund', 'charged twice']) > 0;
    const decision: Decision = {
      ticketId: ticket.id,
      route: 'billing',
      priority: refund ? 'P2' : 'P3',
      action: refund ? 'Open a refund request' : 'Update the billing record',
    };
    ctx.output(decision);
  },
});

const frontDesk = executor({
  id: 'front-desk',
  input: classifiedSchema,
  handle: ({ ticket, category }, ctx) => {
    const decision: Decision = {
      ticketId: ticket.id,
      route: 'front-desk',
      priority: 'P3',
      action: category === 'question' ? 'Reply with the help-center article' : 'Thank the customer and close',
    };
    ctx.output(decision);
  },
});

const bugDesk = executor({
  id: 'bug-desk',
  input: classifiedSchema,
  output: ticketSchema,
  handle: ({ ticket }, ctx) => ctx.send(ticket), // the fan-out edge hands the ticket to every analyst
});

const severityAnalyst = executor({
  id: 'severity-analyst',
  input: ticketSchema,
  output: severitySchema,
  handle: async (ticket, ctx) => {
    await delay(20, ctx.signal);
    const text = `${ticket.subject} ${ticket.body}`;
    const severity = has(text, ['crash', 'data loss', 'cannot log in']) > 0 ? 'P1' : has(text, ['wrong', 'error', 'fails']) > 0 ? 'P2' : 'P3';
    ctx.emit('analysis.done', { analyst: 'severity', ticketId: ticket.id, finding: severity });
    ctx.send({ ticketId: ticket.id, severity, reason: `keywords in "${ticket.subject}"` });
  },
});

const components: readonly { words: readonly string[]; component: string; owner: string }[] = [
  { words: ['upload', 'pdf'], component: 'uploads', owner: 'files team' },
  { words: ['dashboard', 'chart'], component: 'dashboard', owner: 'insights team' },
  { words: ['login', 'password'], component: 'auth', owner: 'identity team' },
];

const componentAnalyst = executor({
  id: 'component-analyst',
  input: ticketSchema,
  output: componentSchema,
  handle: async (ticket, ctx) => {
    await delay(30, ctx.signal);
    const match = components.find((c) => has(`${ticket.subject} ${ticket.body}`, c.words) > 0);
    const component = match?.component ?? 'unknown';
    ctx.emit('analysis.done', { analyst: 'component', ticketId: ticket.id, finding: component });
    ctx.send({ ticketId: ticket.id, component, owner: match?.owner ?? 'triage rotation' });
  },
});

const reproAnalyst = executor({
  id: 'repro-analyst',
  input: ticketSchema,
  output: reproSchema,
  handle: async (ticket, ctx) => {
    await delay(40, ctx.signal);
    const reproducible = has(ticket.body, ['every time', 'always', 'reproducible']) > 0;
    ctx.emit('analysis.done', { analyst: 'repro', ticketId: ticket.id, finding: reproducible ? 'reproducible' : 'needs steps' });
    ctx.send({ ticketId: ticket.id, reproducible, note: reproducible ? 'steps in the ticket' : 'ask the customer for steps' });
  },
});

const bugReport = executor({
  id: 'bug-report',
  // A fan-in target receives one array: one message per source, in source order.
  input: z.tuple([severitySchema, componentSchema, reproSchema]),
  initialState: { filed: 0 }, // executor state: survives across supersteps, private to this run
  handle: ([severity, component, repro], ctx) => {
    if (severity.ticketId !== component.ticketId || severity.ticketId !== repro.ticketId) {
      throw new Error(`fan-in mixed up tickets: ${severity.ticketId}, ${component.ticketId}, ${repro.ticketId}`);
    }
    ctx.setState((state) => {
      state.filed += 1;
    });
    const number = `BUG-${ctx.state.filed}`; // ctx.state already shows this invocation's own write
    ctx.emit('report.filed', { ticketId: severity.ticketId, number });
    const decision: Decision = {
      ticketId: severity.ticketId,
      route: 'engineering',
      priority: severity.severity,
      action: `File ${number} for the ${component.owner}`,
      report: { number, component: component.component, owner: component.owner, reproducible: repro.reproducible },
    };
    ctx.output(decision);
  },
});

// ── The graph: every edge below is type-checked against the executors' schemas ──

export const triage = new WorkflowBuilder({ name: 'ticket-triage', start: intake, output: decisionSchema })
  .addEdge(intake, classify)
  .addSwitch(classify, [
    { when: (m) => m.category === 'bug', to: bugDesk },
    { when: (m) => m.category === 'billing', to: billingDesk },
    { otherwise: frontDesk }, // questions and everything else
  ])
  .addFanOut(bugDesk, [severityAnalyst, componentAnalyst, reproAnalyst])
  .addFanIn([severityAnalyst, componentAnalyst, reproAnalyst], bugReport)
  .build();

export default triage;

// ── Run it (only as the program: `weft run examples/triage.ts` imports the workflow above and runs it itself) ──

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

async function main(): Promise<void> {
  /** The embedded inbox, shared with `npm start` (`--input @examples/tickets.json`). */
  const inbox: Ticket[] = z.array(ticketSchema).parse(JSON.parse(readFileSync(new URL('./tickets.json', import.meta.url), 'utf8')));

  const ownTickets = process.argv.slice(2).filter((text) => text.trim() !== '');
  const tickets: Ticket[] = ownTickets.length > 0 ? ownTickets.map((text, i) => ({ id: `T-${i + 1}`, subject: text, body: text })) : inbox;

  console.log(`Triaging ${tickets.length} ticket${tickets.length === 1 ? '' : 's'} with workflow "${triage.name}"\n`);

  const run = triage.start(tickets);
  const events: WorkflowEvent[] = [];
  let analysts: { superstep: number; startedAt: number; busyMs: number; invocations: number } | undefined;
  run.events$.subscribe((event) => {
    events.push(event);
    switch (event.type) {
      case 'superstep.started':
        console.log(`superstep ${event.superstep}: ${event.executorIds.join(', ')}`);
        if (event.executorIds.includes(severityAnalyst.id)) analysts = { superstep: event.superstep, startedAt: event.at, busyMs: 0, invocations: 0 };
        break;
      case 'custom':
        console.log(`  ${event.executorId.padEnd(18)} ${event.name.padEnd(17)} ${formatData(event.data)}`);
        break;
      case 'executor.completed':
        if (analysts?.superstep === event.superstep) {
          analysts.busyMs += event.durationMs;
          analysts.invocations += 1;
        }
        break;
      case 'superstep.completed':
        if (analysts?.superstep === event.superstep) {
          const wall = event.at - analysts.startedAt;
          console.log(
            `  (the analysts ran side by side: ${analysts.invocations} invocations, ${Math.round(analysts.busyMs)} ms of work in ${wall} ms)`,
          );
        }
        break;
      default:
        break;
    }
  });

  const result = await run.result;

  console.log(`\nDone in ${result.supersteps} supersteps. Decisions:\n`);
  console.log(`  ticket  route        prio  action`);
  for (const d of result.outputs) {
    const extra = d.report === undefined ? '' : ` [${d.report.component}, ${d.report.reproducible ? 'reproducible' : 'not yet reproduced'}]`;
    console.log(`  ${d.ticketId.padEnd(7)} ${d.route.padEnd(12)} ${d.priority}    ${d.action}${extra}`);
  }
  console.log(`\nShared state at the end: byCategory = ${JSON.stringify(result.shared['byCategory'])}`);
  console.log(`\nThe graph as Mermaid (paste it into https://mermaid.live):\n\n${triage.toMermaid()}\n`);

  // ── Check the result ──

  check(result.status === 'completed', 'the run completes');
  check(result.outputs.length === tickets.length, `one decision per ticket (got ${result.outputs.length})`);
  check(new Set(result.outputs.map((d) => d.ticketId)).size === tickets.length, 'no ticket decided twice');

  if (ownTickets.length === 0) {
    const expected: Record<string, [Decision['route'], Decision['priority'], string?]> = {
      'T-101': ['engineering', 'P1', 'BUG-1'],
      'T-102': ['billing', 'P2'],
      'T-103': ['front-desk', 'P3'],
      'T-104': ['engineering', 'P2', 'BUG-2'],
      'T-105': ['front-desk', 'P3'],
      'T-106': ['billing', 'P3'],
      'T-107': ['engineering', 'P3', 'BUG-3'],
    };
    for (const d of result.outputs) {
      const [route, priority, report] = expected[d.ticketId] ?? [];
      check(
        d.route === route && d.priority === priority && d.report?.number === report,
        `${d.ticketId}: expected ${route} ${priority} ${report ?? ''}, got ${JSON.stringify(d)}`,
      );
    }
    // Outputs are ordered by superstep, then graph order, then call order: desks (superstep 3) before bug reports (superstep 5).
    const order = result.outputs.map((d) => d.ticketId).join(' ');
    check(order === 'T-102 T-106 T-103 T-105 T-101 T-104 T-107', `output order, got ${order}`);
    check(
      JSON.stringify(result.shared['byCategory']) === JSON.stringify({ bug: 3, billing: 2, question: 1, other: 1 }),
      'category counts in shared state',
    );
    const custom = events.filter((e) => e.type === 'custom');
    check(custom.filter((e) => e.name === 'analysis.done').length === 9, 'three analysts × three bug tickets');
    check(custom.filter((e) => e.name === 'ticket.classified').length === 7, 'one ticket.classified event per ticket');
  }
  check(events.at(-1)?.type === 'run.completed', 'the event stream ends with run.completed');
  console.log('triage: all checks passed');
}

function formatData(data: unknown): string {
  return Object.entries(data as Record<string, unknown>)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`triage example check failed: ${message}`);
}
