import { duration, h } from '../h.js';
import type { Invocation, Step, Timeline } from '../timeline.js';

const SHOWN = 40;

function bar(invocation: Invocation, step: Step, span: number, now: number): HTMLElement {
  const left = (at: number): string => `${(((at - step.startedAt) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number): string => `${Math.max(0.4, ((to - from) / span) * 100).toFixed(3)}%`;
  const first = invocation.attempts[0];
  const last = invocation.attempts[invocation.attempts.length - 1];
  const end = last?.endedAt ?? now;
  const queued = first === undefined ? 0 : first.startedAt - invocation.queuedAt;
  const running = invocation.attempts.reduce((sum, attempt) => sum + ((attempt.endedAt ?? now) - attempt.startedAt), 0);
  const tip = `${invocation.path}: queued ${duration(queued)}, running ${duration(running)}${invocation.attempts.length > 1 ? `, ${invocation.attempts.length} attempts` : ''}${invocation.error === undefined ? '' : `, failed: ${invocation.error.message}`}`;
  return h(
    'div',
    { class: `bar-row status-${invocation.status}`, 'data-path': invocation.path, title: tip },
    h(
      'div',
      { class: 'bar-label' },
      h('code', null, invocation.path),
      invocation.attempts.length > 1 ? h('span', { class: 'retries' }, `×${invocation.attempts.length}`) : null,
    ),
    h(
      'div',
      { class: 'bar-track' },
      first === undefined
        ? null
        : h('div', { class: 'bar queued', style: `left:${left(invocation.queuedAt)};width:${width(invocation.queuedAt, first.startedAt)}` }),
      invocation.attempts.map((attempt) =>
        h('div', {
          class: `bar attempt ${attempt.outcome}`,
          style: `left:${left(attempt.startedAt)};width:${width(attempt.startedAt, attempt.endedAt ?? now)}`,
        }),
      ),
      h('span', { class: 'bar-time', style: `left:calc(${left(end)} + 6px)` }, duration(running)),
    ),
    invocation.error === undefined
      ? null
      : h(
          'div',
          { class: 'bar-error', role: 'alert' },
          `${invocation.error.name}${invocation.error.code === undefined ? '' : ` [${invocation.error.code}]`}: ${invocation.error.message}`,
        ),
  );
}

/** The timeline: one block per superstep, each invocation a bar (queued, then each attempt), on the superstep's own scale. */
export function timelineView(timeline: Timeline, showAll: boolean, toggle: () => void): HTMLElement {
  const now = Date.now();
  const steps = showAll ? timeline.steps : timeline.steps.slice(-SHOWN);
  return h(
    'div',
    { class: 'timeline', 'data-testid': 'timeline' },
    h(
      'div',
      { class: 'legend' },
      h('span', { class: 'swatch queued' }),
      'queued',
      h('span', { class: 'swatch completed' }),
      'running / done',
      h('span', { class: 'swatch retried' }),
      'attempt retried',
      h('span', { class: 'swatch failed' }),
      'failed',
    ),
    timeline.steps.length > SHOWN
      ? h(
          'button',
          { class: 'link', onclick: toggle },
          showAll
            ? `Show the last ${SHOWN} supersteps`
            : `Show all ${timeline.steps.length} supersteps (the first ${timeline.steps.length - SHOWN} are hidden)`,
        )
      : null,
    timeline.steps.length === 0 ? h('p', { class: 'hint' }, 'No superstep has started yet.') : null,
    steps.map((step) => {
      const ends = step.invocations.flatMap((invocation) => invocation.attempts.map((attempt) => attempt.endedAt ?? now));
      const end = step.endedAt ?? Math.max(now, ...ends);
      const span = Math.max(1, end - step.startedAt, ...ends.map((at) => at - step.startedAt));
      return h(
        'section',
        { class: `step${step.invocations.some((invocation) => invocation.status === 'failed') ? ' failed' : ''}`, 'data-superstep': step.superstep },
        h(
          'header',
          null,
          h('strong', null, `Superstep ${step.superstep}`),
          h(
            'span',
            { class: 'muted' },
            ` · ${step.endedAt === undefined ? 'running' : duration(step.endedAt - step.startedAt)} · ${step.invocations.length} invocation${step.invocations.length === 1 ? '' : 's'}`,
          ),
        ),
        step.invocations.map((invocation) => bar(invocation, step, span, now)),
      );
    }),
  );
}
