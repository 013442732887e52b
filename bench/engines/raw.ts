// The floor: the same work as hand-written async code. Every step is an awaited async function called
// through an array or a variable, so the JIT cannot fold the work away; no graph, no validation, no events.
import { delay, InFlight, zeroes, type CheckpointRun, type Engine, type Run } from './engine.js';

const increments = (length: number): ((n: number) => Promise<number>)[] => Array.from({ length }, () => async (n: number) => n + 1);

function chain(length: number): Run<{ count: number }> {
  const steps = increments(length);
  return async () => {
    let count = 0;
    for (const step of steps) count = await step(count);
    return { count };
  };
}

function fanout(width: number): Run<{ sum: number }> {
  const start = async (): Promise<number[]> => Array.from({ length: width }, (_, i) => i);
  const workers = Array.from({ length: width }, () => async (i: number) => 2 * i);
  const aggregate = async (values: readonly number[]): Promise<number> => {
    let total = 0;
    for (const v of values) total += v;
    return total;
  };
  return async () => {
    const items = await start();
    const doubled = await Promise.all(items.map((i) => (workers[i] as (i: number) => Promise<number>)(i)));
    return { sum: await aggregate(doubled) };
  };
}

const stepA = async (count: number): Promise<number> => count + 1;
/** B: back to A (true) while the counter is below the limit. */
const stepB = async (count: number, limit: number): Promise<boolean> => count < limit;

function loop(limit: number): Run<{ count: number }> {
  return async () => {
    let count = 0;
    do count = await stepA(count);
    while (await stepB(count, limit));
    return { count };
  };
}

/**
 * Hand-written checkpoints, the cheapest that are still complete: the untouched initial object once, then per
 * superstep a record of the next step, the counter and the one key A changed. Loading one replays the
 * changes up to it onto a copy of the initial object; every checkpoint stays resumable.
 */
interface RawCheckpoint {
  readonly superstep: number;
  readonly next: 'a' | 'b' | 'done';
  readonly counter: number;
  readonly set: readonly [key: string, value: number] | undefined;
}

function checkpoint(limit: number, keys: number): Run<CheckpointRun> {
  const initial = Object.freeze(zeroes(keys));

  /** Runs from `from` to the end, saving into `saved`; the values object is mutated in place. */
  const drive = async (values: Record<string, number>, from: RawCheckpoint, saved: RawCheckpoint[]): Promise<number> => {
    let { superstep, next, counter } = from;
    while (next !== 'done') {
      superstep++;
      let set: RawCheckpoint['set'];
      if (next === 'a') {
        counter = await stepA(counter);
        const key = String(counter % keys);
        values[key] = counter;
        set = [key, counter];
        next = 'b';
      } else next = (await stepB(counter, limit)) ? 'a' : 'done';
      saved.push({ superstep, next, counter, set });
    }
    return counter;
  };

  const load = (saved: readonly RawCheckpoint[], index: number): Record<string, number> => {
    const values = { ...initial };
    for (let i = 1; i <= index; i++) {
      const set = (saved[i] as RawCheckpoint).set;
      if (set !== undefined) values[set[0]] = set[1];
    }
    return values;
  };

  return async () => {
    const first: RawCheckpoint = { superstep: 0, next: 'a', counter: 0, set: undefined };
    const saved: RawCheckpoint[] = [first];
    const counter = await drive({ ...initial }, first, saved);
    return {
      counter,
      inspect: async () => {
        let loaded = 0;
        for (let i = 0; i < saved.length; i++) if (load(saved, i) !== undefined) loaded++;
        let total = 0;
        for (const v of Object.values(load(saved, saved.length - 1))) total += v;
        const middle = saved.length >> 1;
        const resumedCounter = await drive(load(saved, middle), saved[middle] as RawCheckpoint, []);
        return { checkpoints: saved.length, loaded, sum: total, resumedCounter };
      },
    };
  };
}

function concurrency(tasks: number, cap: number, delayMs: number): Run<{ sum: number; maxInFlight: number }> {
  const inFlight = new InFlight();
  const task = async (id: number): Promise<number> => {
    inFlight.enter();
    await delay(delayMs);
    inFlight.leave();
    return id;
  };
  return async () => {
    inFlight.reset();
    let next = 0;
    let total = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks) {
        const id = await task(next++);
        total += id;
      }
    };
    await Promise.all(Array.from({ length: Math.min(cap, tasks) }, worker));
    return { sum: total, maxInFlight: inFlight.max };
  };
}

function longLoop(supersteps: number): Run<{ count: number; supersteps: number }> {
  const limit = supersteps / 2;
  return async () => {
    let count = 0;
    let steps = 0;
    let back = true;
    while (back) {
      count = await stepA(count);
      back = await stepB(count, limit);
      steps += 2;
    }
    return { count, supersteps: steps };
  };
}

function soak(runs: number, length: number): Run<{ runs: number; total: number }> {
  const once = chain(length);
  return async () => {
    let total = 0;
    for (let r = 0; r < runs; r++) total += (await once()).count;
    return { runs, total };
  };
}

export const engine: Engine = {
  name: 'raw',
  version: `hand-written async code, Node ${process.version}`,
  chain,
  fanout,
  loop,
  checkpoint,
  checkpointShared: checkpoint, // hand-written code has one kind of state
  concurrency,
  longLoop,
  soak,
};
