import { MemoryCheckpointStore } from '../checkpoint/memory-store.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { afterCursor, checkLimit, parseCursor, runCursor, type RunChanges, type RunPage, type RunQuery, type RunRecord, type RunStore, type SerializedEvent } from './run-store.js';

const newestFirst = (a: RunRecord, b: RunRecord): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Runs, events and checkpoints in memory: for tests and for services that need not survive a restart. */
export class MemoryRunStore implements RunStore {
  readonly checkpoints: CheckpointStore;
  readonly #runs = new Map<string, RunRecord>();
  readonly #events = new Map<string, SerializedEvent[]>();

  constructor(checkpoints: CheckpointStore = new MemoryCheckpointStore()) {
    this.checkpoints = checkpoints;
  }

  async createRun(record: RunRecord): Promise<void> {
    if (this.#runs.has(record.id)) throw new Error(`Run "${record.id}" already exists.`);
    this.#runs.set(record.id, Object.freeze({ ...record }));
  }

  async updateRun(id: string, changes: RunChanges): Promise<void> {
    const run = this.#runs.get(id);
    if (run === undefined) throw new Error(`Run "${id}" does not exist.`);
    this.#runs.set(id, Object.freeze({ ...run, ...changes }));
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.#runs.get(id);
  }

  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const limit = checkLimit(query.limit);
    const position = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const matching = [...this.#runs.values()]
      .filter((run) => (query.workflow === undefined || run.workflow === query.workflow) && (query.status === undefined || run.status === query.status))
      .sort(newestFirst)
      .filter((run) => afterCursor(run, position));
    const runs = matching.slice(0, limit);
    return { runs, nextCursor: matching.length > limit ? runCursor(runs[runs.length - 1] as RunRecord) : undefined };
  }

  async appendEvents(runId: string, events: readonly SerializedEvent[]): Promise<void> {
    let list = this.#events.get(runId);
    if (list === undefined) this.#events.set(runId, (list = []));
    let last = list.length === 0 ? -1 : (list[list.length - 1] as SerializedEvent).seq;
    for (const event of events) {
      if (!(event.seq > last)) throw new Error(`Event seq ${event.seq} of run "${runId}" does not follow seq ${last}; events are appended in order, each once.`);
      last = event.seq;
    }
    list.push(...events);
  }

  async readEvents(runId: string, afterSeq = -1): Promise<readonly SerializedEvent[]> {
    return (this.#events.get(runId) ?? []).filter((event) => event.seq > afterSeq);
  }
}
