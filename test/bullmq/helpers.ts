// What the BullMQ tests share: a Redis per file, fresh queue names, and child processes that report JSON lines and
// are stopped by the test (workers run until told).
import { spawn } from 'node:child_process';
import { describe } from 'vitest';
import { redisMissing } from '../support/redis.js';

export { startRedis, type RedisServer } from '../support/redis.js';

const missing = redisMissing();
if (missing !== undefined && process.env['CI'] !== undefined) throw new Error(`The Redis suites must run on CI, but ${missing}.`);
if (missing !== undefined) console.warn(`weft: skipping the Redis suites: ${missing}.`);

/** `describe`, or `describe.skip` when redis-server is missing (never on CI: there it is an error). */
export const describeRedis = (missing === undefined ? describe : describe.skip) as typeof describe;

let queues = 0;
/** A queue name no other test uses. */
export const freshQueue = (): string => `test-${process.pid}-${(queues += 1)}`;

/** A child process that reports JSON lines, and runs until it ends or the test kills it. */
export interface ReportingProcess<TReport> {
  readonly reports: TReport[];
  /** Resolves with the first report (already written or to come) that `accept` takes; rejects if the child ends first. */
  next(accept: (report: TReport) => boolean): Promise<TReport>;
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string }>;
}

/** Starts `node <script> …args`; `onReport` hears every report as it arrives (to kill this or another child at once). */
export function startReporting<TReport>(script: string, args: readonly string[], onReport?: (report: TReport) => void): ReportingProcess<TReport> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: TReport[] = [];
  const waiting = new Set<{ accept: (report: TReport) => boolean; resolve: (report: TReport) => void; reject: (error: Error) => void }>();
  let pending = '';
  let stderr = '';
  let ended = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const report = JSON.parse(pending.slice(0, newline)) as TReport;
      pending = pending.slice(newline + 1);
      reports.push(report);
      onReport?.(report);
      for (const waiter of [...waiting]) {
        if (!waiter.accept(report)) continue;
        waiting.delete(waiter);
        waiter.resolve(report);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      for (const waiter of waiting) waiter.reject(new Error(`${script} ended (${code ?? signal}) before the report the test waits for.\n${stderr}`));
      waiting.clear();
      resolve({ code, signal, stderr });
    });
  });
  return {
    reports,
    next(accept) {
      const found = reports.find(accept);
      if (found !== undefined) return Promise.resolve(found);
      if (ended) return Promise.reject(new Error(`${script} has ended without the report the test waits for.\n${stderr}`));
      return new Promise((resolve, reject) => waiting.add({ accept, resolve, reject }));
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    done,
  };
}
