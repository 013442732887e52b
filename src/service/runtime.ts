import { Observable, Subject } from 'rxjs';
import { isWeftError, NotFoundError, RequestError, WorkflowInputError } from '../errors.js';
import type { EventStream } from '../events/event-stream.js';
import type { WorkflowEvent } from '../events/events.js';
import { validateWith } from '../internal/schema.js';
import type { AnyExecutor } from '../model/types.js';
import type { RunOptions } from '../runtime/run.js';
import type { Workflow } from '../runtime/workflow.js';
import type { RunPage, RunQuery, RunRecord, RunStore, SerializedError, SerializedEvent } from './run-store.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The workflows it serves, by the name clients use. */
  readonly workflows: Readonly<Record<string, Workflow<any, any, any>>>;
  /** Runs, their events and their checkpoints. */
  readonly store: RunStore;
  /** Options for every run (limits, budget, limiter, durability…). */
  readonly runOptions?: Omit<RunOptions, 'checkpoints' | 'runId' | 'signal'>;
}

/** Runs workflows durably: every run and event is stored, waiting runs are answered later, crashed runs recovered. */
export interface Runtime {
  /** Starts a run; with `wait: true` resolves once it completes, fails, is cancelled or waits. Rejects with WorkflowInputError, storing nothing, when the input is invalid. */
  invoke(workflow: string, input: unknown, options?: { readonly wait?: boolean }): Promise<{ readonly runId: string; readonly result?: RunRecord }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(query?: RunQuery): Promise<RunPage>;
  /** The run's stored events (after `afterSeq`), then its live ones; completes once the run is completed, failed or cancelled. */
  events(runId: string, options?: { readonly afterSeq?: number }): Observable<SerializedEvent>;
  /** Answers a pending request of a waiting run and continues it; a RequestError, changing nothing, when refused. */
  respond(runId: string, requestId: string, value: unknown): Promise<void>;
  /** Cancels a running or waiting run. */
  cancel(runId: string): Promise<RunRecord>;
  /** Continues every run a previous process left `running`, from its latest checkpoint; returns their ids. */
  recover(): Promise<readonly string[]>;
  /** Stops the runs in progress without marking them: a later `recover()` continues them. */
  close(): Promise<void>;
  /** The workflow names and the workflows. */
  readonly workflows: Readonly<Record<string, Workflow<any, any, any>>>;
}

interface ActiveRun {
  readonly abort: AbortController;
  readonly live: Subject<SerializedEvent>;
  /** Every event of this activation, so a follower misses none that the store has not written yet. */
  readonly history: SerializedEvent[];
  readonly done: Promise<void>;
  stop(): void;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, code: isWeftError(error) ? error.code : undefined, message: error.message };
  return { name: 'Error', code: undefined, message: String(error) };
}

function serializeEvent(event: WorkflowEvent, seq: number): SerializedEvent {
  const plain = 'error' in event ? { ...event, error: serializeError(event.error) } : { ...event };
  return { ...plain, seq } as SerializedEvent;
}


/**
 * Creates a durable runtime over a run store.
 * @example
 * const runtime = createRuntime({ workflows: { triage }, store: openSqliteRunStore('weft.db') });
 * const { runId } = await runtime.invoke('triage', ticket);
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { workflows, store } = options;
  const active = new Map<string, ActiveRun>();
  const nextSeq = new Map<string, number>();

  const workflowOf = (name: string): Workflow<any, any, any> => {
    const workflow = Object.hasOwn(workflows, name) ? workflows[name] : undefined;
    if (workflow === undefined) throw new NotFoundError('workflow', name, Object.keys(workflows));
    return workflow;
  };

  /** Runs a stream to its end, storing every event in order and the record's status as it changes. */
  const drive = (runId: string, source: (signal: AbortSignal) => EventStream<WorkflowEvent>, abort: AbortController, onStarted?: (error?: unknown) => void): ActiveRun => {
    const live = new Subject<SerializedEvent>();
    const history: SerializedEvent[] = [];
    let writes: Promise<void> = Promise.resolve();
    let started = false;
    const write = (work: () => Promise<void>): void => {
      writes = writes.then(work, work);
    };
    let subscription: { unsubscribe(): void } | undefined;
    const done = new Promise<void>((resolve) => {
      const finish = (changes: Parameters<RunStore['updateRun']>[1] | undefined): void => {
        if (changes !== undefined) write(() => store.updateRun(runId, changes));
        writes.then(resolve, resolve);
      };
      subscription = source(abort.signal).subscribe({
        next: (event) => {
          const seq = nextSeq.get(runId) ?? 0;
          nextSeq.set(runId, seq + 1);
          const stored = serializeEvent(event, seq);
          const at = Date.now();
          if (!started && event.type === 'run.started') {
            started = true;
            // A resumed run is running again from here on (queued before any later status change).
            write(() => store.updateRun(runId, { status: 'running', updatedAt: at }));
            onStarted?.();
          }
          write(() => store.appendEvents(runId, [stored]));
          history.push(stored);
          live.next(stored);
          switch (event.type) {
            case 'checkpoint.saved':
              if (event.path.length === 0) write(() => store.updateRun(runId, { checkpointId: event.checkpointId, updatedAt: at }));
              break;
            case 'run.waiting':
              if (event.path.length === 0) write(() => store.updateRun(runId, { status: 'waiting', pendingRequests: event.requests, updatedAt: at }));
              break;
            case 'run.completed':
              if (event.path.length === 0) write(() => store.updateRun(runId, { status: 'completed', outputs: event.outputs, pendingRequests: [], updatedAt: at }));
              break;
            case 'run.cancelled':
              if (event.path.length === 0) write(() => store.updateRun(runId, { status: 'cancelled', updatedAt: at }));
              break;
            case 'run.failed':
              if (event.path.length === 0) write(() => store.updateRun(runId, { status: 'failed', error: serializeError(event.error), updatedAt: at }));
              break;
            default:
          }
        },
        error: (error: unknown) => {
          // Before run.started nothing ran: a refused answer (onStarted given) leaves the run as it was.
          if (!started && onStarted !== undefined) {
            onStarted(error);
            finish(undefined);
          } else finish(started ? undefined : { status: 'failed', error: serializeError(error), updatedAt: Date.now() });
        },
        complete: () => finish(undefined),
      });
    });
    const run: ActiveRun = { abort, live, history, done, stop: () => subscription?.unsubscribe() };
    active.set(runId, run);
    void done.then(() => {
      active.delete(runId);
      live.complete();
    });
    return run;
  };

  const checkInput = async (workflow: Workflow<any, any, any>, name: string, input: unknown): Promise<void> => {
    const start = workflow.definition.executors.find((e: AnyExecutor) => e.id === workflow.definition.start) as AnyExecutor;
    if (start.input === undefined) return;
    const checked = validateWith(start.input, input);
    const outcome = checked instanceof Promise ? await checked : checked;
    if (!outcome.ok) throw new WorkflowInputError(name, start.id, outcome.issues);
  };

  const runtime: Runtime = {
    workflows,

    async invoke(name, input, invokeOptions = {}) {
      const workflow = workflowOf(name);
      await checkInput(workflow, name, input);
      const runId = globalThis.crypto.randomUUID();
      const now = Date.now();
      await store.createRun({ id: runId, workflow: name, status: 'running', input, outputs: [], pendingRequests: [], error: undefined, checkpointId: undefined, createdAt: now, updatedAt: now });
      const abort = new AbortController();
      const run = drive(runId, (signal) => workflow.stream(input, { ...options.runOptions, runId, signal, checkpoints: store.checkpoints }), abort);
      if (invokeOptions.wait !== true) return { runId };
      await run.done;
      return { runId, result: (await store.getRun(runId)) as RunRecord };
    },

    getRun: (runId) => store.getRun(runId),
    listRuns: (query) => store.listRuns(query),

    events(runId, eventOptions = {}) {
      return new Observable<SerializedEvent>((subscriber) => {
        let last = eventOptions.afterSeq ?? -1;
        let inner: { unsubscribe(): void } | undefined;
        let closed = false;
        const emit = (event: SerializedEvent): void => {
          if (event.seq <= last || closed) return;
          last = event.seq;
          subscriber.next(event);
        };
        const follow = async (): Promise<void> => {
          inner?.unsubscribe();
          const record = await store.getRun(runId);
          if (record === undefined) throw new NotFoundError('run', runId);
          const run = active.get(runId);
          // Earlier activations are fully written; this one's events are in its history, then live.
          for (const event of await store.readEvents(runId, last)) emit(event);
          if (run !== undefined) {
            for (const event of run.history) emit(event);
            inner = run.live.subscribe({ next: emit, complete: () => void settle() });
            return;
          }
          await settle();
        };
        // A run not live here completes the stream once terminal; a waiting one is followed again when answered.
        const settle = async (): Promise<void> => {
          if (closed) return;
          const record = await store.getRun(runId);
          if (record !== undefined && TERMINAL.has(record.status)) {
            for (const event of await store.readEvents(runId, last)) emit(event);
            subscriber.complete();
          } else if (!active.has(runId)) waiters.add(retry);
          else void follow().catch((error: unknown) => subscriber.error(error));
        };
        const retry = (): void => {
          waiters.delete(retry);
          follow().catch((error: unknown) => subscriber.error(error));
        };
        follow().catch((error: unknown) => subscriber.error(error));
        return () => {
          closed = true;
          waiters.delete(retry);
          inner?.unsubscribe();
        };
      });
    },

    async respond(runId, requestId, value) {
      const record = await store.getRun(runId);
      if (record === undefined) throw new NotFoundError('run', runId);
      if (record.status !== 'waiting' || record.checkpointId === undefined || active.has(runId)) {
        throw new RequestError('run_not_waiting', `Run "${runId}" is ${record.status}, not waiting; answer its requests once it waits (its status says so).`, { runId, requestId });
      }
      const workflow = workflowOf(record.workflow);
      const checkpointId = record.checkpointId;
      const abort = new AbortController();
      await restoreSeq(runId);
      await new Promise<void>((resolve, reject) => {
        drive(
          runId,
          (signal) => workflow.resumeStream(checkpointId, { ...options.runOptions, signal, checkpoints: store.checkpoints, responses: { [requestId]: value } }),
          abort,
          (error) => (error === undefined ? resolve() : reject(error)),
        );
      });
      notify();
    },

    async cancel(runId) {
      const record = await store.getRun(runId);
      if (record === undefined) throw new NotFoundError('run', runId);
      const run = active.get(runId);
      if (run !== undefined) {
        run.abort.abort();
        await run.done;
      } else if (!TERMINAL.has(record.status)) {
        await restoreSeq(runId);
        const seq = nextSeq.get(runId) ?? 0;
        nextSeq.set(runId, seq + 1);
        const event = { type: 'run.cancelled', runId, seq, superstep: 0, path: [], at: Date.now(), reason: 'cancelled while waiting' } as SerializedEvent;
        await store.appendEvents(runId, [event]);
        await store.updateRun(runId, { status: 'cancelled', updatedAt: Date.now() });
        notify();
      }
      return (await store.getRun(runId)) as RunRecord;
    },

    async recover() {
      const recovered: string[] = [];
      for (let cursor: string | undefined, page: RunPage; ; cursor = page.nextCursor) {
        page = await store.listRuns({ status: 'running', limit: 500, ...(cursor === undefined ? {} : { cursor }) });
        for (const record of page.runs) {
          if (active.has(record.id) || !Object.hasOwn(workflows, record.workflow)) continue;
          const workflow = workflowOf(record.workflow);
          await restoreSeq(record.id);
          const latest = await store.checkpoints.latest(record.id);
          const abort = new AbortController();
          drive(
            record.id,
            (signal) =>
              latest === undefined
                ? workflow.stream(record.input, { ...options.runOptions, runId: record.id, signal, checkpoints: store.checkpoints })
                : workflow.resumeStream(latest.id, { ...options.runOptions, signal, checkpoints: store.checkpoints }),
            abort,
          );
          recovered.push(record.id);
        }
        if (page.nextCursor === undefined) break;
      }
      return recovered;
    },

    async close() {
      const runs = [...active.values()];
      for (const run of runs) run.stop();
      active.clear();
    },
  };

  /** After a restart, a run's event numbering goes on from its stored events. */
  const restoreSeq = async (runId: string): Promise<void> => {
    if (!nextSeq.has(runId)) nextSeq.set(runId, (await store.readEvents(runId)).reduce((max, event) => Math.max(max, event.seq + 1), 0));
  };

  // Followers of runs that were waiting (or not yet live here) retry when a run is answered or cancelled.
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  return runtime;
}
