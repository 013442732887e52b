import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MemoryRunStore, type RunQuery, type RunStatus, type RunStore, type SerializedEvent } from '../index.js';
import { UsageError } from './args.js';

export const DEFAULT_DB = 'weft.db';

/**
 * The lease of the runs a CLI process drives, in ms: `WEFT_LEASE_MS` from the environment, default 30 000. A process
 * that dies holds its runs that long; then `weft serve` (which recovers every half lease) or `weft runs resume` takes them.
 */
export function leaseMsOf(env: NodeJS.ProcessEnv): number {
  const given = env['WEFT_LEASE_MS'];
  if (given === undefined || given === '') return 30_000;
  const value = Number(given);
  if (!(Number.isInteger(value) && value >= 100))
    throw new UsageError(`WEFT_LEASE_MS must be a whole number of milliseconds, at least 100; got "${given}".`);
  return value;
}

/** A run store and how to let go of it. */
export interface OpenedStore {
  readonly store: RunStore;
  /** Where it lives, as the user wrote it but for a password (for messages and the commands they are told to run). */
  readonly location: string;
  close(): void | Promise<void>;
}

/** A `--db` value that names a Postgres database rather than a SQLite file. */
export const isPostgresUrl = (db: string): boolean => /^postgres(?:ql)?:\/\//i.test(db);

/** The URL with its password masked, for messages (the URL itself may sit in a log). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * The run store `--db` names: a Postgres database for a `postgres://` or `postgresql://` URL, otherwise the SQLite
 * file at that path (relative to `cwd`), creating the file and its folder unless `mustExist` (the `runs` commands
 * read a database, they never start an empty one by mistake).
 */
export async function openStore(db: string, cwd: string, { mustExist = false } = {}): Promise<OpenedStore> {
  return isPostgresUrl(db) ? openPostgresStore(db) : openSqliteStore(db, cwd, mustExist);
}

/**
 * The Postgres run store at `url`, its tables created or brought up to date (many nodes may do it at once). `weft/postgres`
 * and its peer `pg` are loaded here, so that SQLite users never need them. A `schema` query parameter picks the
 * Postgres schema that holds weft's tables (default `public`).
 */
async function openPostgresStore(url: string): Promise<OpenedStore> {
  const shown = withoutPassword(url);
  let postgres: typeof import('../postgres/index.js');
  try {
    postgres = await import('../postgres/index.js');
  } catch (error) {
    throw new UsageError(
      `--db ${shown} is a Postgres database, which needs the pg package, and it did not load: run "npm install pg". (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const { connectionString, schema } = splitSchema(url);
  const store = new postgres.PostgresRunStore({ connectionString, ...(schema === undefined ? {} : { schema }) });
  try {
    await store.migrate(); // fail now, with the fix, rather than at the first run
  } catch (error) {
    await store.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `--db ${shown}: cannot use this Postgres database (${reason}). Check that the server is up and the URL's host, port, user, password and database are right (postgres://user:password@host:5432/database).`,
    );
  }
  return { store, location: shown, close: () => store.close() };
}

/** Takes the `schema` query parameter (weft's, not libpq's) out of the URL. */
function splitSchema(url: string): { readonly connectionString: string; readonly schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, schema: undefined }; // pg reports what is wrong with it
  }
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return { connectionString: url, schema: undefined };
  if (schema === '')
    throw new UsageError(`--db ${withoutPassword(url)}: schema= is empty; name a Postgres schema (schema=weft) or leave it out for "public".`);
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

async function openSqliteStore(path: string, cwd: string, mustExist: boolean): Promise<OpenedStore> {
  const file = resolve(cwd, path);
  if (mustExist && !existsSync(file))
    throw new UsageError(`No weft database at "${path}" (looked for ${file}). Point at one with --db <file>; "weft run" and "weft serve" create it.`);
  // Loaded here, not on start: `weft graph` and `weft run --memory` work without better-sqlite3.
  let sqlite: typeof import('../sqlite/index.js');
  try {
    sqlite = await import('../sqlite/index.js');
  } catch (error) {
    throw new UsageError(
      `Recording runs in "${path}" (a SQLite file; a postgres:// URL names a Postgres database) needs better-sqlite3, which did not load: run "npm i better-sqlite3"${mustExist ? '' : ', or pass --memory to keep the run in memory'}. (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UsageError(`--db ${path} is a directory; give the path of a database file (e.g. --db ${join(path, DEFAULT_DB)}).`);
  let store: RunStore & { close(): void };
  try {
    mkdirSync(dirname(file), { recursive: true });
    store = sqlite.openSqliteRunStore(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `--db ${path} cannot be opened as a weft database (${reason}). Point --db at a database "weft run" or "weft serve" made, or at a new file.`,
    );
  }
  return { store, location: path, close: () => closeQuietly(store) };
}

export const memoryStore = (): OpenedStore => ({ store: new MemoryRunStore(), location: 'memory (--memory)', close: () => undefined });

function closeQuietly(store: RunStore): void {
  const close = (store as { close?: () => void }).close;
  if (typeof close === 'function') close.call(store);
}

interface RunLog {
  readonly events: SerializedEvent[];
  readonly statuses: RunStatus[];
}

/** Where a run's log stood, to follow it from there. */
export interface LogPosition {
  readonly events: number;
  readonly statuses: number;
}

export interface RunListener {
  /** Events in the order they were stored. */
  readonly event: (event: SerializedEvent) => void;
  /** Every status the runtime writes, once written. */
  readonly status: (status: RunStatus) => void;
  /** A write for the run failed: the runtime stopped it where the store last recorded it. */
  readonly failed?: (error: unknown) => void;
}

/**
 * A run store that tells the CLI what the runtime writes: each event once stored, each status once written. A run
 * has stopped (completed, failed, cancelled, waiting) exactly when such a status is written, after all its events:
 * nothing to poll, no race with the write queue.
 */
export class WatchedStore {
  readonly store: RunStore;
  readonly #logs = new Map<string, RunLog>();
  readonly #listeners = new Map<string, Set<RunListener>>();
  /** Runs `listRuns({ status: 'running' })` may return; all when undefined (see {@link onlyRecover}). */
  #recoverable: ReadonlySet<string> | undefined;

  constructor(inner: RunStore) {
    const log = (runId: string): RunLog => {
      let entry = this.#logs.get(runId);
      if (entry === undefined) this.#logs.set(runId, (entry = { events: [], statuses: [] }));
      return entry;
    };
    const written = (runId: string, events: readonly SerializedEvent[], status: RunStatus | undefined): void => {
      log(runId).events.push(...events);
      for (const event of events) for (const listener of this.#listeners.get(runId) ?? []) listener.event(event);
      if (status === undefined) return;
      log(runId).statuses.push(status);
      for (const listener of this.#listeners.get(runId) ?? []) listener.status(status);
    };
    this.store = {
      checkpoints: inner.checkpoints,
      createRun: (record, lease) => inner.createRun(record, lease),
      getRun: (id) => inner.getRun(id),
      readEvents: (runId, afterSeq) => inner.readEvents(runId, afterSeq),
      listRuns: async (query?: RunQuery) => {
        const page = await inner.listRuns(query);
        const only = this.#recoverable;
        return only === undefined || query?.status !== 'running'
          ? page
          : { runs: page.runs.filter((run) => only.has(run.id)), nextCursor: page.nextCursor };
      },
      appendEvents: async (runId, events) => {
        await inner.appendEvents(runId, events);
        written(runId, events, undefined);
      },
      updateRun: async (id, changes) => {
        await inner.updateRun(id, changes);
        written(id, [], changes.status);
      },
      claimRun: (runId, request) => inner.claimRun(runId, request),
      answerRun: (runId, answer, request) => inner.answerRun(runId, answer, request),
      renewLease: (lease, request) => inner.renewLease(lease, request),
      requestCancel: (runId) => inner.requestCancel(runId),
      commitRun: async (lease, commit) => {
        const result = await inner.commitRun(lease, commit);
        written(lease.runId, commit.events, commit.changes?.status);
        return result;
      },
    };
  }

  position(runId: string): LogPosition {
    const entry = this.#logs.get(runId);
    return { events: entry?.events.length ?? 0, statuses: entry?.statuses.length ?? 0 };
  }

  /** Replays what was written for the run since `from`, then reports what is written next; returns the unsubscribe. */
  follow(runId: string, from: LogPosition, listener: RunListener): () => void {
    const entry = this.#logs.get(runId);
    for (const event of entry?.events.slice(from.events) ?? []) listener.event(event);
    for (const status of entry?.statuses.slice(from.statuses) ?? []) listener.status(status);
    let set = this.#listeners.get(runId);
    if (set === undefined) this.#listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Tells the run's followers that a write for it failed (pass it as the runtime's `onStoreError`). */
  storeFailed(runId: string, error: unknown): void {
    for (const listener of this.#listeners.get(runId) ?? []) listener.failed?.(error);
  }

  /** Makes `runtime.recover()` continue only these runs (a CLI continuing one run leaves the others alone). */
  onlyRecover(runIds: readonly string[]): void {
    this.#recoverable = new Set(runIds);
  }
}
