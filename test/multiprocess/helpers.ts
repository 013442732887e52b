// Starts worker processes and waits for the lines they report (never for a time).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../support/compiled.js';
import type { Effect } from './workflows.js';
import type { WorkerConfig, WorkerReport } from './worker.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = await compiled(new URL('./worker.ts', import.meta.url).href);

/** A running worker. */
export interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly reports: WorkerReport[];
  /** Resolves with the first report (already received or to come) that `match` accepts; rejects if the child ends first. */
  waitFor<T extends WorkerReport>(match: (report: WorkerReport) => report is T): Promise<T>;
  waitFor(match: (report: WorkerReport) => boolean): Promise<WorkerReport>;
  /** Calls `listener` after every batch of reports and when the child ends; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Resolves once the child has exited. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }>;
  stderr(): string;
}

const started: ChildProcessWithoutNullStreams[] = [];

/** Starts `worker.ts <mode> <config>`. */
export function worker(mode: 'serve' | 'drive' | 'recover' | 'crash', config: WorkerConfig): Worker {
  const child = spawn(process.execPath, [script, mode, JSON.stringify(config)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  const reports: WorkerReport[] = [];
  const watchers = new Set<() => void>();
  let pending = '';
  let stderr = '';
  let ended = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      reports.push(JSON.parse(pending.slice(0, newline)) as WorkerReport);
      pending = pending.slice(newline + 1);
    }
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      ended = true;
      for (const watcher of [...watchers]) watcher();
      resolve({ code, signal, stderr });
    }),
  );
  const waitFor = (match: (report: WorkerReport) => boolean): Promise<WorkerReport> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = reports.find(match);
        if (found !== undefined) {
          watchers.delete(check);
          resolve(found);
        } else if (ended) {
          watchers.delete(check);
          reject(
            new Error(`worker ${mode} ended before reporting what the test waits for.\nreports: ${JSON.stringify(reports)}\nstderr:\n${stderr}`),
          );
        }
      };
      watchers.add(check);
      check();
    });
  const onChange = (listener: () => void): (() => void) => {
    watchers.add(listener);
    return () => watchers.delete(listener);
  };
  return { child, reports, waitFor: waitFor as Worker['waitFor'], onChange, exited, stderr: () => stderr };
}

/** SIGKILLs every worker still alive. */
export function killWorkers(): void {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A fresh folder with a database and an effects file. */
export function workspace(): { readonly db: string; readonly effects: string; readonly remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'weft-multi-'));
  return {
    db: join(directory, 'weft.db'),
    effects: join(directory, 'effects.jsonl'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** The side effects recorded so far, by every process. */
export function effectsIn(file: string): Effect[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Effect);
}

/** Resolves once `condition` holds, checked whenever one of the workers reports; rejects if all of them end first. */
export function untilAll(workers: readonly Worker[], condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const unsubscribes: (() => void)[] = [];
    const check = (): void => {
      const alive = workers.some((each) => each.child.exitCode === null && each.child.signalCode === null);
      if (!condition() && alive) return;
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      if (condition()) resolve();
      else reject(new Error(`every worker ended before the condition held.\nstderr:\n${workers.map((each) => each.stderr()).join('\n---\n')}`));
    };
    for (const each of workers) unsubscribes.push(each.onChange(check));
    check();
  });
}

/** Resolves with the worker's reports that match, once there are `count` of them. */
export async function reportsOf<T extends WorkerReport>(worker: Worker, count: number, match: (report: WorkerReport) => report is T): Promise<T[]> {
  await worker.waitFor(() => worker.reports.filter(match).length >= count);
  return worker.reports.filter(match);
}
