// A throwaway Redis for tests and benchmarks: `redis-server` on a free loopback port, in a fresh temp dir, with no
// persistence. Started per test file (it takes milliseconds), stopped with the file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A running server: its URL and how to stop it (and remove its directory). */
export interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install Redis so that redis-server is on PATH (Debian/Ubuntu: apt-get install -y redis-server)';

/** Why redis-server cannot be used here, or undefined when it can. */
export function redisMissing(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return found.error !== undefined || found.status !== 0 ? `redis-server is not on PATH; ${INSTALL_HINT}` : undefined;
}

/** Starts a fresh server and resolves once it accepts connections (it says so on stdout). */
export async function startRedis(): Promise<RedisServer> {
  const missing = redisMissing();
  if (missing !== undefined) throw new Error(`Cannot start Redis: ${missing}.`);
  const directory = mkdtempSync(join(tmpdir(), 'weft-redis-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory, '--loglevel', 'notice'],
    { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (/Ready to accept connections/.test(output)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('close', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
