// A throwaway Postgres cluster for tests, benchmarks and examples: initdb in a fresh temp dir, a free loopback port,
// trust auth, the unix socket inside the temp dir. As root (initdb refuses it) the binaries run as the `postgres` user.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/** A running cluster: its superuser URL and how to stop it (and remove its files). */
export interface PostgresCluster {
  readonly url: string;
  stop(): Promise<void>;
}

/** What tests receive through `inject('postgres')`: a server URL, or why there is none. */
export type PostgresAvailability = { readonly url: string } | { readonly skip: string };

const INSTALL_HINT =
  'install PostgreSQL 15 so that initdb, pg_ctl and postgres are on PATH (Debian/Ubuntu: apt-get install postgresql, then add /usr/lib/postgresql/15/bin to PATH)';

/** Why the binaries cannot be used here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  for (const binary of ['initdb', 'pg_ctl', 'postgres']) {
    const found = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (found.error !== undefined || found.status !== 0) return `${binary} is not on PATH; ${INSTALL_HINT}`;
  }
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).status !== 0) {
    return 'running as root, and there is no `postgres` user to run initdb as (initdb refuses root); create one with `useradd postgres`';
  }
  return undefined;
}

/** Runs a Postgres binary (as `postgres` when we are root) to its end; rejects with its output when it fails. */
function run(command: string, args: readonly string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

/**
 * Starts a fresh cluster and resolves once it accepts connections. `durable: false` (for tests) turns fsync off;
 * benchmarks keep Postgres' defaults.
 */
export async function startPostgres(options: { readonly durable?: boolean } = {}): Promise<PostgresCluster> {
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(`Cannot start Postgres: ${missing}.`);
  const directory = mkdtempSync(join(tmpdir(), 'weft-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(directory, uid, gid);
  }
  const data = join(directory, 'data');
  let started = false;
  const stop = async (): Promise<void> => {
    try {
      if (started) await run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  try {
    await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    const settings = [`-p ${port}`, `-k ${directory}`, '-c listen_addresses=127.0.0.1', '-c max_connections=400'];
    if (options.durable === false) settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
    started = true;
    try {
      await run('pg_ctl', ['start', '-D', data, '-w', '-t', '120', '-l', join(directory, 'log'), '-o', settings.join(' ')]);
    } catch (error) {
      let log = '';
      try {
        log = readFileSync(join(directory, 'log'), 'utf8');
      } catch {
        // no log written
      }
      throw new Error(`${(error as Error).message}\n${log}`);
    }
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

let counter = 0;
const uniqueName = (prefix: string): string => `${prefix}_${process.pid}_${Date.now().toString(36)}_${(counter += 1)}`;

/** A schema name no other test uses (the stores create it on first use). */
export const freshSchema = (): string => uniqueName('weft_test');

/** Creates an empty database on the cluster at `url` and returns its URL. */
export async function freshDatabase(url: string): Promise<string> {
  const name = uniqueName('weft_db');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const database = new URL(url);
  database.pathname = `/${name}`;
  return database.toString();
}
