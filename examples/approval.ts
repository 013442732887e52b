/**
 * Human in the loop: a refund above the limit waits for a person's approval, and the answer resumes the run
 * from its checkpoint, as it would in another process days later.
 *
 *   npx tsx examples/approval.ts              asks on the terminal: Approve refund of $249.00 for …? [y/n]
 *   npx tsx examples/approval.ts --approve    answers from the flag (or --reject)
 *
 * Without a terminal and without a flag (as under `npm run examples`) it approves automatically and says so.
 *
 * 1. The run goes until nothing is left but the pending request: `status: 'waiting'`, with a checkpoint in a
 *    SQLite file. The process could end here; the run lives in the file.
 * 2. The answer is given to a freshly built workflow with `workflow.resume(checkpointId, { checkpoints,
 *    responses })`. The approver's `response` schema is declared on the executor, so the answer is validated
 *    even though the process that asked is gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { z } from 'zod';
import { RequestError, WorkflowBuilder, executor, fromFunction } from 'weft';
import { SqliteCheckpointStore } from 'weft/sqlite';

const AUTO_APPROVE_UP_TO = 50;

const refundSchema = z.object({ orderId: z.string(), customer: z.string(), amount: z.number().positive(), reason: z.string() });
type Refund = z.infer<typeof refundSchema>;
const decisionSchema = z.object({ refund: refundSchema, approved: z.boolean(), by: z.string(), note: z.string().optional() });
type Decision = z.infer<typeof decisionSchema>;

const dollars = (amount: number): string => `$${amount.toFixed(2)}`;
const question = (refund: Refund): string =>
  `Approve refund of ${dollars(refund.amount)} for order ${refund.orderId} (${refund.customer}: ${refund.reason})?`;

/** Builds the workflow. Called twice below: once to start the run, once, fresh, to resume it. */
function buildWorkflow() {
  const assess = fromFunction('assess', (refund: Refund) => refund, { input: refundSchema, output: refundSchema });

  const autoApprove = fromFunction('auto-approve', (refund: Refund): Decision => ({ refund, approved: true, by: 'policy' }), {
    output: decisionSchema,
  });

  const approver = executor({
    id: 'approver',
    input: refundSchema,
    output: decisionSchema,
    // The shape of an answer: checked before onResponse runs, also after a restart.
    response: z.object({ approved: z.boolean(), note: z.string().optional() }),
    initialState: { refund: null as Refund | null },
    handle: (refund, ctx) => {
      ctx.setState((state) => {
        state.refund = refund; // kept in the checkpoint until the answer comes
      });
      ctx.request({ question: question(refund), refund });
    },
    onResponse: (answer, _request, ctx) => {
      const refund = ctx.state.refund;
      if (refund === null) throw new Error('an answer arrived, but no refund is waiting for one');
      ctx.send({ refund, approved: answer.approved, by: 'a human', ...(answer.note === undefined ? {} : { note: answer.note }) });
    },
  });

  const settle = executor({
    id: 'settle',
    input: decisionSchema,
    handle: (decision, ctx) => {
      const { refund, approved, by, note } = decision;
      ctx.output({
        orderId: refund.orderId,
        status: approved ? 'refunded' : 'declined',
        amount: approved ? refund.amount : 0,
        by,
        ...(note === undefined ? {} : { note }),
      });
    },
  });

  return new WorkflowBuilder({ name: 'refund', start: assess })
    .addSwitch(assess, [{ when: (refund) => refund.amount <= AUTO_APPROVE_UP_TO, to: autoApprove }, { otherwise: approver }])
    .addEdge(autoApprove, settle)
    .addEdge(approver, settle)
    .build();
}

/** The answer: from a flag, from the person at the terminal, or, with neither, an automatic approval. Undefined: no answer (Ctrl+D). */
async function decide(refund: Refund): Promise<{ approved: boolean; note?: string } | undefined> {
  if (process.argv.includes('--approve')) return { approved: true, note: 'approved with --approve' };
  if (process.argv.includes('--reject')) return { approved: false, note: 'rejected with --reject' };
  if (process.stdin.isTTY === true && process.stdout.isTTY === true) {
    const terminal = createInterface({ input: process.stdin, output: process.stdout });
    try {
      for (;;) {
        const answer = (await terminal.question(`  ${question(refund)} [y/n] `)).trim().toLowerCase();
        if (answer === 'y' || answer === 'yes') return { approved: true, note: 'approved on the terminal' };
        if (answer === 'n' || answer === 'no') return { approved: false, note: 'rejected on the terminal' };
      }
    } catch {
      return undefined; // the terminal closed without an answer
    } finally {
      terminal.close();
    }
  }
  console.log(`  ${question(refund)} [y/n] y   (no terminal and no --approve/--reject: approving automatically)`);
  return { approved: true, note: 'approved automatically by the example' };
}

const refund: Refund = { orderId: 'A-1042', customer: 'Ada Lovelace', amount: 249, reason: 'arrived broken' };
const directory = mkdtempSync(join(tmpdir(), 'weft-approval-'));
const file = join(directory, 'weft.db');

try {
  // ── 1. Run until the run waits for the approval ──

  const first = new SqliteCheckpointStore({ path: file });
  const waiting = await buildWorkflow().run(refund, { checkpoints: first });
  first.close(); // nothing of the run is left in memory that the next step needs
  const [request] = waiting.pendingRequests;
  console.log(
    `Run "${waiting.runId}" is ${waiting.status} after ${waiting.supersteps} supersteps; checkpoint ${waiting.checkpointId} is in ${file}.`,
  );
  check(
    waiting.status === 'waiting' && request !== undefined && waiting.checkpointId !== undefined,
    'the run waits for one answer, with a checkpoint',
  );
  check(request.executorId === 'approver' && waiting.outputs.length === 0, 'the approver asked, and nothing was paid out yet');
  console.log(`  pending request ${request.id} from "${request.executorId}": ${JSON.stringify(request.payload)}`);

  // ── 2. Later, anywhere: a fresh workflow and store resume the run with the answer ──

  const answer = await decide(refund);
  if (answer === undefined) {
    console.log(`\nNo answer: run "${waiting.runId}" stays waiting in its checkpoint (this example then deletes its temporary file).`);
    process.exitCode = 1;
  } else {
    const store = new SqliteCheckpointStore({ path: file });
    const workflow = buildWorkflow();
    try {
      // A wrong shape is refused before anything runs, because the executor declares its `response` schema.
      const refused = await workflow
        .resume(waiting.checkpointId, { checkpoints: store, responses: { [request.id]: { approved: 'sure' } } })
        .result.catch((error: unknown) => error);
      check(refused instanceof RequestError && refused.reason === 'invalid_response', 'an answer of the wrong shape is refused');
      console.log(`  (an answer { approved: 'sure' } was refused: ${refused.message})`);

      const result = await workflow.resume(waiting.checkpointId, { checkpoints: store, responses: { [request.id]: answer } });
      console.log(`Resumed: run "${result.runId}" ${result.status} after ${result.supersteps} supersteps.`);
      for (const output of result.outputs) console.log(`  output ${JSON.stringify(output)}`);

      // ── Check ──
      check(result.status === 'completed' && result.pendingRequests.length === 0, 'the run completed');
      check(result.runId === waiting.runId, 'resuming the latest checkpoint continues the same run');
      const expected = {
        orderId: refund.orderId,
        status: answer.approved ? 'refunded' : 'declined',
        amount: answer.approved ? refund.amount : 0,
        by: 'a human',
        note: answer.note,
      };
      check(JSON.stringify(result.outputs) === JSON.stringify([expected]), `the outcome follows the answer: ${JSON.stringify(expected)}`);
      const small = await workflow.run({ ...refund, orderId: 'A-1043', amount: 20 });
      check(
        small.status === 'completed' && JSON.stringify(small.outputs[0]).includes('"by":"policy"'),
        `a refund up to ${dollars(AUTO_APPROVE_UP_TO)} needs nobody`,
      );
    } finally {
      store.close();
    }
    console.log('approval: all checks passed');
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`approval example check failed: ${message}`);
}
