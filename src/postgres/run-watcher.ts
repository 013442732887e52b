import type pg from 'pg';
import type { Connection, Queryable } from './connection.js';

/** The channel every weft run store notifies on; the payload names the schema and the run. */
export const CHANNEL = 'weft_runs';
/** Postgres refuses payloads of 8000 bytes or more: a longer run id notifies the whole schema instead. */
const MAX_PAYLOAD = 7_000;

/** The NOTIFY payload for a change to `runId` (null: any run of the schema). */
export function notification(schemaName: string, runId: string): string {
  const payload = JSON.stringify([schemaName, runId]);
  return Buffer.byteLength(payload) < MAX_PAYLOAD ? payload : JSON.stringify([schemaName, null]);
}

/** Sends the notification with `query`; inside a transaction, Postgres delivers it at commit, and not at all on rollback. */
export async function notifyChange(query: Queryable, schemaName: string, runId: string): Promise<void> {
  await query.query('SELECT pg_notify($1, $2)', [CHANNEL, notification(schemaName, runId)]);
}

interface Watched {
  readonly listeners: Set<() => void>;
  /** What the last poll saw (`updated_at` and last `seq`), undefined before the first. */
  seen: string | undefined;
}

/**
 * Tells watchers of a run that it changed, in any process: LISTEN on one client of the pool while anyone watches, and a
 * poll every `pollInterval` ms that catches what a lost connection missed. So a change is heard at once, or at worst
 * one poll later.
 */
export class RunWatcher {
  readonly #connection: Connection;
  readonly #pollInterval: number;
  readonly #watched = new Map<string, Watched>();
  #listener: pg.PoolClient | undefined;
  #connecting: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling = false;
  #closed = false;
  /** The listening client going back to the pool. */
  #releasing: Promise<void> = Promise.resolve();
  /** Removes this watcher's handlers from the listening client before it goes back to the pool. */
  #forget: () => void = () => undefined;

  constructor(connection: Connection, pollInterval: number) {
    this.#connection = connection;
    this.#pollInterval = pollInterval;
  }

  /** Calls `onChange` whenever the run may have changed; returns a function that stops it. */
  watch(runId: string, onChange: () => void): () => void {
    if (this.#closed) return () => undefined;
    let entry = this.#watched.get(runId);
    if (entry === undefined) this.#watched.set(runId, (entry = { listeners: new Set(), seen: undefined }));
    const listener = (): void => onChange();
    entry.listeners.add(listener);
    this.#start();
    return () => {
      const current = this.#watched.get(runId);
      if (current === undefined) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) this.#watched.delete(runId);
      if (this.#watched.size === 0) this.#stop();
    };
  }

  /** Stops listening and polling for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watched.clear();
    this.#stop();
    await this.#connecting?.catch(() => undefined);
    await this.#releasing;
  }

  #start(): void {
    this.#timer ??= setInterval(() => void this.#poll(), this.#pollInterval);
    this.#timer.unref?.();
    void this.#listen();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener !== undefined) {
      this.#forget();
      // UNLISTEN before the client goes back to the pool, where others use it.
      this.#releasing = listener.query(`UNLISTEN ${CHANNEL}`).then(
        () => listener.release(),
        (error: unknown) => listener.release(error instanceof Error ? error : true),
      );
    }
  }

  /** Takes a client and LISTENs on it, once; when that is done, every watcher looks again (it may have missed a change meanwhile). */
  #listen(): Promise<void> {
    if (this.#listener !== undefined || this.#closed) return Promise.resolve();
    this.#connecting ??= (async () => {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.#connection.pool.connect();
        const taken = client;
        const onError = (): void => this.#lost(taken, onError);
        taken.on('notification', (message) => this.#heard(message.payload));
        taken.on('error', onError);
        this.#forget = () => {
          taken.removeAllListeners('notification');
          taken.off('error', onError);
        };
        await client.query(`LISTEN ${CHANNEL}`);
        if (this.#watched.size === 0 || this.#closed) {
          this.#forget();
          await client.query(`UNLISTEN ${CHANNEL}`);
          client.release();
          return;
        }
        this.#listener = client;
        this.#tellAll();
      } catch {
        // The poll goes on and tries again at its next turn.
        this.#forget();
        client?.release(true);
      } finally {
        this.#connecting = undefined;
      }
    })();
    return this.#connecting;
  }

  #lost(client: pg.PoolClient, onError: () => void): void {
    client.off('error', onError);
    if (this.#listener !== client) return;
    this.#listener = undefined;
    this.#forget();
    client.release(true);
    this.#tellAll();
  }

  #heard(payload: string | undefined): void {
    if (payload === undefined) return;
    let schema: unknown;
    let runId: unknown;
    try {
      [schema, runId] = JSON.parse(payload) as unknown[];
    } catch {
      return; // not one of ours
    }
    if (schema !== this.#connection.schemaName) return;
    if (runId === null) this.#tellAll();
    else if (typeof runId === 'string') this.#tell(this.#watched.get(runId));
  }

  #tell(entry: Watched | undefined): void {
    for (const listener of [...(entry?.listeners ?? [])]) listener();
  }

  #tellAll(): void {
    for (const entry of [...this.#watched.values()]) this.#tell(entry);
  }

  /** One query for every watched run; tells those whose record or last event moved since the previous poll. */
  async #poll(): Promise<void> {
    if (this.#polling || this.#watched.size === 0) return;
    this.#polling = true;
    try {
      if (this.#listener === undefined) await this.#listen();
      const ids = [...this.#watched.keys()];
      const { schema } = this.#connection;
      const { rows } = await this.#connection.pool.query<{ id: string; state: string }>(
        `SELECT ids.id, coalesce((SELECT updated_at::text FROM ${schema}.runs WHERE runs.id = ids.id), '') || '/' ||
           coalesce((SELECT max(seq)::text FROM ${schema}.run_events WHERE run_events.run_id = ids.id), '') AS state
         FROM unnest($1::text[]) AS ids(id)`,
        [ids],
      );
      for (const { id, state } of rows) {
        const entry = this.#watched.get(id);
        if (entry === undefined || entry.seen === state) continue;
        // The first poll of a run tells too: it has no earlier state to compare with.
        entry.seen = state;
        this.#tell(entry);
      }
    } catch {
      // The database is unreachable now; the next poll tries again.
    } finally {
      this.#polling = false;
    }
  }
}
