import { isWeftError, type AttachableRun, type PendingRequest, type RequestError, type WorkflowEvent } from '../index.js';
import { isApprovalRequest, type ApprovalDecision, type ApprovalRequest } from './approval.js';

/** Who made a decision recorded by an approval gate. */
export type ApprovalDecider = 'policy' | 'timeout' | 'error';

/** One decision of an approval gate, for the audit trail. */
export interface ApprovalRecord {
  readonly requestId: string;
  /** The run asked in; undefined for requests given to `gate.decide()` directly. */
  readonly runId: string | undefined;
  readonly executorId: string;
  /** Ids from the outermost workflow down to the asking executor. */
  readonly path: readonly string[];
  readonly description: string;
  readonly input: unknown;
  readonly decision: ApprovalDecision;
  /** `'policy'`: onRequest decided; `'timeout'`: it did not in time; `'error'`: it threw or gave an invalid decision. Only `'policy'` can approve. */
  readonly decidedBy: ApprovalDecider;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** Options of {@link createApprovalGate}. */
export interface ApprovalGateOptions {
  /** Decides one approval request: a policy, a chat bot, a webhook round trip. */
  readonly onRequest: (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;
  /** Told about every decision once it is recorded. */
  readonly onDecision?: (record: ApprovalRecord) => void;
  /** Rejects a request that `onRequest` has not decided after this many milliseconds. */
  readonly timeoutMs?: number;
}

/** The part of a started or resumed run (`workflow.start()`, `workflow.resume()`) a gate needs. */
export type GatedRun = AttachableRun;

/** Answers approval requests from code; see {@link createApprovalGate}. */
export interface ApprovalGate {
  /**
   * Answers every approval request of a started or resumed run, those already pending included; returns a function that
   * stops it. `workflow.start(input, { approvals: gate })` attaches it for you.
   */
  attach(run: GatedRun): () => void;
  /** Decides one request without answering it, e.g. for `workflow.resume(id, { responses })`; the decision is recorded. */
  decide(request: ApprovalRequest): Promise<ApprovalDecision>;
  /** Every decision so far, oldest first. */
  readonly decisions: readonly ApprovalRecord[];
}

const reject = (reason: string): ApprovalDecision => ({ approved: false, reason });
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Answers approval requests (from `withApproval`) from code, and keeps an audit trail. A request that
 * `onRequest` does not decide within `timeoutMs` is rejected; one whose `onRequest` throws, or returns a decision the
 * run refuses, is rejected too. Requests that are not approvals are left for others to answer.
 * @example
 * const gate = createApprovalGate({ onRequest: (r) => ({ approved: (r.payload.input as Refund).amount <= 50 }), timeoutMs: 60_000 });
 * const run = workflow.start(ticket);
 * gate.attach(run);
 */
export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  if (typeof options?.onRequest !== 'function') throw new TypeError('createApprovalGate needs onRequest(request), which returns a decision.');
  const { timeoutMs } = options;
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new TypeError(`createApprovalGate: timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
  const decisions: ApprovalRecord[] = [];

  const record = (request: ApprovalRequest, runId: string | undefined, decision: ApprovalDecision, decidedBy: ApprovalDecider): void => {
    const entry: ApprovalRecord = Object.freeze({
      requestId: request.id,
      runId,
      executorId: request.payload.executorId,
      path: request.path,
      description: request.payload.description,
      input: request.payload.input,
      decision,
      decidedBy,
      at: Date.now(),
    });
    decisions.push(entry);
    options.onDecision?.(entry);
  };

  /** What onRequest decides, or a rejection when it throws, gives something that is not a decision, or is too slow. */
  const ask = (
    request: ApprovalRequest,
    cancelled: AbortSignal | undefined,
  ): Promise<{ decision: ApprovalDecision; by: ApprovalDecider } | undefined> =>
    new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: { decision: ApprovalDecision; by: ApprovalDecider } | undefined): void => {
        if (timer !== undefined) clearTimeout(timer);
        cancelled?.removeEventListener('abort', onCancel);
        resolve(outcome);
      };
      const onCancel = (): void => finish(undefined);
      if (cancelled?.aborted === true) return finish(undefined);
      cancelled?.addEventListener('abort', onCancel, { once: true });
      if (timeoutMs !== undefined)
        timer = setTimeout(() => finish({ decision: reject(`No decision within ${timeoutMs} ms.`), by: 'timeout' }), timeoutMs);
      Promise.resolve()
        .then(() => options.onRequest(request))
        .then(
          (decision) =>
            typeof decision === 'object' && decision !== null && typeof decision.approved === 'boolean'
              ? finish({ decision, by: 'policy' })
              : finish({ decision: reject(`onRequest gave ${JSON.stringify(decision)}, which is not a decision.`), by: 'error' }),
          (error: unknown) => finish({ decision: reject(`onRequest failed: ${message(error)}`), by: 'error' }),
        );
    });

  const answer = async (run: GatedRun, request: ApprovalRequest, cancelled: AbortSignal): Promise<void> => {
    const outcome = await ask(request, cancelled);
    if (outcome === undefined) return;
    let { decision, by } = outcome;
    try {
      await run.respond(request.id, decision);
    } catch (error) {
      if (!isWeftError(error) || error.code !== 'request_invalid') throw error;
      if ((error as RequestError).reason !== 'invalid_response') return; // answered elsewhere first, or the run is over
      decision = reject(`The decision was refused: ${error.message}`);
      by = 'error';
      try {
        await run.respond(request.id, decision);
      } catch {
        return;
      }
    }
    record(request, run.runId, decision, by);
  };

  return {
    attach(run) {
      const stop = new AbortController();
      const seen = new Set<string>();
      const take = (request: PendingRequest): void => {
        if (!isApprovalRequest(request) || seen.has(request.id)) return;
        seen.add(request.id);
        void answer(run, request, stop.signal);
      };
      const subscription = run.events$.subscribe({
        next: (event: WorkflowEvent) => {
          if (event.type === 'request.created') take(event.request);
          else if (event.type === 'run.waiting' && event.path.length === 0) for (const request of event.requests) take(request); // a resumed run's older requests
        },
        complete: () => stop.abort(),
      });
      for (const request of run.pendingRequests) take(request);
      return () => {
        subscription.unsubscribe();
        stop.abort();
      };
    },
    async decide(request) {
      if (!isApprovalRequest(request)) throw new TypeError(`Request "${(request as PendingRequest).id}" is not an approval request.`);
      const outcome = (await ask(request, undefined)) as { decision: ApprovalDecision; by: ApprovalDecider };
      record(request, undefined, outcome.decision, outcome.by);
      return outcome.decision;
    },
    get decisions() {
      return decisions.slice();
    },
  };
}
