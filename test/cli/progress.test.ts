// The progress display of `weft run` as pure functions: the plain event lines and the live block, no terminal.
import { describe, expect, it } from 'vitest';
import { MemoryRunStore, createRuntime, type SerializedEvent } from 'weft';
import { formatEvent, initialProgress, reduceProgress, renderProgress, SPINNER, type ProgressState } from '../../src/cli/progress.js';
import { approval, counter, failing } from './fixtures/workflows.js';
import { ANSI } from './helpers.js';

let seq = 0;
const at = 1_000_000;
const event = (fields: Record<string, unknown>): SerializedEvent =>
  ({ runId: 'run-1234567890', seq: seq++, superstep: 1, path: [], at, ...fields }) as unknown as SerializedEvent;
const fold = (events: readonly SerializedEvent[], state: ProgressState = initialProgress('calc', 'run-1234567890')): ProgressState =>
  events.reduce(reduceProgress, state);

describe('formatEvent', () => {
  it('writes one plain line per event', () => {
    const request = { id: 'req-1', executorId: 'ask', path: ['ask'], payload: { question: 'ok?' }, superstep: 1 };
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'run.started', workflow: 'calc', signature: 'x', input: 1 }, 'run run-1234567890 started (workflow calc)'],
      [
        { type: 'run.resumed', workflow: 'calc', signature: 'x', resumedFrom: 'cp-1' },
        'run run-1234567890 resumed (workflow calc, from checkpoint cp-1)',
      ],
      [{ type: 'superstep.started', superstep: 3, executorIds: ['a', 'b'] }, 'superstep 3 started: a, b'],
      [{ type: 'executor.invoked', executorId: 'triage', path: ['triage'], attempt: 1 }, 'executor triage invoked'],
      [{ type: 'executor.invoked', executorId: 'triage', path: ['triage'], attempt: 2 }, 'executor triage invoked (attempt 2)'],
      [{ type: 'executor.completed', executorId: 'triage', path: ['triage'], attempt: 1, durationMs: 2.4 }, 'executor triage completed (2 ms)'],
      [
        { type: 'executor.retried', executorId: 'a', path: ['a'], attempt: 1, delayMs: 100, error: { message: 'flaky' } },
        'executor a attempt 1 failed, retrying in 100 ms: flaky',
      ],
      [
        {
          type: 'executor.failed',
          executorId: 'a',
          path: ['a'],
          attempt: 1,
          error: { name: 'ExecutorError', code: 'executor_failed', message: 'boom' },
        },
        'executor a failed: boom',
      ],
      [{ type: 'message.dropped', sourceId: 'a', message: 1, reason: 'no-edge' }, 'message from a dropped (no-edge): 1'],
      [{ type: 'output', executorId: 'sink', path: ['sink'], value: { n: 1 } }, 'output from sink: {"n":1}'],
      [{ type: 'custom', executorId: 'a', path: ['a'], name: 'progress', data: { done: 3 } }, 'a progress {"done":3}'],
      [{ type: 'phase.completed', executorId: 'a', path: ['a'], name: 'fetch', ok: true, durationMs: 5 }, 'executor a phase fetch completed (5 ms)'],
      [
        { type: 'budget.exceeded', executorId: 'a', path: ['a'], limit: 100, spent: 120, refused: true },
        'budget exceeded by a: 120 of 100 tokens spent, charge refused',
      ],
      [{ type: 'request.created', path: ['ask'], request }, 'request req-1 from ask: {"question":"ok?"}'],
      [{ type: 'request.answered', path: ['ask'], request, response: true }, 'request req-1 answered: true'],
      [{ type: 'checkpoint.saved', checkpointId: 'cp-2', kind: 'delta', bytes: 171 }, 'checkpoint cp-2 saved (delta, 171 bytes)'],
      [{ type: 'superstep.completed', superstep: 3, queued: 1 }, 'superstep 3 completed (1 message queued)'],
      [{ type: 'run.waiting', requests: [request] }, 'run waiting for 1 request: req-1'],
      [{ type: 'run.completed', outputs: [1, 2] }, 'run completed (2 outputs)'],
      [{ type: 'run.failed', error: { name: 'ExecutorError', code: 'executor_failed', message: 'boom' } }, 'run failed: boom'],
      [{ type: 'run.cancelled', reason: undefined }, 'run cancelled'],
      // Nested: executor events name the path; run-level events of the child say where they are.
      [{ type: 'executor.completed', executorId: 'b', path: ['nest', 'b'], attempt: 1, durationMs: 1 }, 'executor nest/b completed (1 ms)'],
      [{ type: 'superstep.started', superstep: 1, executorIds: ['b'], path: ['nest'] }, '[nest] superstep 1 started: b'],
    ];
    for (const [fields, line] of cases) expect(formatEvent(event(fields))).toBe(line);
  });

  it('cuts long values short', () => {
    const line = formatEvent(event({ type: 'output', executorId: 'sink', path: ['sink'], value: 'x'.repeat(500) }));
    expect(line.length).toBeLessThan(150);
    expect(line.endsWith('…')).toBe(true);
  });

  it('formats every event real runs store, without an escape sequence', async () => {
    const store = new MemoryRunStore();
    const runtime = createRuntime({ workflows: { counter, failing, approval }, store });
    const ids = await Promise.all([
      runtime.invoke('counter', { at: 1, to: 3, ms: 1 }, { wait: true }),
      runtime.invoke('failing', 1, { wait: true }),
      runtime.invoke('approval', { amount: 1 }, { wait: true }),
    ]);
    const events = (await Promise.all(ids.map(({ runId }) => store.readEvents(runId)))).flat();
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThanOrEqual(10);
    for (const stored of events) {
      const line = formatEvent(stored);
      expect(line).not.toMatch(ANSI);
      expect(line).not.toContain('\n');
      expect(line).not.toBe(stored.type); // every type has its own wording
    }
  });
});

describe('the live block', () => {
  const started = [
    event({ type: 'run.started', workflow: 'calc', signature: 'x', input: 1, at }),
    event({ type: 'superstep.started', superstep: 2, executorIds: ['a', 'b'], at: at + 10 }),
    event({ type: 'executor.invoked', executorId: 'a', path: ['a'], attempt: 1, at: at + 11 }),
    event({ type: 'executor.invoked', executorId: 'a', path: ['a'], attempt: 1, at: at + 11 }),
    event({ type: 'executor.invoked', executorId: 'b', path: ['b'], attempt: 1, at: at + 12 }),
  ];

  it('shows the superstep, the executors running with spinners, the outputs and the elapsed time', () => {
    const state = fold(started);
    expect(renderProgress(state, at + 1500, 0)).toEqual([
      `${SPINNER[0]} calc · run run-1234 · superstep 2 · 1.5 s`,
      `  running  ${SPINNER[1]} a ×2  ${SPINNER[2]} b`,
      '  outputs  0',
    ]);
    // The spinners turn with the frame.
    expect(renderProgress(state, at + 1500, 1)[1]).toBe(`  running  ${SPINNER[2]} a ×2  ${SPINNER[3]} b`);
  });

  it('counts outputs, drops finished executors, and shows the latest notable event', () => {
    const state = fold([
      ...started,
      event({ type: 'executor.completed', executorId: 'a', path: ['a'], attempt: 1, durationMs: 3 }),
      event({ type: 'output', executorId: 'a', path: ['a'], value: { total: 42 } }),
      event({ type: 'executor.completed', executorId: 'b', path: ['b'], attempt: 1, durationMs: 3 }),
      event({ type: 'custom', executorId: 'b', path: ['b'], name: 'ticket.classified', data: { id: 'T-1' } }),
    ]);
    expect(renderProgress(state, at + 100, 0).slice(1)).toEqual([
      `  running  ${SPINNER[1]} a`,
      '  outputs  1 · last from a: {"total":42}',
      '  latest   b ticket.classified {"id":"T-1"}',
    ]);
  });

  it('clips every line to the width', () => {
    const state = fold([...started, event({ type: 'output', executorId: 'a', path: ['a'], value: 'y'.repeat(300) })]);
    for (const line of renderProgress(state, at, 0, 40)) expect([...line].length).toBeLessThanOrEqual(40);
  });

  it('ends in one summary line: completed, failed, waiting or cancelled', () => {
    const end = (fields: Record<string, unknown>): string[] =>
      renderProgress(fold([...started, event({ ...fields, at: at + 2000 })]), at + 9999, 3, 120);
    expect(end({ type: 'run.completed', superstep: 2, outputs: [1, 2, 3] })).toEqual([
      '✔ calc · run run-1234 · completed in 2 supersteps · 3 outputs · 2.0 s',
    ]);
    expect(end({ type: 'run.failed', error: { name: 'Error', code: undefined, message: 'boom' } })).toEqual([
      '✖ calc · run run-1234 · failed in superstep 2: boom · 0 outputs · 2.0 s',
    ]);
    expect(end({ type: 'run.waiting', requests: [{ id: 'r' }, { id: 's' }] })).toEqual([
      '? calc · run run-1234 · waiting for 2 requests after superstep 2 · 0 outputs · 2.0 s',
    ]);
    expect(end({ type: 'run.cancelled', reason: 'SIGINT' })).toEqual(['■ calc · run run-1234 · cancelled in superstep 2 · 0 outputs · 2.0 s']);
  });

  it('ignores the run-level events of nested runs for the run status', () => {
    const state = fold([...started, event({ type: 'run.completed', path: ['nest'], outputs: [] })]);
    expect(state.status).toBe('running');
  });

  it('never draws escape sequences itself (the terminal code adds them around the lines)', () => {
    const lines = renderProgress(fold(started), at, 0);
    for (const line of lines) expect(line).not.toMatch(ANSI);
  });
});
