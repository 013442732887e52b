// Runs the CLI as users do: a separate Node process, no terminal. The bin is src/cli/main.ts compiled once with the
// rest of src/ (test/support/compiled.ts), as dist/cli.js is, so each process starts as plain `node cli.js …`; the
// TypeScript modules it loads still go through tsx, with `weft` pointed at the same compiled copy.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledPackage } from '../support/compiled.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const weftBuild = await compiledPackage();
export const fixture = (name: string): string => `test/cli/fixtures/${name}`;

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once stderr (or stdout) contains `text`; rejects if the process ends first. */
  readonly waitFor: (text: string | RegExp, stream?: 'stdout' | 'stderr') => Promise<void>;
  readonly done: Promise<Finished>;
}

/** Starts `weft …` with the repository as working directory (fixtures resolve `weft` through the build's tsconfig paths). */
export function start(args: readonly string[], options: { readonly env?: Record<string, string>; readonly stdin?: string } = {}): Running {
  const child = spawn(process.execPath, [weftBuild.cli, ...args], {
    cwd: root,
    env: { ...process.env, ...weftBuild.env, ...options.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const watcher of [...watchers]) watcher();
  });
  child.stdin.end(options.stdin ?? '');
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const watcher of [...watchers]) watcher();
      resolve({ code, signal, stdout, stderr });
    });
  });
  let ended = false;
  void done.then(() => (ended = true));
  const waitFor = (text: string | RegExp, stream: 'stdout' | 'stderr' = 'stderr'): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const seen = stream === 'stdout' ? stdout : stderr;
        if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
          watchers.delete(check);
          resolve();
        } else if (ended || child.exitCode !== null || child.signalCode !== null) {
          watchers.delete(check);
          reject(new Error(`weft ${args.join(' ')} ended before printing ${String(text)}.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, done };
}

/** Runs `weft …` to the end. */
export const weft = (args: readonly string[], options?: { readonly env?: Record<string, string>; readonly stdin?: string }): Promise<Finished> =>
  start(args, options).done;

/** A fresh folder for databases and input files; removed by the returned cleanup. */
export function tempDir(): { readonly path: string; readonly file: (name: string) => string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The JSON `weft run` / `weft runs show` prints on stdout. */
export const record = (
  finished: Finished,
): { id: string; status: string; outputs: unknown[]; pendingRequests: { id: string }[]; error?: { message: string } } =>
  JSON.parse(finished.stdout) as never;

/** JSON lines to values. */
export const jsonLines = <T = Record<string, unknown>>(text: string): T[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);

export const ANSI = /\x1b\[/;
