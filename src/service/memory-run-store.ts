import { MemoryCheckpointStore } from '../checkpoint/memory-store.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { LeaseLostError } from '../errors.js';
import {
  afterCursor,
  checkLimit,
  parseCursor,
  runCursor,
  summarize,
  type LeaseRequest,
  type RunAnswer,
  type RunChanges,
  type RunClaim,
  type RunCommit,
  type RunLease,
  type RunPage,
  type RunQuery,
  type RunRecord,
  type RunStore,
  type SerializedEvent,
} from './run-store.js';

const newestFirst = (a: RunRecord, b: RunRecord): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** What the store keeps of a run beside its record. */
interface Control {
  owner: string | undefined;
  token: number;
  expiresAt: number;
  responses: Readonly<Record<string, unknown>>;
  cancelRequested: boolean;
}

/** Runs, events and checkpoints in memory: for tests and for services that need not survive a restart. */
export class MemoryRunStore implements RunStore {
  readonly checkpoints: CheckpointStore;
  readonly #runs = new Map<string, RunRecord>();
  readonly #control = new Map<string, Control>();
  readonly #events = new Map<string, SerializedEvent[]>();
  /** Writes that await the checkpoint store take turns, so each is atomic with respect to the others. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(checkpoints: CheckpointStore = new MemoryCheckpointStore()) {
    this.checkpoints = checkpoints;
  }

  #exclusive<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.#turn.then(work);
    this.#turn = result.catch(() => undefined);
    return result;
  }

  createRun(record: RunRecord, lease?: LeaseRequest): Promise<void> {
    return this.#exclusive(() => {
      if (this.#runs.has(record.id)) throw new Error(`Run "${record.id}" already exists.`);
      this.#runs.set(record.id, Object.freeze({ ...record }));
      this.#control.set(record.id, {
        owner: lease?.owner,
        token: lease === undefined ? 0 : 1,
        expiresAt: lease === undefined ? 0 : lease.now + lease.ttlMs,
        responses: {},
        cancelRequested: false,
      });
    });
  }

  updateRun(id: string, changes: RunChanges): Promise<void> {
    return this.#exclusive(() => this.#update(id, changes));
  }

  #update(id: string, { clearCancel, ...changes }: RunChanges): void {
    const run = this.#runs.get(id);
    if (run === undefined) throw new Error(`Run "${id}" does not exist.`);
    this.#runs.set(id, Object.freeze({ ...run, ...changes }));
    const control = this.#control.get(id);
    if (clearCancel === true && control !== undefined) control.cancelRequested = false;
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.#runs.get(id);
  }

  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const limit = checkLimit(query.limit);
    const position = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const matching = [...this.#runs.values()]
      .filter(
        (run) => (query.workflow === undefined || run.workflow === query.workflow) && (query.status === undefined || run.status === query.status),
      )
      .sort(newestFirst)
      .filter((run) => afterCursor(run, position));
    const runs = matching.slice(0, limit);
    return { runs: runs.map(summarize), nextCursor: matching.length > limit ? runCursor(runs[runs.length - 1] as RunRecord) : undefined };
  }

  appendEvents(runId: string, events: readonly SerializedEvent[]): Promise<void> {
    return this.#exclusive(() => this.#append(runId, events));
  }

  #checkAppend(runId: string, events: readonly SerializedEvent[]): void {
    const list = this.#events.get(runId) ?? [];
    let last = list.length === 0 ? -1 : (list[list.length - 1] as SerializedEvent).seq;
    for (const event of events) {
      if (!(event.seq > last))
        throw new Error(`Event seq ${event.seq} of run "${runId}" does not follow seq ${last}; events are appended in order, each once.`);
      last = event.seq;
    }
  }

  #append(runId: string, events: readonly SerializedEvent[]): void {
    this.#checkAppend(runId, events);
    let list = this.#events.get(runId);
    if (list === undefined) this.#events.set(runId, (list = []));
    list.push(...events);
  }

  async readEvents(runId: string, afterSeq = -1): Promise<readonly SerializedEvent[]> {
    return (this.#events.get(runId) ?? []).filter((event) => event.seq > afterSeq);
  }

  #take(runId: string, control: Control, request: LeaseRequest): RunClaim {
    control.owner = request.owner;
    control.token += 1;
    control.expiresAt = request.now + request.ttlMs;
    return {
      lease: { runId, owner: request.owner, token: control.token, expiresAt: control.expiresAt },
      responses: control.responses,
      cancelRequested: control.cancelRequested,
    };
  }

  claimRun(runId: string, request: LeaseRequest): Promise<RunClaim | undefined> {
    return this.#exclusive(() => {
      const run = this.#runs.get(runId);
      const control = this.#control.get(runId);
      if (run?.status !== 'running' || control === undefined) return undefined;
      if (control.owner !== undefined && control.expiresAt > request.now) return undefined;
      return this.#take(runId, control, request);
    });
  }

  answerRun(runId: string, answer: RunAnswer, request: LeaseRequest): Promise<RunClaim | undefined> {
    return this.#exclusive(() => {
      const run = this.#runs.get(runId);
      const control = this.#control.get(runId);
      if (run?.status !== 'waiting' || run.checkpointId !== answer.checkpointId || control === undefined) return undefined;
      this.#update(runId, { status: 'running', updatedAt: request.now });
      control.responses = { ...answer.responses };
      if (answer.cancel === true) control.cancelRequested = true;
      return this.#take(runId, control, request);
    });
  }

  renewLease(
    lease: RunLease,
    request: Omit<LeaseRequest, 'owner'>,
  ): Promise<{ readonly lease: RunLease; readonly cancelRequested: boolean } | undefined> {
    return this.#exclusive(() => {
      const control = this.#control.get(lease.runId);
      if (control === undefined || control.token !== lease.token) return undefined;
      control.owner = lease.owner;
      control.expiresAt = request.now + request.ttlMs;
      return { lease: { ...lease, expiresAt: control.expiresAt }, cancelRequested: control.cancelRequested };
    });
  }

  requestCancel(runId: string): Promise<boolean> {
    return this.#exclusive(() => {
      const control = this.#control.get(runId);
      if (this.#runs.get(runId)?.status !== 'running' || control === undefined) return false;
      control.cancelRequested = true;
      return true;
    });
  }

  commitRun(lease: RunLease, commit: RunCommit): Promise<{ readonly cancelRequested: boolean }> {
    return this.#exclusive(async () => {
      const control = this.#control.get(lease.runId);
      if (control === undefined || control.token !== lease.token) throw new LeaseLostError(lease.runId, lease.token);
      // Check everything that can refuse before changing anything: the commit lands whole or not at all.
      this.#checkAppend(lease.runId, commit.events);
      if (commit.changes !== undefined && !this.#runs.has(lease.runId)) throw new Error(`Run "${lease.runId}" does not exist.`);
      if (commit.checkpoint !== undefined) await this.checkpoints.save(commit.checkpoint);
      this.#append(lease.runId, commit.events);
      if (commit.changes !== undefined) this.#update(lease.runId, commit.changes);
      if (commit.checkpoint !== undefined) control.responses = {};
      if (commit.release === true) {
        control.owner = undefined;
        control.expiresAt = 0;
      }
      return { cancelRequested: control.cancelRequested };
    });
  }
}
