import { api } from '../api.js';
import { clock, duration, h, mount } from '../h.js';
import type { RunRecord, RunStatus, WorkflowInfo } from '../types.js';
import { badge, problem } from './common.js';

const STATUSES: readonly RunStatus[] = ['running', 'waiting', 'completed', 'failed', 'cancelled'];
const ENDED = new Set<RunStatus>(['completed', 'failed', 'cancelled']);

/** How long a run took, or has taken so far. */
export const runDuration = (run: RunRecord): string => duration((ENDED.has(run.status) ? run.updatedAt : Date.now()) - run.createdAt);

/** Runs, newest first, filtered by workflow and status, refreshed every two seconds while shown. */
export async function runsPage(root: HTMLElement, query: URLSearchParams, go: (hash: string) => void, alive: () => boolean): Promise<void> {
  const workflow = query.get('workflow') ?? '';
  const status = query.get('status') ?? '';
  const cursors: string[] = [];
  let cursor = query.get('cursor') ?? undefined;
  let workflows: WorkflowInfo[] = [];
  try {
    workflows = await api.workflows();
  } catch (error) {
    mount(
      root,
      problem(error, () => void runsPage(root, query, go, alive)),
    );
    return;
  }
  const filter = (key: string, value: string): void => {
    const next = new URLSearchParams(query);
    if (value === '') next.delete(key);
    else next.set(key, value);
    next.delete('cursor');
    go(`#/runs?${next.toString()}`);
  };
  const workflowSelect = h(
    'select',
    { 'aria-label': 'workflow', onchange: (event: Event) => filter('workflow', (event.target as HTMLSelectElement).value) },
    h('option', { value: '' }, 'all workflows'),
    workflows.map((w) => h('option', { value: w.name, selected: w.name === workflow }, w.name)),
  );
  const statusSelect = h(
    'select',
    { 'aria-label': 'status', onchange: (event: Event) => filter('status', (event.target as HTMLSelectElement).value) },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)),
  );
  const body = h('tbody');
  const pager = h('div', { class: 'pager' });
  const updated = h('span', { class: 'muted live' });
  mount(
    root,
    h('header', { class: 'page-header' }, h('h1', null, 'Runs'), h('div', { class: 'filters' }, workflowSelect, statusSelect), updated),
    h(
      'table',
      { class: 'runs-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['status', 'workflow', 'run', 'started', 'duration', 'waiting on'].map((name) => h('th', null, name)),
        ),
      ),
      body,
    ),
    pager,
  );
  const load = async (): Promise<void> => {
    const page = await api.runs({
      ...(workflow === '' ? {} : { workflow }),
      ...(status === '' ? {} : { status: status as RunStatus }),
      ...(cursor === undefined ? {} : { cursor }),
      limit: 50,
    });
    mount(
      body,
      page.runs.length === 0 ? h('tr', null, h('td', { colspan: 6, class: 'hint' }, 'No runs yet. Start one from a workflow page.')) : null,
      page.runs.map((run) =>
        h(
          'tr',
          { class: 'run-row', 'data-run': run.id, onclick: () => go(`#/runs/${encodeURIComponent(run.id)}`) },
          h('td', null, badge(run.status)),
          h('td', null, run.workflow),
          h('td', null, h('a', { href: `#/runs/${encodeURIComponent(run.id)}` }, h('code', null, run.id.slice(0, 8)))),
          h('td', null, clock(run.createdAt)),
          h('td', null, runDuration(run)),
          h(
            'td',
            null,
            run.pendingRequests.length === 0 ? '' : `${run.pendingRequests.length} request${run.pendingRequests.length === 1 ? '' : 's'}`,
          ),
        ),
      ),
    );
    mount(
      pager,
      cursors.length === 0 ? null : h('button', { onclick: () => ((cursor = cursors.pop() || undefined), void load()) }, '← Newer'),
      page.nextCursor === null
        ? null
        : h('button', { onclick: () => (cursors.push(cursor ?? ''), (cursor = page.nextCursor ?? undefined), void load()) }, 'Older →'),
    );
    updated.textContent = `live · updated ${clock(Date.now())}`;
  };
  // Live: polled (the list has no event stream), only while this page is the one shown.
  for (let first = true; alive(); first = false) {
    try {
      await load();
    } catch (error) {
      if (first)
        return mount(
          root,
          problem(error, () => void runsPage(root, query, go, alive)),
        );
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
