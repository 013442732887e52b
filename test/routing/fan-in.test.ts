// The fan-in buffer against a plain model of it: one FIFO per source, a batch whenever every FIFO holds a message.
import { describe, expect, it } from 'vitest';
import type { FanInEdgeDefinition } from '../../src/model/types.js';
import { FanInBatcher } from '../../src/routing/fan-in.js';

const edge = (sources: number): FanInEdgeDefinition =>
  ({ kind: 'fan-in', id: 'join', sources: Array.from({ length: sources }, (_, i) => `s${i}`), target: 'join' }) as unknown as FanInEdgeDefinition;

/** The model: FIFOs per source; adding releases one message from each while all are non-empty. */
function model(stored: readonly (readonly unknown[])[], adds: readonly [number, unknown][]): { batches: unknown[][]; left: unknown[][] } {
  const queues = stored.map((q) => [...q]);
  const batches: unknown[][] = [];
  for (const [source, message] of adds) {
    (queues[source] as unknown[]).push(message);
    if (queues.every((q) => q.length > 0)) batches.push(queues.map((q) => q.shift()));
  }
  return { batches, left: queues };
}

/** A small deterministic generator (no Math.random: a failure must be reproducible). */
function* numbers(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x;
  }
}

describe('FanInBatcher', () => {
  it('releases the same batches and leaves the same buffer as one FIFO per source, over many random supersteps', () => {
    const random = numbers(7);
    const next = (n: number): number => (random.next().value as number) % n;
    for (let round = 0; round < 300; round++) {
      const sources = 1 + next(4);
      const stored: unknown[][] = Array.from({ length: sources }, () => Array.from({ length: next(3) }, () => `old${next(100)}`));
      // Runs of messages from one source, so that several wait behind a source's first.
      let source = 0;
      const adds = Array.from({ length: next(12) }, (_, i): [number, unknown] => {
        if (next(3) === 0) source = next(sources);
        return [source, `m${round}.${i}`];
      });
      const batcher = new FanInBatcher(edge(sources), round % 5 === 0 ? undefined : stored);
      const start = round % 5 === 0 ? stored.map(() => []) : stored;
      const expected = model(start, adds);

      const batches = adds.map(([source, message]) => batcher.add(source, message)).filter((b) => b !== undefined);

      expect(batches.map((b) => [...b])).toEqual(expected.batches);
      const left = batcher.snapshot();
      if (expected.left.every((q) => q.length === 0)) expect(left).toBeUndefined();
      else expect(left).toEqual(expected.left);
    }
  });

  it('leaves a stored buffer untouched', () => {
    const stored = [['a'], [], ['c1', 'c2']] as const;
    const batcher = new FanInBatcher(edge(3), stored);
    expect(batcher.add(1, 'b')).toEqual(['a', 'b', 'c1']);
    expect(batcher.snapshot()).toEqual([[], [], ['c2']]);
    expect(stored).toEqual([['a'], [], ['c1', 'c2']]);
  });
});
