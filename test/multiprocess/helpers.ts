// Starts worker processes and waits for the lines they report (never for a time).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../support/compiled.js';
import { startReporting, type ReportingChild } from '../support/reporting-child.js';
import type { Effect } from './workflows.js';
import type { WorkerConfig, WorkerReport } from './worker.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = await compiled(new URL('./worker.ts', import.meta.url).href);

/** A running worker: its reports, `next` to wait for one, `writeLine` to its stdin. */
export type Worker = ReportingChild<WorkerReport>;

const started: Worker[] = [];

/** Starts `worker.ts <mode> <config>`. */
export function worker(mode: 'serve' | 'drive' | 'recover' | 'crash', config: WorkerConfig): Worker {
  const child = startReporting<WorkerReport>(script, [mode, JSON.stringify(config)], { cwd: root, stdin: 'pipe' });
  started.push(child);
  return child;
}

/** SIGKILLs every worker still alive. */
export function killWorkers(): void {
  for (const child of started.splice(0)) child.kill('SIGKILL');
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
      const alive = workers.some((each) => each.alive());
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
  await worker.next(() => worker.reports.filter(match).length >= count);
  return worker.reports.filter(match);
}
