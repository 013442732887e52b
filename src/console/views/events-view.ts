import { clock, h, mount, preview } from '../h.js';
import type { RunEvent } from '../types.js';
import { json } from './common.js';

const ROW = 26;
const OMIT = new Set(['type', 'runId', 'seq', 'superstep', 'path', 'at']);

/** What an event says besides its common fields, in one line. */
const summary = (event: RunEvent): string => {
  const rest = Object.fromEntries(Object.entries(event).filter(([key]) => !OMIT.has(key)));
  return preview(rest, 160);
};

/**
 * The event log, virtualised: only the rows in view exist in the DOM, so a run of 10,000 events scrolls as one of
 * ten. A filter narrows it by type or text; a click shows the whole event.
 */
export class EventLog {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly count: HTMLElement;
  private shown: RunEvent[] = [];
  private filter = '';
  private follow = true;
  private selected = -1;

  constructor(private readonly events: RunEvent[]) {
    this.viewport = h('div', { class: 'log-viewport', 'data-testid': 'event-log' });
    this.spacer = h('div', { class: 'log-spacer' });
    this.rows = h('div', { class: 'log-rows' });
    this.viewport.append(this.spacer, this.rows);
    this.detail = h('div', { class: 'log-detail' }, h('p', { class: 'hint' }, 'Select an event to see all of it.'));
    this.count = h('span', { class: 'muted' });
    const input = h('input', {
      type: 'search',
      placeholder: 'filter: type or text (e.g. executor.failed)',
      'aria-label': 'filter events',
    }) as HTMLInputElement;
    input.addEventListener('input', () => {
      this.filter = input.value.trim().toLowerCase();
      this.refresh();
    });
    this.viewport.addEventListener('scroll', () => {
      this.follow = this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - ROW;
      this.paint();
    });
    this.element = h(
      'div',
      { class: 'event-log' },
      h('div', { class: 'log-toolbar' }, input, this.count),
      h('div', { class: 'log-body' }, this.viewport, this.detail),
    );
    this.refresh();
  }

  /** Call after events were added to the array. */
  refresh(): void {
    const filter = this.filter;
    this.shown =
      filter === ''
        ? this.events
        : this.events.filter((event) => event.type.includes(filter) || JSON.stringify(event).toLowerCase().includes(filter));
    this.count.textContent = `${this.shown.length} of ${this.events.length} events`;
    this.spacer.style.height = `${this.shown.length * ROW}px`;
    if (this.follow) this.viewport.scrollTop = this.viewport.scrollHeight;
    this.paint();
  }

  private paint(): void {
    const height = this.viewport.clientHeight || 480;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW) - 5);
    const last = Math.min(this.shown.length, first + Math.ceil(height / ROW) + 10);
    const start = this.events[0]?.at ?? 0;
    this.rows.style.transform = `translateY(${first * ROW}px)`;
    mount(
      this.rows,
      this.shown.slice(first, last).map((event) =>
        h(
          'div',
          {
            class: `log-row type-${event.type.replace('.', '-')}${event.seq === this.selected ? ' selected' : ''}`,
            'data-seq': event.seq,
            onclick: () => this.select(event),
          },
          h('span', { class: 'seq' }, String(event.seq)),
          h('span', { class: 'at', title: clock(event.at) }, `+${((event.at - start) / 1000).toFixed(3)}s`),
          h('span', { class: 'superstep' }, `s${event.superstep}`),
          h('span', { class: 'type' }, event.type),
          h('span', { class: 'path' }, event.path.join('/')),
          h('span', { class: 'summary' }, summary(event)),
        ),
      ),
    );
  }

  private select(event: RunEvent): void {
    this.selected = event.seq;
    this.paint();
    mount(
      this.detail,
      h('h3', null, `#${event.seq} ${event.type}`),
      h('p', { class: 'muted' }, `${clock(event.at)} · superstep ${event.superstep} · ${event.path.join('/') || 'run'}`),
      json(event),
    );
  }
}
