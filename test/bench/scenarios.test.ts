// The peer benchmark's scenarios, on small sizes: every engine must produce the exact result, so a broken
// scenario fails CI. No timing here (bench/run.ts measures). The peers come from bench/node_modules
// (`npm ci --prefix bench`, which .ci/run does): without them this file fails to import, on purpose. With
// WEFT_BENCH_PEERS=node24 the peers are those of the Node 24 bench instead (bench/node24: Mastra 1.x, LangGraph,
// Google ADK-TS), which need Node >= 22.13 and `npm ci --prefix bench/node24` (.ci/node24 does both).
import { describe, expect, it } from 'vitest';
import * as weft from 'weft';
import { isNotRun, type Engine, type EngineName } from '../../bench/engines/engine.js';
import { engine as raw } from '../../bench/engines/raw.js';
import { createWeftEngine } from '../../bench/engines/weft.js';
import {
  checkpointSum,
  expectChain,
  expectCheckpoint,
  expectConcurrency,
  expectFanout,
  expectLongLoop,
  expectLoop,
  expectSoak,
  FULL,
  SMALL as S,
} from '../../bench/scenarios/checks.js';

const peerSet = process.env['WEFT_BENCH_PEERS'] ?? 'node20';
if (peerSet !== 'node20' && peerSet !== 'node24') throw new Error(`WEFT_BENCH_PEERS must be node20 or node24, got "${peerSet}"`);
// A path in a variable, so the typecheck of bench/ on Node 20 does not follow it into bench/node24.
const peerModule = peerSet === 'node24' ? '../../bench/node24/engines/index.js' : '../../bench/engines/peers.js';
const { peers } = (await import(peerModule)) as { peers: readonly Engine[] };

const engines: readonly Engine[] = [raw, createWeftEngine(weft), ...peers];

it(`runs the ${peerSet} peers`, () => {
  expect(peers.map((p) => p.name)).toEqual(peerSet === 'node24' ? ['langgraph', 'mastra', 'adk'] : ['langgraph', 'mastra']);
});

/** The scenarios each engine may decline, and nothing else. */
const mayNotRun: Readonly<Record<EngineName, readonly string[]>> = {
  raw: [],
  weft: [],
  langgraph: ['long loop', 'checkpoint shared'],
  mastra: ['checkpoint', 'long loop', 'checkpoint shared'],
  adk: ['checkpoint', 'long loop', 'checkpoint shared'],
};

describe('the expected results are those of the issue at full size', () => {
  it('chain 1000, fanout 999000, loop 2000', () => {
    expect(expectChain(FULL.chain)).toEqual({ count: 1000 });
    expect(expectFanout(FULL.fanout)).toEqual({ sum: 999_000 });
    expect(expectLoop(FULL.loop)).toEqual({ count: 2000 });
  });

  it('checkpoint: counter 500, the values sum to 1 + … + 500, a checkpoint per superstep', () => {
    expect(checkpointSum(FULL.checkpoint)).toBe(125_250);
    expect(expectCheckpoint('weft', FULL.checkpoint)).toMatchObject({ counter: 500, checkpoints: 1001, resumedCounter: 500 });
  });

  it('concurrency: the ids sum to 124750 and the cap of 50 is reached', () => {
    expect(expectConcurrency(FULL.concurrency)).toEqual({ sum: 124_750, maxInFlight: 50 });
  });

  it('checkpointSum wraps the counter around the keys', () => {
    // counters 1…12 over 10 keys: keys 1 and 2 end up holding 11 and 12, key 0 holds 10.
    expect(checkpointSum({ limit: 12, keys: 10 })).toBe(3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12);
  });
});

describe.each(engines)('$name', (engine) => {
  it('chain', async () => {
    expect(await engine.chain(S.chain.length)()).toEqual(expectChain(S.chain));
  });

  it('fanout', async () => {
    expect(await engine.fanout(S.fanout.width)()).toEqual(expectFanout(S.fanout));
  });

  it('loop', async () => {
    expect(await engine.loop(S.loop.limit)()).toEqual(expectLoop(S.loop));
  });

  it('checkpoint: every checkpoint kept, loadable, and resumable', async () => {
    const run = engine.checkpoint(S.checkpoint.limit, S.checkpoint.keys);
    if (isNotRun(run)) {
      expect(mayNotRun[engine.name]).toContain('checkpoint');
      expect(run.notRun).not.toBe('');
      return;
    }
    const { counter, inspect } = await run();
    expect({ counter, ...(await inspect()) }).toEqual(expectCheckpoint(engine.name, S.checkpoint));
  });

  it('checkpoint shared: the same with the object in shared state, where the engine has that kind', async () => {
    const run = engine.checkpointShared?.(S.checkpoint.limit, S.checkpoint.keys);
    if (run === undefined || isNotRun(run)) {
      expect(mayNotRun[engine.name]).toContain('checkpoint shared');
      return;
    }
    const { counter, inspect } = await run();
    expect({ counter, ...(await inspect()) }).toEqual(expectCheckpoint(engine.name, S.checkpoint));
  });

  it('concurrency: the cap is reached and never exceeded', async () => {
    const run = engine.concurrency(S.concurrency.tasks, S.concurrency.cap, S.concurrency.delayMs);
    expect(await run()).toEqual(expectConcurrency(S.concurrency));
    expect(await run()).toEqual(expectConcurrency(S.concurrency)); // the counter resets between runs
  });

  it('long loop', async () => {
    const run = engine.longLoop(S.longLoop.supersteps);
    if (isNotRun(run)) {
      expect(mayNotRun[engine.name]).toContain('long loop');
      return;
    }
    expect(await run()).toEqual(expectLongLoop(S.longLoop));
  });

  it('soak', async () => {
    expect(await engine.soak(S.soak.runs, S.soak.length)()).toEqual(expectSoak(S.soak));
  });
});
