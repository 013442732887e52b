import type { Subscription } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject'; // not the index, which loads every operator
import type { CheckpointStore, StoredCheckpoint } from '../checkpoint/store.js';
import { LeaseLostError } from '../errors.js';
import type { EventStream } from '../events/event-stream.js';
import type { WorkflowEvent } from '../events/events.js';
import type { RunChanges, RunLease, RunStore, SerializedEvent } from './run-store.js';
import { changesOf, isTerminalEvent, serializeError, serializeEvent } from './serialize.js';

/** What every activation of a runtime shares. */
export interface ActivationContext {
  readonly store: RunStore;
  /**
   * How long a lease lasts; it is renewed a third of that after it was taken or last renewed, while the run is driven.
   * A holder whose event loop is blocked for more than two thirds of it (a long synchronous handler) cannot renew in
   * time, and another process may take the run over: keep it well above the longest synchronous stretch.
   */
  readonly ttlMs: number;
  /** The clock of lease renewals. */
  readonly clock: () => number;
  readonly onStoreError: (error: unknown, runId: string) => void;
  /** Store transient `custom` events too (by default they are sent live at once and never stored). */
  readonly storeTransientEvents?: boolean;
}

/** How to drive one run from a lease. */
export interface ActivationOptions {
  readonly lease: RunLease;
  /** The `seq` of the first event (the stored log's next one). */
  readonly firstSeq: number;
  /** The engine's stream; its checkpoints go to `checkpoints`, whose `save` commits the superstep. */
  readonly source: (signal: AbortSignal, checkpoints: CheckpointStore) => EventStream<WorkflowEvent>;
  /**
   * Told once the engine accepted its start (it emitted `run.started` or `run.resumed`), or of the error it refused with before.
   * With it, a refusal is not a failure of the run: the record gets `restore` (the answer was not taken).
   */
  readonly onStarted?: (error?: unknown) => void;
  /** The record's changes when the engine refused to start (the record as it was before the answer). */
  readonly restore?: RunChanges;
  /** Told once, when the activation ended and its last write is done. */
  readonly onEnded: () => void;
}

/**
 * One activation of a run in this process, from the lease it was given until its stream ends: it drives the
 * engine, commits every superstep (its events, checkpoint and record changes) in one fenced store transaction,
 * emits events live only once committed, renews the lease, and stops without writing once the lease is lost.
 */
export interface Activation {
  readonly runId: string;
  readonly live: Subject<SerializedEvent>;
  /** Every event this activation committed, so a follower misses none between reading the store and subscribing. */
  readonly history: SerializedEvent[];
  /** Resolves once the activation ended and its last write is done (or refused). */
  readonly done: Promise<void>;
  /** The engine emitted `run.waiting`: the activation is ending and the run will wait for answers. */
  readonly waiting: boolean;
  /** Cancels the run (the engine emits `run.cancelled`, which is committed). */
  cancel(): void;
  /** Stops the engine where it is without marking the run, drops its uncommitted superstep and gives the lease up. */
  stop(): Promise<void>;
}

/** Starts driving a run whose lease this process holds. */
export function activate(context: ActivationContext, options: ActivationOptions): Activation {
  const { store, ttlMs, clock, onStoreError } = context;
  const runId = options.lease.runId;
  let lease = options.lease;
  const abort = new AbortController();
  const live = new Subject<SerializedEvent>();
  const history: SerializedEvent[] = [];
  let seq = options.firstSeq;
  let buffer: SerializedEvent[] = [];
  let commits: Promise<void> = Promise.resolve();
  /** Nothing more may be written: the lease was lost, the store failed, or the activation stopped. */
  let halted = false;
  let started = false;
  let terminal = false;
  let waiting = false;
  let subscription: Subscription | undefined;
  let unstorable = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  let told = options.onStarted === undefined;
  const tell = (error?: unknown): void => {
    if (told) return;
    told = true;
    options.onStarted?.(error);
  };

  /** Stops driving the run without writing more, and ends the activation (so that followers go to the store). */
  const halt = (): void => {
    if (halted) return;
    halted = true;
    subscription?.unsubscribe(); // cancels the engine: nothing more runs that the store did not record
    end();
  };

  /** Commits the buffered events with `extra`, after the commits before it; rejects (and halts) when the store refuses. */
  const commit = (
    extra: { readonly checkpoint?: StoredCheckpoint; readonly changes?: RunChanges; readonly release?: boolean } = {},
  ): Promise<void> => {
    const events = buffer;
    buffer = [];
    const next = commits.then(async () => {
      if (halted) throw new LeaseLostError(runId, lease.token, `Run "${runId}" stopped here before this write; it was not made.`);
      const now = Date.now();
      const changes = {
        ...changesOf(events, now),
        ...(extra.checkpoint === undefined ? {} : { checkpointId: extra.checkpoint.id, updatedAt: now }),
        ...extra.changes,
      };
      try {
        const result = await store.commitRun(lease, {
          events,
          ...(extra.checkpoint === undefined ? {} : { checkpoint: extra.checkpoint }),
          ...(Object.keys(changes).length === 0 ? {} : { changes: changes as RunChanges }),
          ...(extra.release === true ? { release: true } : {}),
        });
        if (result.cancelRequested && !abort.signal.aborted) abort.abort('cancelled');
      } catch (error) {
        if (!halted) {
          halt();
          if (!(error instanceof LeaseLostError)) {
            onStoreError(error, runId);
            // Best effort: give the lease up so that a recover() anywhere continues the run from its last commit at once.
            store.commitRun(lease, { events: [], release: true }).catch(() => undefined);
          }
        }
        throw error;
      }
      for (const event of events) {
        history.push(event);
        live.next(event);
      }
    });
    commits = next.catch(() => undefined);
    return next;
  };

  const checkpoints: CheckpointStore = {
    save: (checkpoint) => commit({ checkpoint }),
    get: (id) => store.checkpoints.get(id),
    list: (id) => store.checkpoints.list(id),
    latest: (id) => store.checkpoints.latest(id),
    deleteRun: (id) => store.checkpoints.deleteRun(id),
  };
  // Invocation records (finished invocations of a superstep not yet committed) go straight to the store's checkpoints.
  const inner = store.checkpoints;
  if (inner.saveInvocation !== undefined)
    checkpoints.saveInvocation = (record) => (inner.saveInvocation as NonNullable<CheckpointStore['saveInvocation']>).call(inner, record);
  if (inner.listInvocations !== undefined)
    checkpoints.listInvocations = (id, superstep) =>
      (inner.listInvocations as NonNullable<CheckpointStore['listInvocations']>).call(inner, id, superstep);
  if (inner.deleteInvocations !== undefined)
    checkpoints.deleteInvocations = (id, through) =>
      (inner.deleteInvocations as NonNullable<CheckpointStore['deleteInvocations']>).call(inner, id, through);

  // Renewal: a third of the lease after it was taken or last renewed, counted from the lease's own expiry (so the time
  // between a claim and this activation counts), sooner after a failed attempt. A busy event loop delays the timer, and
  // the renewal goes out as soon as the loop is free. A lease that is lost, or that expires before a renewal could
  // confirm it, ends the activation without another write: whoever claims the run next continues it from its last commit.
  let renewal: ReturnType<typeof setTimeout> | undefined;
  const renewEvery = Math.max(1, Math.floor(ttlMs / 3));
  const retryEvery = Math.max(1, Math.floor(ttlMs / 10));
  const scheduleRenewal = (delay: number): void => {
    renewal = setTimeout(renew, Math.max(0, delay));
    (renewal as { unref?: () => void }).unref?.();
  };
  const renew = (): void => {
    renewal = undefined;
    if (halted || ended) return;
    store.renewLease(lease, { now: clock(), ttlMs }).then(
      (renewed) => {
        if (halted || ended) return;
        if (renewed === undefined) return halt(); // taken over: stop without writing
        lease = renewed.lease;
        if (renewed.cancelRequested && !abort.signal.aborted) abort.abort('cancelled');
        scheduleRenewal(lease.expiresAt - ttlMs + renewEvery - clock());
      },
      () => {
        if (halted || ended) return;
        const left = lease.expiresAt - clock();
        if (left <= 0) return halt(); // could not confirm the lease before it expired: another process may hold it now
        scheduleRenewal(Math.min(retryEvery, left));
      },
    );
  };
  scheduleRenewal(lease.expiresAt - ttlMs + renewEvery - clock());

  let ended = false;
  /** Why the answer was refused, told to `onStarted` once the run is restored. */
  let refusal: unknown;
  const end = (last?: () => Promise<void>): void => {
    if (ended) return;
    ended = true;
    void (last === undefined || halted ? Promise.resolve() : last())
      .catch(() => undefined)
      .then(() => commits)
      .then(() => {
        clearTimeout(renewal);
        // A refused answer is told once the record says `waiting` again; otherwise, stopped before the engine started:
        // the answer is stored, and whoever continues the run delivers it.
        tell(refusal);
        live.complete();
        options.onEnded();
        resolveDone();
      });
  };

  const activation: Activation = {
    runId,
    live,
    history,
    done,
    get waiting() {
      return waiting;
    },
    cancel: () => abort.abort('cancelled'),
    stop: () => {
      if (!ended) {
        subscription?.unsubscribe();
        buffer = []; // an uncommitted superstep: whoever continues the run runs it again
        end(() => commit({ release: true }));
      }
      return done;
    },
  };

  subscription = options.source(abort.signal, checkpoints).subscribe({
    next: (event) => {
      if (event.type === 'custom' && event.transient === true && context.storeTransientEvents !== true) {
        // Live only, at once (not held until the superstep commits); it takes no seq of its own, so stored seqs stay contiguous.
        const transient = serializeEvent(event, seq - 1);
        history.push(transient);
        live.next(transient);
        return;
      }
      const stored = serializeEvent(event, seq++);
      if (stored.type !== event.type) {
        // An event JSON cannot hold became run.failed: the run ends here, and the process goes on.
        terminal = true;
        buffer.push(stored);
        subscription?.unsubscribe();
        unstorable = true;
        end(() => commit({ release: true }));
        return;
      }
      if (event.path.length === 0) {
        if (event.type === 'run.started' || event.type === 'run.resumed') {
          started = true;
          tell();
        } else if (event.type === 'run.waiting') waiting = true;
        else if (isTerminalEvent(stored)) terminal = true;
      }
      buffer.push(stored);
    },
    error: (error: unknown) => {
      if (!started && options.onStarted !== undefined) {
        // Refused before it started (an answer the checkpoint's requests reject): the run waits again, unanswered.
        refusal = error;
        buffer = [];
        return end(() => commit({ changes: options.restore ?? { status: 'waiting', updatedAt: Date.now() }, release: true }));
      }
      if (!terminal) {
        // A stream that ends in error without a terminal event (options refused before the run started, say) still gets one.
        terminal = true;
        buffer.push({
          type: 'run.failed',
          runId,
          seq: seq++,
          superstep: buffer.at(-1)?.superstep ?? 0,
          path: [],
          at: Date.now(),
          error: serializeError(error),
        } as SerializedEvent);
      }
      end(() => commit({ release: true }));
    },
    complete: () => end(() => commit({ release: true })),
  });
  if (unstorable) subscription.unsubscribe(); // failed before subscribe() returned
  return activation;
}
