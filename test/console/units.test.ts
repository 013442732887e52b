// The console's pure parts: the layered layout, the timeline fold, the state diff.
import { describe, expect, it } from 'vitest';
import { layeredLayout } from '../../src/console/layout.js';
import { Timeline } from '../../src/console/timeline.js';
import type { RunEvent } from '../../src/console/types.js';
import { diffState } from '../../src/server/state-diff.js';

const box = (id: string) => ({ id, width: 100, height: 40 });
const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layeredLayout', () => {
  it('ranks by longest path, left to right, without overlaps', () => {
    const layout = layeredLayout(['a', 'b', 'c', 'd'].map(box), [
      { source: 'a', target: 'b' },
      { source: 'a', target: 'c' },
      { source: 'b', target: 'd' },
      { source: 'c', target: 'd' },
      { source: 'a', target: 'd' },
    ]);
    const layer = (id: string) => layout.nodes.get(id)?.layer;
    expect([layer('a'), layer('b'), layer('c'), layer('d')]).toEqual([0, 1, 1, 2]);
    const nodes = [...layout.nodes.values()];
    for (const a of nodes) for (const b of nodes) if (a !== b) expect(overlaps(a, b)).toBe(false);
    for (const node of nodes) expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
    // The long edge a → d bends through a dummy in layer 1 instead of crossing b or c.
    const long = layout.edges.find((edge) => edge.source === 'a' && edge.target === 'd');
    expect(long?.points).toHaveLength(3);
  });

  it('draws a cycle with one back edge and ranks the rest as if it were absent', () => {
    const layout = layeredLayout(
      ['start', 'work', 'check'].map(box),
      [
        { source: 'start', target: 'work' },
        { source: 'work', target: 'check' },
        { source: 'check', target: 'work' },
        { source: 'check', target: 'check' },
      ],
      { start: 'start' },
    );
    expect(layout.edges.filter((edge) => edge.back).map((edge) => `${edge.source}>${edge.target}`)).toEqual(['check>work', 'check>check']);
    expect(layout.nodes.get('check')?.layer).toBe(2);
  });

  it('copes with nothing, one node, and edges to unknown nodes', () => {
    expect(layeredLayout([], []).nodes.size).toBe(0);
    const one = layeredLayout([box('only')], [{ source: 'only', target: 'ghost' }]);
    expect(one.edges).toEqual([]);
    expect(one.nodes.get('only')).toMatchObject({ x: 16, y: 16 });
  });

  it('lays out a long chain without recursion trouble', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `n${i}`);
    const layout = layeredLayout(
      ids.map(box),
      ids.slice(1).map((id, i) => ({ source: ids[i] as string, target: id })),
    );
    expect(layout.nodes.get('n999')?.layer).toBe(999);
  });
});

let seq = 0;
const event = (type: string, at: number, path: string[] = [], fields: Record<string, unknown> = {}): RunEvent => ({
  type,
  runId: 'r',
  seq: seq++,
  superstep: 1,
  path,
  at,
  ...fields,
});

describe('Timeline', () => {
  it('folds invocations, retries, nested paths and the failure into supersteps', () => {
    const timeline = new Timeline();
    for (const e of [
      event('superstep.started', 100),
      event('executor.invoked', 110, ['outer'], { executorId: 'outer', attempt: 1 }),
      event('executor.invoked', 130, ['outer', 'inner'], { executorId: 'inner', attempt: 1 }),
      event('executor.retried', 150, ['outer', 'inner'], { executorId: 'inner', attempt: 1, error: { name: 'Error', message: 'flaky' } }),
      event('executor.invoked', 170, ['outer', 'inner'], { executorId: 'inner', attempt: 2 }),
      event('executor.failed', 190, ['outer', 'inner'], { executorId: 'inner', attempt: 2, error: { name: 'Error', message: 'broken' } }),
      event('executor.failed', 195, ['outer'], { executorId: 'outer', attempt: 1, error: { name: 'ExecutorError', message: 'child failed' } }),
      event('superstep.completed', 200),
    ])
      timeline.add(e);
    const [step] = timeline.steps;
    expect(step).toMatchObject({ superstep: 1, startedAt: 100, endedAt: 200 });
    const inner = step?.invocations.find((invocation) => invocation.path === 'outer/inner');
    expect(inner).toMatchObject({ status: 'failed', queuedAt: 110, error: { message: 'broken' } });
    expect(inner?.attempts.map((attempt) => attempt.outcome)).toEqual(['retried', 'failed']);
    expect(step?.invocations.find((invocation) => invocation.path === 'outer')).toMatchObject({ queuedAt: 100, status: 'failed' });
    expect(timeline.failure).toMatchObject({ path: 'outer/inner', superstep: 1 });
  });

  it('matches concurrent invocations of one executor in order', () => {
    const timeline = new Timeline();
    timeline.add(event('superstep.started', 0));
    timeline.add(event('executor.invoked', 1, ['x'], { executorId: 'x' }));
    timeline.add(event('executor.invoked', 2, ['x'], { executorId: 'x' }));
    timeline.add(event('executor.completed', 5, ['x'], { executorId: 'x' }));
    expect(timeline.steps[0]?.invocations.map((invocation) => invocation.status)).toEqual(['completed', 'running']);
  });

  it('ends the last superstep with the run when it has no superstep.completed (a failure)', () => {
    const timeline = new Timeline();
    timeline.add(event('superstep.started', 0));
    timeline.add(event('run.failed', 9, [], { error: { name: 'Error', message: 'x' } }));
    expect(timeline.steps[0]?.endedAt).toBe(9);
  });
});

describe('diffState', () => {
  it('lists additions, removals and replacements leaf by leaf', () => {
    expect(diffState({ a: 1, b: { c: [1, 2] }, gone: true }, { a: 2, b: { c: [1, 3] }, added: 'x' })).toEqual([
      { op: 'remove', path: ['gone'], before: true },
      { op: 'replace', path: ['a'], before: 1, after: 2 },
      { op: 'replace', path: ['b', 'c', 1], before: 2, after: 3 },
      { op: 'add', path: ['added'], after: 'x' },
    ]);
    expect(diffState({ list: [1] }, { list: [1, 2] })).toEqual([{ op: 'replace', path: ['list'], before: [1], after: [1, 2] }]);
    expect(diffState({ same: { deep: [1, { x: null }] } }, { same: { deep: [1, { x: null }] } })).toEqual([]);
  });
});
