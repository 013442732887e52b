import type { CheckpointStore, StoredCheckpoint, StoredInvocation } from './store.js';

const newestLast = (a: StoredCheckpoint, b: StoredCheckpoint): number => a.superstep - b.superstep || a.createdAt - b.createdAt;

/** Keeps checkpoints in memory: for tests, and for runs that only need to survive within one process. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #byId = new Map<string, StoredCheckpoint>();
  readonly #byRun = new Map<string, StoredCheckpoint[]>();
  /** Invocation records by run, then by invocation id. */
  readonly #invocations = new Map<string, Map<string, StoredInvocation>>();

  async save(checkpoint: StoredCheckpoint): Promise<void> {
    const frozen = Object.freeze({ ...checkpoint });
    const previous = this.#byId.get(checkpoint.id);
    this.#byId.set(checkpoint.id, frozen);
    let list = this.#byRun.get(checkpoint.runId);
    if (list === undefined) this.#byRun.set(checkpoint.runId, (list = []));
    if (previous !== undefined) {
      const old = this.#byRun.get(previous.runId);
      old?.splice(old.indexOf(previous), 1);
    }
    list.push(frozen);
    if (list.length > 1 && newestLast(list[list.length - 2] as StoredCheckpoint, frozen) > 0) list.sort(newestLast);
  }

  async get(id: string): Promise<StoredCheckpoint | undefined> {
    return this.#byId.get(id);
  }

  async list(runId: string): Promise<readonly StoredCheckpoint[]> {
    return [...(this.#byRun.get(runId) ?? [])];
  }

  async latest(runId: string): Promise<StoredCheckpoint | undefined> {
    const list = this.#byRun.get(runId);
    return list?.[list.length - 1];
  }

  async deleteRun(runId: string): Promise<void> {
    for (const checkpoint of this.#byRun.get(runId) ?? []) this.#byId.delete(checkpoint.id);
    this.#byRun.delete(runId);
    this.#invocations.delete(runId);
  }

  /** Saves an invocation record, replacing one saved under the same run and invocation id. */
  async saveInvocation(record: StoredInvocation): Promise<void> {
    let records = this.#invocations.get(record.runId);
    if (records === undefined) this.#invocations.set(record.runId, (records = new Map()));
    records.set(record.invocationId, Object.freeze({ ...record }));
  }

  /** Every invocation record of a run in one superstep. */
  async listInvocations(runId: string, superstep: number): Promise<readonly StoredInvocation[]> {
    return [...(this.#invocations.get(runId)?.values() ?? [])].filter((record) => record.superstep === superstep);
  }

  /** Removes a run's invocation records up to and including a superstep. */
  async deleteInvocations(runId: string, throughSuperstep: number): Promise<void> {
    const records = this.#invocations.get(runId);
    if (records === undefined) return;
    for (const [id, record] of records) if (record.superstep <= throughSuperstep) records.delete(id);
    if (records.size === 0) this.#invocations.delete(runId);
  }
}
