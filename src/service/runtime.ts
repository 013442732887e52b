import type { Subscription } from 'rxjs';
import { Observable } from 'rxjs/internal/Observable'; // not the index, which loads every operator
import type { CheckpointStore } from '../checkpoint/store.js';
import { CheckpointError, NotFoundError, RequestError } from '../errors.js';
import { approvalAnswer } from '../internal/approval-answer.js';
import type { AnswerOf, AnyExecutor, ApproveOptions, RejectOptions } from '../model/types.js';
import type { RunOptions } from '../runtime/run.js';
import { checkRunInput } from '../runtime/run-input.js';
import type { Workflow } from '../runtime/workflow.js';
import { activate, type Activation } from './activation.js';
import type { LeaseRequest, RunChanges, RunClaim, RunPage, RunQuery, RunRecord, RunStore, SerializedEvent } from './run-store.js';
import { crashLoop } from './crash-loop.js';
import { changesFor, isTerminalEvent } from './serialize.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The workflows it serves, by the name clients use. */
  readonly workflows: Readonly<Record<string, Workflow<any, any, any>>>;
  /** Runs, their events and their checkpoints. */
  readonly store: RunStore;
  /** Options for every run (limits, budget, limiter, durability…). */
  readonly runOptions?: Omit<RunOptions, 'checkpoints' | 'runId' | 'signal'>;
  /**
   * Hears of a write to the store that failed. The run is then stopped where it is, still `running` in the store,
   * so that it never runs ahead of what was recorded; `recover()` continues it once the store works again.
   * Default: `console.error`.
   */
  readonly onStoreError?: (error: unknown, runId: string) => void;
  /**
   * How long this process's hold on a run it drives lasts without renewal, in ms (default 30 000). It is renewed
   * every third of that; a process that stops renewing (it died, or its event loop was blocked that long) loses its
   * runs to the next `recover()` of any process once the lease expired. Shorter means faster takeover, more writes.
   */
  readonly leaseMs?: number;
  /**
   * How often a follower of a run that no activation of this process drives (one driven by another process, say)
   * reads the store for new events, in ms (default 500).
   */
  readonly pollMs?: number;
  /** The clock leases are taken and renewed by, in ms since the epoch (default `Date.now`); tests move it to expire leases. */
  readonly clock?: () => number;
  /** Store `custom` events emitted with `{ transient: true }` (such as token deltas) too; by default they are only sent live. */
  readonly storeTransientEvents?: boolean;
}

/**
 * How `invoke` answers, the same on a runtime, on the client (`client.workflows.invoke`) and over HTTP
 * (`POST /workflows/:name` with `{ input, wait }`): at once with `{ runId }`, or with `wait: true` once the run
 * completes, fails, is cancelled or waits, with `{ runId, run }`.
 */
export interface InvokeOptions {
  readonly wait?: boolean | undefined;
}

/** Runs workflows durably: every run and event is stored, waiting runs are answered later, crashed runs recovered. */
export interface Runtime {
  /** Starts a run and resolves with its id at once. Rejects with WorkflowInputError, storing nothing, when the input is invalid. */
  invoke(workflow: string, input: unknown, options?: { readonly wait?: false | undefined }): Promise<{ readonly runId: string }>;
  /** Starts a run and resolves once it completes, fails, is cancelled or waits, with its record. */
  invoke(workflow: string, input: unknown, options: { readonly wait: true }): Promise<{ readonly runId: string; readonly run: RunRecord }>;
  invoke(workflow: string, input: unknown, options?: InvokeOptions): Promise<{ readonly runId: string; readonly run?: RunRecord }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(query?: RunQuery): Promise<RunPage>;
  /**
   * The run's stored events (after `afterSeq`), then its live ones, each once and in `seq` order; an event is
   * stored, and the run's record updated, before it is emitted. Completes once the run is completed, failed or
   * cancelled, or once the runtime is closed.
   */
  events(runId: string, options?: { readonly afterSeq?: number }): Observable<SerializedEvent>;
  /**
   * Answers a pending request of a waiting run and continues it here, resolving once the run is `running` again; a
   * RequestError, changing nothing, when refused. The answer is a compare-and-set in the store on the run's waiting
   * checkpoint: of concurrent answers to one waiting run, from any processes, exactly one is taken; the others get
   * a RequestError `run_not_waiting`. The type argument types the answer: the asking executor's type
   * (`respond<typeof ask>`) or the answer's own type.
   */
  respond<T = unknown>(runId: string, requestId: string, value: NoInfer<AnswerOf<T>>): Promise<void>;
  /** Approves a request made by `withApproval` (`respond` with `{ approved: true, reason?, input? }`). */
  approve<TInput = unknown>(runId: string, requestId: string, options?: ApproveOptions<NoInfer<TInput>>): Promise<void>;
  /** Rejects a request made by `withApproval` (`respond` with `{ approved: false, reason? }`). */
  reject(runId: string, requestId: string, options?: RejectOptions): Promise<void>;
  /**
   * Cancels a running or waiting run; resolves with its record, unchanged if it had ended already. A run driven by
   * another process is cancelled by that process at its next commit or lease renewal: the record returned then
   * still says `running`.
   */
  cancel(runId: string): Promise<RunRecord>;
  /** Starts a new run (a fork) from one of a run's checkpoints: the original's input, that checkpoint's state and queue. */
  fork(runId: string, checkpointId: string): Promise<{ readonly runId: string }>;
  /** Continues a failed or cancelled run, as the same run, from its latest checkpoint (from its input when it has none); resolves once it runs. */
  resume(runId: string): Promise<RunRecord>;
  /** The checkpoints of every run, to read a run's history (`loadCheckpoint(runtime.checkpoints, id)`). */
  readonly checkpoints: CheckpointStore;
  /**
   * Continues every `running` run of the workflows it serves whose lease expired (its process died, or stopped
   * with `close()`), from its latest checkpoint; returns their ids. Runs another process still drives are left
   * alone, so call it on start and then every `leaseMs` or so, to take over from processes that die.
   */
  recover(): Promise<readonly string[]>;
  /**
   * Stops the runs in progress without marking them, drops what their current supersteps did, and gives up their
   * leases: a `recover()` in any process continues them at once.
   */
  close(): Promise<void>;
  /** The workflow names and the workflows. */
  readonly workflows: Readonly<Record<string, Workflow<any, any, any>>>;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Creates a durable runtime over a run store.
 * @example
 * const runtime = createRuntime({ workflows: { triage }, store: openSqliteRunStore('weft.db') });
 * await runtime.recover();
 * const { runId } = await runtime.invoke('triage', ticket);
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { workflows, store } = options;
  const onStoreError =
    options.onStoreError ??
    ((error: unknown, runId: string) =>
      console.error(`weft: a write to the run store failed for run "${runId}"; the run stops until recover():`, error));
  const ttlMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 500;
  for (const [key, value] of [
    ['leaseMs', ttlMs],
    ['pollMs', pollMs],
  ] as const) {
    if (!(Number.isInteger(value) && value > 0))
      throw new TypeError(`createRuntime: ${key} must be a positive integer (milliseconds), got ${String(value)}.`);
  }
  /** This process, as lease owner. */
  const owner = globalThis.crypto.randomUUID();
  const clock = options.clock ?? Date.now;
  const leaseRequest = (): LeaseRequest => ({ owner, now: clock(), ttlMs });
  const active = new Map<string, Activation>();
  let closed = false;

  const checkOpen = (): void => {
    if (closed) throw new Error('This runtime is closed; create a new one with createRuntime() (and call recover() on it) to go on.');
  };

  const workflowOf = (name: string): Workflow<any, any, any> => {
    const workflow = Object.hasOwn(workflows, name) ? workflows[name] : undefined;
    if (workflow === undefined) throw new NotFoundError('workflow', name, Object.keys(workflows));
    return workflow;
  };

  const storedEvents = (runId: string): Promise<readonly SerializedEvent[]> => store.readEvents(runId);
  const nextSeqOf = (events: readonly SerializedEvent[]): number => events.reduce((max, event) => Math.max(max, event.seq + 1), 0);

  // Followers of runs not live here (waiting, or driven elsewhere) look again whenever a run changes here, and every pollMs.
  const waiters = new Set<() => void>();
  let generation = 0;
  const notify = (): void => {
    generation += 1;
    for (const waiter of [...waiters]) waiter();
  };

  /** Drives a run this process holds the lease of. */
  const drive = (
    claim: RunClaim,
    firstSeq: number,
    source: Parameters<typeof activate>[1]['source'],
    onStarted?: (error?: unknown) => void,
    restore?: RunChanges,
  ): Activation => {
    const runId = claim.lease.runId;
    const activation: Activation = activate(
      { store, ttlMs, clock, onStoreError, storeTransientEvents: options.storeTransientEvents === true },
      {
        lease: claim.lease,
        firstSeq,
        source,
        ...(onStarted === undefined ? {} : { onStarted }),
        ...(restore === undefined ? {} : { restore }),
        onEnded: () => {
          if (active.get(runId) === activation) active.delete(runId);
          notify();
        },
      },
    );
    active.set(runId, activation);
    return activation;
  };

  /** Stores a new `running` run, leased to this process, and returns the claim to drive it with. */
  const createHeld = async (runId: string, workflow: string, input: unknown): Promise<RunClaim> => {
    const now = Date.now();
    const request = leaseRequest();
    await store.createRun(
      {
        id: runId,
        workflow,
        status: 'running',
        input,
        outputs: [],
        pendingRequests: [],
        error: undefined,
        checkpointId: undefined,
        createdAt: now,
        updatedAt: now,
      },
      request,
    );
    return { lease: { runId, owner, token: 1, expiresAt: request.now + ttlMs }, responses: {}, cancelRequested: false };
  };

  /** Ends a run whose lease this process holds with `run.cancelled`, without running it. */
  const cancelHeld = async (claim: RunClaim, status: string): Promise<void> => {
    const events = await storedEvents(claim.lease.runId);
    const at = Date.now();
    const event = {
      type: 'run.cancelled',
      runId: claim.lease.runId,
      seq: nextSeqOf(events),
      superstep: events.at(-1)?.superstep ?? 0,
      path: [],
      at,
      reason: `cancelled while ${status}`,
    } as SerializedEvent;
    await store.commitRun(claim.lease, {
      events: [event],
      changes: changesFor(event, at) as NonNullable<ReturnType<typeof changesFor>>,
      release: true,
    });
    notify();
  };

  /** Continues a run just claimed: from its latest checkpoint with the stored answers, or from its input before its first checkpoint. */
  const continueClaimed = async (claim: RunClaim, record: RunRecord): Promise<void> => {
    if (claim.cancelRequested) return cancelHeld(claim, record.status);
    const workflow = workflowOf(record.workflow);
    const events = await storedEvents(record.id);
    // Stopped between storing its terminal event and its status (a store of weft 0.1): only the status is missing.
    const last = events.at(-1);
    if (last !== undefined && isTerminalEvent(last)) {
      await store.commitRun(claim.lease, {
        events: [],
        changes: changesFor(last, Date.now()) as NonNullable<ReturnType<typeof changesFor>>,
        release: true,
      });
      return;
    }
    // Every earlier attempt took its process down at the same superstep: fail the run rather than loop.
    const looping = crashLoop(record.id, events);
    if (looping !== undefined) {
      const failed = {
        type: 'run.failed',
        runId: record.id,
        seq: nextSeqOf(events),
        superstep: last?.superstep ?? 0,
        path: [],
        at: Date.now(),
        error: looping,
      } as SerializedEvent;
      await store.commitRun(claim.lease, {
        events: [failed],
        changes: changesFor(failed, failed.at) as NonNullable<ReturnType<typeof changesFor>>,
        release: true,
      });
      return;
    }
    const latest = await store.checkpoints.latest(record.id);
    const runOptions = { ...options.runOptions, runId: record.id };
    const responses = claim.responses;
    drive(claim, nextSeqOf(events), (signal, checkpoints) =>
      latest === undefined
        ? workflow.stream(record.input, { ...runOptions, signal, checkpoints })
        : workflow.resumeStream(latest.id, { ...runOptions, signal, checkpoints, ...(Object.keys(responses).length === 0 ? {} : { responses }) }),
    );
  };

  // The run's checkpoints hold the input: refuse here, before storing the run, what the run itself would refuse.
  const checkInput = (workflow: Workflow<any, any, any>, name: string, input: unknown): Promise<void> =>
    checkRunInput(name, workflow.definition.executors.find((e: AnyExecutor) => e.id === workflow.definition.start) as AnyExecutor, input, true);

  const notWaiting = (runId: string, requestId: string, status: string): RequestError =>
    new RequestError(
      'run_not_waiting',
      `Run "${runId}" is ${status}, not waiting (or another answer was taken first); answer its requests once it waits (its status says so).`,
      { runId, requestId },
    );

  const runtime: Runtime = {
    workflows,
    checkpoints: store.checkpoints,

    invoke: (async (name: string, input: unknown, invokeOptions: InvokeOptions = {}) => {
      checkOpen();
      const workflow = workflowOf(name);
      await checkInput(workflow, name, input);
      const runId = globalThis.crypto.randomUUID();
      const claim = await createHeld(runId, name, input);
      if (closed) {
        // Closed meanwhile: give the run up, and the next recover() anywhere starts it.
        await store.commitRun(claim.lease, { events: [], release: true });
        return invokeOptions.wait === true ? { runId, run: (await store.getRun(runId)) as RunRecord } : { runId };
      }
      const run = drive(claim, 0, (signal, checkpoints) => workflow.stream(input, { ...options.runOptions, runId, signal, checkpoints }));
      if (invokeOptions.wait !== true) return { runId };
      await run.done;
      return { runId, run: (await store.getRun(runId)) as RunRecord };
    }) as Runtime['invoke'],

    getRun: (runId) => store.getRun(runId),
    listRuns: (query) => store.listRuns(query),

    events(runId, eventOptions = {}) {
      return new Observable<SerializedEvent>((subscriber) => {
        let last = eventOptions.afterSeq ?? -1;
        let inner: Subscription | undefined;
        let unsubscribed = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        // Changes another process made to the run (a store that several processes share tells of them): look again at once.
        let changes = 0;
        const unwatch = store.watch?.(runId, () => {
          changes += 1;
          if (waiters.has(retry)) retry();
        });
        const emit = (event: SerializedEvent): void => {
          // A live-only event shares the seq of the event before it: it passes once that one has.
          if (event.type === 'custom' && event.transient === true && !unsubscribed && event.seq >= last) return subscriber.next(event);
          if (unsubscribed || event.seq <= last) return;
          last = event.seq;
          subscriber.next(event);
        };
        const fail = (error: unknown): void => subscriber.error(error);
        // What is stored, then the activation live here, if any: what it committed is stored or in its history, then live.
        const follow = async (): Promise<void> => {
          inner?.unsubscribe();
          inner = undefined;
          if (unsubscribed) return;
          const run = active.get(runId);
          if ((await store.getRun(runId)) === undefined) throw new NotFoundError('run', runId);
          for (const event of await store.readEvents(runId, last)) emit(event);
          if (run === undefined) return settle();
          for (const event of run.history) emit(event);
          inner = run.live.subscribe({ next: emit, complete: () => void settle().catch(fail) });
        };
        // No activation here to follow: complete once terminal, otherwise look again when something changes here or pollMs passed.
        const settle = async (): Promise<void> => {
          if (unsubscribed) return;
          const seen = generation;
          const seenChanges = changes;
          const record = await store.getRun(runId);
          if (record === undefined) throw new NotFoundError('run', runId);
          // Read after taking note of `changes`: what another process appends from here on is told of.
          for (const event of await store.readEvents(runId, last)) emit(event);
          if (TERMINAL.has(record.status) || closed) {
            subscriber.complete();
          } else if (active.has(runId) || generation !== seen || changes !== seenChanges) await follow();
          else {
            waiters.add(retry);
            timer = setTimeout(retry, pollMs);
          }
        };
        const retry = (): void => {
          waiters.delete(retry);
          clearTimeout(timer);
          follow().catch(fail);
        };
        follow().catch(fail);
        return () => {
          unsubscribed = true;
          unwatch?.();
          waiters.delete(retry);
          clearTimeout(timer);
          inner?.unsubscribe();
        };
      });
    },

    async respond(runId, requestId, value) {
      checkOpen();
      let record = await store.getRun(runId);
      if (record === undefined) throw new NotFoundError('run', runId);
      // An activation here that reached run.waiting is ending: let it commit, then answer.
      const ending = active.get(runId);
      if (ending?.waiting === true) {
        await ending.done;
        record = (await store.getRun(runId)) as RunRecord;
      }
      const checkpointId = record.checkpointId;
      if (record.status !== 'waiting' || checkpointId === undefined) throw notWaiting(runId, requestId, record.status);
      const workflow = workflowOf(record.workflow);
      const responses = { [requestId]: value };
      const claim = await store.answerRun(runId, { checkpointId, responses }, leaseRequest());
      if (claim === undefined) throw notWaiting(runId, requestId, 'no longer waiting');
      const firstSeq = nextSeqOf(await storedEvents(runId));
      const restore: RunChanges = { status: 'waiting', updatedAt: record.updatedAt };
      try {
        checkOpen();
      } catch (error) {
        await store.commitRun(claim.lease, { events: [], changes: restore, release: true });
        throw error;
      }
      await new Promise<void>((resolve, reject) => {
        drive(
          claim,
          firstSeq,
          (signal, checkpoints) => workflow.resumeStream(checkpointId, { ...options.runOptions, runId, signal, checkpoints, responses }),
          (error) => (error === undefined ? resolve() : reject(error)),
          restore,
        );
      });
      notify();
    },

    approve: (runId, requestId, options) => runtime.respond(runId, requestId, approvalAnswer(true, options)),
    reject: (runId, requestId, options) => runtime.respond(runId, requestId, approvalAnswer(false, options)),

    async cancel(runId) {
      const run = active.get(runId);
      if (run !== undefined) {
        run.cancel();
        await run.done;
      }
      // Not live here: waiting for answers, driven by another process, or left by one that died. Each try is a compare-and-set.
      for (let attempt = 0; attempt < 10; attempt++) {
        const record = await store.getRun(runId);
        if (record === undefined) throw new NotFoundError('run', runId);
        if (TERMINAL.has(record.status)) return record;
        if (record.status === 'waiting' && record.checkpointId !== undefined) {
          const claim = await store.answerRun(runId, { checkpointId: record.checkpointId, responses: {}, cancel: true }, leaseRequest());
          if (claim !== undefined) await cancelHeld(claim, 'waiting');
          continue;
        }
        if (record.status === 'running') {
          const claim = await store.claimRun(runId, leaseRequest());
          if (claim !== undefined) await cancelHeld(claim, 'running');
          else if (await store.requestCancel(runId)) return (await store.getRun(runId)) as RunRecord; // its owner ends it
        }
      }
      return (await store.getRun(runId)) as RunRecord;
    },

    async fork(runId, checkpointId) {
      checkOpen();
      const record = await store.getRun(runId);
      if (record === undefined) throw new NotFoundError('run', runId);
      const checkpoint = await store.checkpoints.get(checkpointId);
      if (checkpoint === undefined || checkpoint.runId !== runId)
        throw new CheckpointError(
          'not_found',
          `Run "${runId}" has no checkpoint "${checkpointId}"; list its checkpoints with runtime.checkpoints.list(runId).`,
          { runId, checkpointId },
        );
      const workflow = workflowOf(record.workflow);
      const forkId = globalThis.crypto.randomUUID();
      const claim = await createHeld(forkId, record.workflow, record.input);
      if (closed)
        await store.commitRun(claim.lease, { events: [], release: true }); // the next recover() anywhere starts it
      else
        drive(claim, 0, (signal, checkpoints) => workflow.resumeStream(checkpointId, { ...options.runOptions, runId: forkId, signal, checkpoints }));
      return { runId: forkId };
    },

    async resume(runId) {
      checkOpen();
      const record = await store.getRun(runId);
      if (record === undefined) throw new NotFoundError('run', runId);
      if (record.status !== 'failed' && record.status !== 'cancelled') {
        throw new RequestError(
          'run_not_waiting',
          `Run "${runId}" is ${record.status}; only a failed or cancelled run can be resumed (answer a waiting run's requests instead).`,
          { runId },
        );
      }
      const workflow = workflowOf(record.workflow);
      // Reopened, then claimed: of concurrent resumes (in any processes) exactly one claim succeeds and drives it.
      // The cancel request that stopped it is spent: it must not cancel the resumed run again.
      await store.updateRun(runId, { status: 'running', error: undefined, clearCancel: true, updatedAt: Date.now() });
      const claim = await store.claimRun(runId, leaseRequest());
      if (claim !== undefined) {
        const latest = await store.checkpoints.latest(runId);
        const runOptions = { ...options.runOptions, runId };
        drive(claim, nextSeqOf(await storedEvents(runId)), (signal, checkpoints) =>
          latest === undefined
            ? workflow.stream(record.input, { ...runOptions, signal, checkpoints })
            : workflow.resumeStream(latest.id, { ...runOptions, signal, checkpoints }),
        );
      }
      notify();
      return (await store.getRun(runId)) as RunRecord;
    },

    async recover() {
      checkOpen();
      const running: string[] = [];
      for (let cursor: string | undefined, page: RunPage; ; cursor = page.nextCursor) {
        page = await store.listRuns({ status: 'running', limit: 500, ...(cursor === undefined ? {} : { cursor }) });
        for (const run of page.runs) if (Object.hasOwn(workflows, run.workflow) && !active.has(run.id)) running.push(run.id); // another deployment may serve the others
        if (page.nextCursor === undefined) break;
      }
      const recovered: string[] = [];
      for (const id of running) {
        if (closed) break;
        const claim = await store.claimRun(id, leaseRequest());
        if (claim === undefined) continue; // another process drives it
        const record = (await store.getRun(id)) as RunRecord;
        try {
          await continueClaimed(claim, record);
          recovered.push(id);
        } catch (error) {
          onStoreError(error, id);
          await store.commitRun(claim.lease, { events: [], release: true }).catch(() => undefined);
        }
      }
      notify();
      return recovered;
    },

    async close() {
      closed = true;
      await Promise.all([...active.values()].map((run) => run.stop()));
      notify();
    },
  };

  return runtime;
}
