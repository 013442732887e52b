// What the BullMQ tests share: a Redis per file, fresh queue names, and child processes that report JSON lines and
// are stopped by the test (workers run until told).
import { describe } from 'vitest';
import { startReporting as startReportingChild, type ReportingChild } from '../support/reporting-child.js';
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
export type ReportingProcess<TReport> = ReportingChild<TReport>;

/** Starts `node <script> …args`; `onReport` hears every report as it arrives (to kill this or another child at once). */
export function startReporting<TReport>(script: string, args: readonly string[], onReport?: (report: TReport) => void): ReportingProcess<TReport> {
  return startReportingChild<TReport>(script, args, onReport === undefined ? {} : { onReport: (report) => onReport(report) });
}
