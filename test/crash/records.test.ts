// Invocation records across a real crash: a child process runs a superstep in which four invocations run at once
// (or a `parallel` with four branches, a `loop` of ten iterations, or a `pipeline` of four items); one hangs, the others finish and write a
// side effect to a file. Once their records are saved the test SIGKILLs the child, and a new child resumes the run:
// only the unfinished invocation runs again, and the result equals an uninterrupted run's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import { runReporting, type ReportedChild } from '../support/reporting-child.js';
import type { RecordsReport } from './records-worker.js';
import { recordsCases, type RecordsCase } from './records-workflow.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const worker = await compiled(new URL('./records-worker.ts', import.meta.url).href);
const directory = mkdtempSync(join(tmpdir(), 'weft-records-'));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Child = ReportedChild<RecordsReport>;

/** Runs the worker; `killWhen` sees every report so far and SIGKILLs the child the first time it returns true. */
const child = (args: readonly string[], killWhen?: (reports: readonly RecordsReport[]) => boolean): Promise<Child> =>
  runReporting<RecordsReport>(worker, args, root, killWhen === undefined ? undefined : (_report, reports) => killWhen(reports));

/** The invocation ids of the side effects reported so far, each with its record saved. */
const recordedEffects = (reports: readonly RecordsReport[]): string[] => {
  const recorded = new Set(reports.flatMap((r) => (r.type === 'recorded' ? [r.invocationId] : [])));
  return reports.flatMap((r) => (r.type === 'effect' && recorded.has(r.line.split(' ')[2] as string) ? [r.line] : []));
};

const effectsIn = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : [];

/** Kills the case's run once `finished` side effects are recorded, resumes it, and returns both children and the effects. */
async function killAndRecover(name: RecordsCase, finished: number) {
  const file = join(directory, `${name}.db`);
  const effects = join(directory, `${name}.effects`);
  const runId = `records-${name}`;
  const killed = await child(['run', name, file, runId, effects], (reports) => recordedEffects(reports).length >= finished);
  expect(killed.stderr).toBe('');
  expect(killed.signal, 'the child was killed, not finished').toBe('SIGKILL');
  expect(killed.reports.some((r) => r.type === 'completed')).toBe(false);
  const before = effectsIn(effects);
  expect(before).toHaveLength(finished);

  const resumed = await child(['resume', name, file, runId, effects]);
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  const last = resumed.reports.at(-1);
  if (last?.type !== 'resumed') throw new Error(`the resuming child reported ${JSON.stringify(last)}`);

  const reference = await recordsCases[name].workflow.run(0);
  expect(last.result.status).toBe('completed');
  expect(last.result.outputs).toEqual(reference.outputs);
  expect(last.result.shared).toEqual(reference.shared);
  expect(last.recordsLeft, 'records of committed supersteps are dropped').toBe(0);
  const after = effectsIn(effects);
  expect(after.slice(0, before.length)).toEqual(before);
  return { before, again: after.slice(before.length), result: last.result };
}

describe.concurrent('a run killed with SIGKILL in the middle of a superstep runs only its unfinished invocations again', () => {
  it('four invocations at once, three finished: only the fourth runs again', async () => {
    const { before, again, result } = await killAndRecover('fanout', 3);
    expect(before.map((line) => line.split(' ')[0]).sort()).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(again.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['worker-4 0']);
    expect(result.shared).toEqual({ 'seen-worker-1': [0], 'seen-worker-2': [0], 'seen-worker-3': [0], 'seen-worker-4': [0] });
  });

  it('a parallel of four branches, three finished: only the fourth branch runs again', async () => {
    const { before, again, result } = await killAndRecover('parallel', 3);
    expect(before.map((line) => line.split(' ')[0]).sort()).toEqual(['branch-1', 'branch-2', 'branch-3']);
    expect(again.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['branch-4 0']);
    expect(result.outputs).toEqual([[1, 2, 3, 4]]);
  });

  it('a loop killed in iteration 8 of 10 continues there: iterations 1 to 7 do not run again', async () => {
    const { before, again, result } = await killAndRecover('loop', 7);
    expect(before.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `body ${n}`));
    expect(again.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([7, 8, 9].map((n) => `body ${n}`));
    expect(result.outputs).toEqual([{ value: 10, iterations: 10, reason: 'maxIterations' }]);
  });

  it('a pipeline of four items, three finished: only the fourth item runs again', async () => {
    const { before, again, result } = await killAndRecover('pipeline', 3);
    expect(before.map((line) => line.split(' ')[0]).sort()).toEqual(['item-0', 'item-1', 'item-2']);
    expect(again.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['item-3 4']);
    // The item's invocation id is the same in both processes: a real stage's idempotency key.
    expect(again[0]?.split(' ')[2]).toMatch(/^records-pipeline\/2:items:0\/2:item:3$/);
    expect(result.outputs).toEqual([[11, 21, 31, 41]]);
  });
});
