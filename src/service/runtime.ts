import { Observable, Subject, type Subscription } from 'rxjs';
import { isWeftError, NotFoundError, RequestError } from '../errors.js';
import type { EventStream } from '../events/event-stream.js';
import type { WorkflowEvent } from '../events/events.js';
import type { AnyExecutor } from '../model/types.js';
import type { RunOptions } from '../runtime/run.js';
import { checkRunInput } from '../runtime/run-input.js';
import type { Workflow } from '../runtime/workflow.js';
import type { RunChanges, RunPage, RunQuery, RunRecord, RunStore, SerializedError, SerializedEvent } from './run-store.js';

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
}

/** Runs workflows durably: every run and event is stored, waiting runs are answered later, crashed runs recovered. */
export interface Runtime {
  /** Starts a run; with `wait: true` resolves once it completes, fails, is cancelled or waits. Rejects with WorkflowInputError, storing nothing, when the input is invalid. */
  invoke(workflow: string, input: unknown, options?: { readonly wait?: boolean }): Promise<{ readonly runId: string; readonly result?: RunRecord }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(query?: RunQuery): Promise<RunPage>;
  /**
   * The run's stored events (after `afterSeq`), then its live ones, each once and in `seq` order; an event is
   * stored, and the run's record updated, before it is emitted. Completes once the run is completed, failed or
   * cancelled, or once the runtime is closed.
   */
  events(runId: string, options?: { readonly afterSeq?: number }): Observable<SerializedEvent>;
  /**
   * Answers a pending request of a waiting run and continues it, resolving once the run is `running` again; a
   * RequestError, changing nothing, when refused. Answers to one run are taken one at a time.
   */
  respond(runId: string, requestId: string, value: unknown): Promise<void>;
  /** Cancels a running or waiting run; resolves with its record, unchanged if it had ended already. */
  cancel(runId: string): Promise<RunRecord>;
  /** Continues every run a previous process left `running`, from its latest checkpoint; returns their ids. */
  recover(): Promise<readonly string[]>;
  /** Stops the runs in progress without marking them, once what they emitted is stored: a later `recover()` continues them. */
  close(): Promise<void>;
  /** The workflow names and the workflows. */
  readonly workflows: Readonly<Record<string, Workflow<any, any, any>>>;
}

/** One activation of a run in this process: from invoke, respond or recover until its stream ends. */
interface ActiveRun {
  readonly abort: AbortController;
  readonly live: Subject<SerializedEvent>;
  /** Every event of this activation emitted so far, so a follower misses none between reading the store and subscribing. */
  readonly history: SerializedEvent[];
  /** Resolves once the stream has ended (or was stopped) and everything it emitted is stored. */
  readonly done: Promise<void>;
  /** The activation has emitted `run.waiting`: it is ending and the run will wait for answers. */
  waiting: boolean;
  stop(): void;
}

interface Pending {
  readonly event: SerializedEvent;
  readonly changes: RunChanges | undefined;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const isTerminalEvent = (event: SerializedEvent): boolean => event.path.length === 0 && (event.type === 'run.completed' || event.type === 'run.failed' || event.type === 'run.cancelled');

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, code: isWeftError(error) ? error.code : undefined, message: error.message };
  return { name: 'Error', code: undefined, message: String(error) };
}

const plain = (_key: string, value: unknown): unknown => (value instanceof Error ? serializeError(value) : typeof value === 'bigint' ? value.toString() : value);

/** Repeated objects become '[Circular]': only used when plain JSON failed, so shared (acyclic) values are rare here. */
function withoutCycles(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (key, value) => {
    const converted = plain(key, value);
    if (typeof converted !== 'object' || converted === null) return converted;
    if (seen.has(converted)) return '[Circular]';
    seen.add(converted);
    return converted;
  };
}

/** The event as JSON gives it back, so live events equal the stored ones whatever the store. */
function serializeEvent(event: WorkflowEvent, seq: number): SerializedEvent {
  const fields = { ...event, ...('error' in event ? { error: serializeError(event.error) } : {}), seq };
  let text: string;
  try {
    text = JSON.stringify(fields, plain);
  } catch {
    text = JSON.stringify(fields, withoutCycles());
  }
  return JSON.parse(text) as SerializedEvent;
}

/** What a run-level event changes in the run's record. */
function changesFor(event: SerializedEvent, updatedAt: number): RunChanges | undefined {
  if (event.path.length > 0) return undefined;
  switch (event.type) {
    case 'run.started':
      return { status: 'running', updatedAt };
    case 'checkpoint.saved':
      return { checkpointId: event.checkpointId, updatedAt };
    case 'run.waiting':
      return { status: 'waiting', pendingRequests: event.requests, updatedAt };
    case 'run.completed':
      return { status: 'completed', outputs: event.outputs, pendingRequests: [], updatedAt };
    case 'run.cancelled':
      return { status: 'cancelled', pendingRequests: [], updatedAt };
    case 'run.failed':
      // JSON dropped an undefined `code`; the record keeps the key.
      return { status: 'failed', error: { name: event.error.name, code: event.error.code ?? undefined, message: event.error.message }, pendingRequests: [], updatedAt };
    default:
      return undefined;
  }
}

/**
 * Creates a durable runtime over a run store.
 * @example
 * const runtime = createRuntime({ workflows: { triage }, store: openSqliteRunStore('weft.db') });
 * await runtime.recover();
 * const { runId } = await runtime.invoke('triage', ticket);
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { workflows, store } = options;
  const onStoreError = options.onStoreError ?? ((error: unknown, runId: string) => console.error(`weft: a write to the run store failed for run "${runId}"; the run stops until recover():`, error));
  const active = new Map<string, ActiveRun>();
  /** The next `seq` of runs that wait here for answers (others read it from the store when needed). */
  const nextSeq = new Map<string, number>();
  /** respond, cancel and recover of one run take turns, so that no two activations of a run ever overlap. */
  const turns = new Map<string, Promise<void>>();
  let closed = false;

  const exclusive = <T>(runId: string, work: () => Promise<T>): Promise<T> => {
    const result = (turns.get(runId) ?? Promise.resolve()).then(work);
    const turn = result.then(
      () => undefined,
      () => undefined,
    );
    turns.set(runId, turn);
    void turn.then(() => {
      if (turns.get(runId) === turn) turns.delete(runId);
    });
    return result;
  };

  const checkOpen = (): void => {
    if (closed) throw new Error('This runtime is closed; create a new one with createRuntime() (and call recover() on it) to go on.');
  };

  const workflowOf = (name: string): Workflow<any, any, any> => {
    const workflow = Object.hasOwn(workflows, name) ? workflows[name] : undefined;
    if (workflow === undefined) throw new NotFoundError('workflow', name, Object.keys(workflows));
    return workflow;
  };

  const storedSeqAfter = async (runId: string): Promise<number> =>
    nextSeq.get(runId) ?? (await store.readEvents(runId)).reduce((max, event) => Math.max(max, event.seq + 1), 0);

  /**
   * Runs a stream to its end, numbering its events from `firstSeq`, storing each (in batches, in order) with the
   * record's changes, and only then emitting it live. `onStarted` (respond) hears of `run.started` once stored,
   * or of an error before it: a refused answer, after which nothing is written.
   */
  const drive = (runId: string, firstSeq: number, source: (signal: AbortSignal) => EventStream<WorkflowEvent>, onStarted?: (error?: unknown) => void): ActiveRun => {
    const abort = new AbortController();
    const live = new Subject<SerializedEvent>();
    const history: SerializedEvent[] = [];
    let seq = firstSeq;
    let started = false;
    let terminal = false;
    let batch: Pending[] = [];
    let writes: Promise<void> = Promise.resolve();
    let subscription: Subscription | undefined;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    let told = onStarted === undefined;
    const tell = (error?: unknown): void => {
      if (told) return;
      told = true;
      onStarted?.(error);
    };

    const flush = async (): Promise<void> => {
      const items = batch;
      batch = [];
      let changes: RunChanges | undefined;
      for (const item of items) if (item.changes !== undefined) changes = { ...changes, ...item.changes };
      const startedNow = items.some((item) => item.event.type === 'run.started' && item.event.path.length === 0);
      try {
        await store.appendEvents(runId, items.map((item) => item.event));
        if (changes !== undefined) await store.updateRun(runId, changes);
      } finally {
        for (const item of items) {
          history.push(item.event);
          live.next(item.event);
        }
        if (startedNow) tell();
      }
    };
    const enqueue = (event: SerializedEvent, changes: RunChanges | undefined): void => {
      batch.push({ event, changes });
      // One write per burst of events: those emitted while the previous write is under way go together.
      if (batch.length === 1) writes = writes.then(flush).catch(storeFailed);
    };
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      void writes.then(() => {
        if (active.get(runId) === run) active.delete(runId);
        if (run.waiting && !terminal) nextSeq.set(runId, seq);
        else nextSeq.delete(runId);
        // Stopped by close() before the run continued: the answer was not taken.
        tell(new Error(`The runtime closed before run "${runId}" continued; the answer was not taken. Answer it again once a new runtime serves the run.`));
        live.complete();
        resolveDone();
      });
    };
    let broken = false;
    const storeFailed = (error: unknown): void => {
      if (broken) return;
      broken = true;
      onStoreError(error, runId);
      subscription?.unsubscribe(); // cancels the engine: nothing more runs that the store did not record
      end();
    };
    const fail = (error: unknown): void => {
      // A stream that ends in error without a run-level terminal event (e.g. options refused before the run started) still gets one.
      const event = { type: 'run.failed', runId, seq: seq++, superstep: 0, path: [], at: Date.now(), error: serializeError(error) } as SerializedEvent;
      terminal = true;
      enqueue(event, changesFor(event, event.at));
    };

    const run: ActiveRun = {
      abort,
      live,
      history,
      done,
      waiting: false,
      stop: () => {
        subscription?.unsubscribe();
        end();
      },
    };
    active.set(runId, run);
    nextSeq.delete(runId);
    subscription = source(abort.signal).subscribe({
      next: (event) => {
        const stored = serializeEvent(event, seq++);
        if (event.path.length === 0) {
          if (event.type === 'run.started') started = true;
          else if (event.type === 'run.waiting') run.waiting = true;
          else if (isTerminalEvent(stored)) terminal = true;
        }
        enqueue(stored, changesFor(stored, Date.now()));
      },
      error: (error: unknown) => {
        if (!started && onStarted !== undefined) tell(error);
        else if (!terminal) fail(error);
        end();
      },
      complete: end,
    });
    return run;
  };

  // The run's checkpoints hold the input: refuse here, before storing the run, what the run itself would refuse.
  const checkInput = (workflow: Workflow<any, any, any>, name: string, input: unknown): Promise<void> =>
    checkRunInput(name, workflow.definition.executors.find((e: AnyExecutor) => e.id === workflow.definition.start) as AnyExecutor, input, true);

  // Followers of runs not live here (waiting, or left running) look again whenever a run is answered, cancelled or recovered.
  const waiters = new Set<() => void>();
  let generation = 0;
  const notify = (): void => {
    generation += 1;
    for (const waiter of [...waiters]) waiter();
  };

  const runtime: Runtime = {
    workflows,

    async invoke(name, input, invokeOptions = {}) {
      checkOpen();
      const workflow = workflowOf(name);
      await checkInput(workflow, name, input);
      const runId = globalThis.crypto.randomUUID();
      const now = Date.now();
      await store.createRun({ id: runId, workflow: name, status: 'running', input, outputs: [], pendingRequests: [], error: undefined, checkpointId: undefined, createdAt: now, updatedAt: now });
      // Closed meanwhile: the run is stored as running, and the next runtime's recover() starts it.
      if (closed) return invokeOptions.wait === true ? { runId, result: (await store.getRun(runId)) as RunRecord } : { runId };
      const run = drive(runId, 0, (signal) => workflow.stream(input, { ...options.runOptions, runId, signal, checkpoints: store.checkpoints }));
      if (invokeOptions.wait !== true) return { runId };
      await run.done;
      return { runId, result: (await store.getRun(runId)) as RunRecord };
    },

    getRun: (runId) => store.getRun(runId),
    listRuns: (query) => store.listRuns(query),

    events(runId, eventOptions = {}) {
      return new Observable<SerializedEvent>((subscriber) => {
        let last = eventOptions.afterSeq ?? -1;
        let inner: Subscription | undefined;
        let unsubscribed = false;
        // Changes another process made to the run (stores shared by several processes tell of them): look again.
        let changes = 0;
        const unwatch = store.watch?.(runId, () => {
          changes += 1;
          if (waiters.has(retry)) retry();
        });
        const emit = (event: SerializedEvent): void => {
          if (unsubscribed || event.seq <= last) return;
          last = event.seq;
          subscriber.next(event);
        };
        const fail = (error: unknown): void => subscriber.error(error);
        // What is stored, then the activation live here, if any: earlier activations are stored in full, this one's events are in its history, then live.
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
        // No activation to follow: complete once terminal, otherwise wait until the run is answered or recovered.
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
          else waiters.add(retry);
        };
        const retry = (): void => {
          waiters.delete(retry);
          follow().catch(fail);
        };
        follow().catch(fail);
        return () => {
          unsubscribed = true;
          unwatch?.();
          waiters.delete(retry);
          inner?.unsubscribe();
        };
      });
    },

    async respond(runId, requestId, value) {
      checkOpen();
      await exclusive(runId, async () => {
        // An activation that reached run.waiting is ending: let it finish storing, then answer.
        const ending = active.get(runId);
        if (ending?.waiting === true) await ending.done;
        const record = await store.getRun(runId);
        if (record === undefined) throw new NotFoundError('run', runId);
        if (record.status !== 'waiting' || record.checkpointId === undefined || active.has(runId)) {
          throw new RequestError('run_not_waiting', `Run "${runId}" is ${record.status}, not waiting; answer its requests once it waits (its status says so).`, { runId, requestId });
        }
        const workflow = workflowOf(record.workflow);
        const checkpointId = record.checkpointId;
        const firstSeq = await storedSeqAfter(runId);
        checkOpen();
        await new Promise<void>((resolve, reject) => {
          drive(
            runId,
            firstSeq,
            (signal) => workflow.resumeStream(checkpointId, { ...options.runOptions, runId, signal, checkpoints: store.checkpoints, responses: { [requestId]: value } }),
            (error) => (error === undefined ? resolve() : reject(error)),
          );
        });
      });
      notify();
    },

    cancel(runId) {
      return exclusive(runId, async () => {
        const run = active.get(runId);
        if (run !== undefined) {
          run.abort.abort('cancelled');
          await run.done;
        }
        const record = await store.getRun(runId);
        if (record === undefined) throw new NotFoundError('run', runId);
        if (TERMINAL.has(record.status)) return record;
        // Not live here: waiting for answers, or left running by a process that stopped.
        const seq = await storedSeqAfter(runId);
        const previous = seq > 0 ? (await store.readEvents(runId, seq - 2))[0] : undefined;
        const at = Date.now();
        const event = { type: 'run.cancelled', runId, seq, superstep: previous?.superstep ?? 0, path: [], at, reason: `cancelled while ${record.status}` } as SerializedEvent;
        await store.appendEvents(runId, [event]);
        await store.updateRun(runId, changesFor(event, at) as RunChanges);
        nextSeq.delete(runId);
        notify();
        return (await store.getRun(runId)) as RunRecord;
      });
    },

    async recover() {
      checkOpen();
      const running: RunRecord[] = [];
      for (let cursor: string | undefined, page: RunPage; ; cursor = page.nextCursor) {
        page = await store.listRuns({ status: 'running', limit: 500, ...(cursor === undefined ? {} : { cursor }) });
        running.push(...page.runs);
        if (page.nextCursor === undefined) break;
      }
      const recovered: string[] = [];
      for (const { id, workflow: name } of running) {
        if (!Object.hasOwn(workflows, name)) continue; // another deployment may serve it
        const workflow = workflowOf(name);
        const continued = await exclusive(id, async () => {
          const record = await store.getRun(id);
          if (closed || active.has(id) || record?.status !== 'running') return false;
          const events = await store.readEvents(id);
          // Stopped between storing its terminal event and its status: only the status is missing.
          for (let index = events.length - 1; index >= 0; index--) {
            const event = events[index] as SerializedEvent;
            if (isTerminalEvent(event)) {
              await store.updateRun(id, changesFor(event, Date.now()) as RunChanges);
              return true;
            }
          }
          const firstSeq = events.reduce((max, event) => Math.max(max, event.seq + 1), 0);
          const latest = await store.checkpoints.latest(id);
          const runOptions = { ...options.runOptions, runId: id, checkpoints: store.checkpoints };
          drive(id, firstSeq, (signal) =>
            latest === undefined ? workflow.stream(record.input, { ...runOptions, signal }) : workflow.resumeStream(latest.id, { ...runOptions, signal }),
          );
          return true;
        });
        if (continued) recovered.push(id);
      }
      notify();
      return recovered;
    },

    async close() {
      closed = true;
      const runs = [...active.values()];
      for (const run of runs) run.stop();
      await Promise.all(runs.map((run) => run.done));
      notify();
    },
  };

  return runtime;
}
