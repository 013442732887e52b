import { api, followEvents, type Follow } from '../api.js';
import type { NodeStatus } from '../graph-view.js';
import { clock, h, mount } from '../h.js';
import { Timeline } from '../timeline.js';
import type { CheckpointSummary, GraphDetail, RunEvent, RunRecord } from '../types.js';
import { badge, json, problem } from './common.js';
import { EventLog } from './events-view.js';
import { requestsView } from './requests.js';
import { runDuration } from './runs.js';
import { budgetView, ChangesCache, stateView } from './state-view.js';
import { timelineView } from './timeline-view.js';
import { graphPanel } from './workflows.js';

type Tab = 'timeline' | 'graph' | 'events' | 'state' | 'outputs' | 'budget';
const TABS: readonly Tab[] = ['timeline', 'graph', 'events', 'state', 'outputs', 'budget'];
const RECORD_EVENTS = new Set(['run.started', 'run.resumed', 'run.waiting', 'run.completed', 'run.failed', 'run.cancelled']);

/** What each executor did last in the run, for colouring the graph. */
function statuses(events: readonly RunEvent[]): Map<string, NodeStatus> {
  const map = new Map<string, NodeStatus>();
  for (const event of events) {
    const path = event.path.join('/');
    if (event.type === 'executor.invoked') map.set(path, 'running');
    else if (event.type === 'executor.completed') map.set(path, 'completed');
    else if (event.type === 'executor.retried') map.set(path, 'retried');
    else if (event.type === 'executor.failed') map.set(path, 'failed');
    else if (event.type === 'request.created') map.set(path, 'waiting');
  }
  return map;
}

/** One run, live: header and actions, pending requests, and the tabs. Returns a stop function for when the page goes. */
export function runPage(root: HTMLElement, runId: string, go: (hash: string) => void): () => void {
  const events: RunEvent[] = [];
  const timeline = new Timeline();
  const log = new EventLog(events);
  let run: RunRecord | undefined;
  let graph: GraphDetail | undefined;
  let graphView: ReturnType<typeof graphPanel> | undefined;
  let checkpoints: CheckpointSummary[] = [];
  const changes = new ChangesCache(runId);
  let checkpointsStale = true;
  let selectedCheckpoint: string | undefined;
  let tab: Tab = 'timeline';
  let showAll = false;
  let follow: Follow | undefined;
  let stopped = false;
  let frame = 0;
  /** The ids of the requests drawn now: the forms are redrawn only when these change, so an answer being typed survives live updates. */
  let requestsKey: string | undefined;
  /** The forms wait for the graph (their response schemas are in it), so they are drawn once, not again when it arrives. */
  let graphTried = false;

  const header = h('header', { class: 'page-header run-header' });
  const failure = h('div');
  const requests = h('div');
  const tabs = h('nav', { class: 'tabs', role: 'tablist' });
  const body = h('div', { class: 'tab-body' });
  mount(root, header, failure, requests, tabs, body);

  const act = (work: Promise<unknown>): void => {
    work.then(
      () => void refreshRecord(),
      (error: unknown) =>
        mount(
          failure,
          problem(error, () => undefined),
        ),
    );
  };

  const renderHeader = (): void => {
    if (run === undefined) return;
    const current = run;
    const ended = current.status === 'completed' || current.status === 'failed' || current.status === 'cancelled';
    mount(
      header,
      h('h1', null, h('a', { href: `#/workflows/${encodeURIComponent(current.workflow)}` }, current.workflow), ' ', badge(current.status)),
      h(
        'span',
        { class: 'muted' },
        h('code', null, current.id),
        ` · started ${clock(current.createdAt)} · ${runDuration(current)} · ${events.length} events`,
      ),
      h(
        'div',
        { class: 'actions' },
        ended ? null : h('button', { class: 'danger', onclick: () => act(api.cancel(current.id)) }, 'Cancel run'),
        current.status === 'failed' || current.status === 'cancelled'
          ? h('button', { class: 'primary', onclick: () => act(api.resume(current.id).then(() => restartFollow())) }, 'Resume from last checkpoint')
          : null,
      ),
    );
    const where = timeline.failure;
    mount(
      failure,
      current.status !== 'failed' || current.error === undefined
        ? null
        : h(
            'div',
            { class: 'error-box run-error', role: 'alert', 'data-testid': 'run-error' },
            h('strong', null, `Failed${where === undefined ? '' : ` in superstep ${where.superstep} at ${where.path}`}`),
            h('p', null, `${current.error.name}${current.error.code === undefined ? '' : ` [${current.error.code}]`}: ${current.error.message}`),
            where === undefined
              ? null
              : h(
                  'button',
                  {
                    class: 'link',
                    onclick: () =>
                      showTab('timeline', () =>
                        root.querySelector(`.bar-row.status-failed[data-path="${CSS.escape(where.path)}"]`)?.scrollIntoView({ block: 'center' }),
                      ),
                  },
                  'Show it in the timeline',
                ),
          ),
    );
    const pending = current.status === 'waiting' ? current.pendingRequests : [];
    const key = pending.map((request) => request.id).join(',');
    if (graphTried && key !== requestsKey) {
      requestsKey = key;
      mount(
        requests,
        requestsView(current.id, pending, graph, () => void refreshRecord()),
      );
    }
  };

  const renderTabs = (): void => {
    mount(
      tabs,
      TABS.map((name) =>
        h(
          'button',
          { role: 'tab', class: name === tab ? 'active' : '', 'aria-selected': String(name === tab), 'data-tab': name, onclick: () => showTab(name) },
          name === 'events' ? `events (${events.length})` : name,
        ),
      ),
    );
  };

  const loadCheckpoints = async (): Promise<void> => {
    if (!checkpointsStale) return;
    checkpointsStale = false;
    try {
      checkpoints = await api.checkpoints(runId);
    } catch (error) {
      mount(
        body,
        problem(error, () => undefined),
      );
      return;
    }
    renderBody();
  };

  const renderBody = (): void => {
    switch (tab) {
      case 'timeline':
        return mount(
          body,
          timelineView(timeline, showAll, () => ((showAll = !showAll), renderBody())),
        );
      case 'graph':
        if (graph === undefined) return mount(body, h('p', { class: 'hint' }, 'Loading the graph…'));
        graphView ??= graphPanel(graph, statuses(events));
        graphView.update(statuses(events));
        if (graphView.element.parentElement !== body) mount(body, graphView.element);
        return;
      case 'events':
        if (log.element.parentElement !== body) mount(body, log.element);
        log.refresh();
        return;
      case 'state':
        if (checkpointsStale) void loadCheckpoints();
        return mount(
          body,
          stateView(
            runId,
            checkpoints,
            changes,
            selectedCheckpoint,
            (id) => ((selectedCheckpoint = id), renderBody()),
            (fork) => go(`#/runs/${encodeURIComponent(fork)}`),
          ),
        );
      case 'outputs': {
        const outputs = events.filter((event) => event.type === 'output');
        return mount(
          body,
          outputs.length === 0
            ? h('p', { class: 'hint' }, 'No output yet.')
            : h(
                'ol',
                { class: 'outputs' },
                outputs.map((event) =>
                  h('li', null, h('div', { class: 'muted' }, `from ${event.path.join('/')} · superstep ${event.superstep}`), json(event['value'])),
                ),
              ),
        );
      }
      case 'budget':
        if (checkpointsStale) void loadCheckpoints();
        return mount(body, budgetView(checkpoints, events.filter((event) => event.type === 'budget.exceeded') as never));
    }
  };

  const showTab = (name: Tab, then?: () => void): void => {
    tab = name;
    renderTabs();
    renderBody();
    then?.();
  };

  // Many events at once (a long run's history): one render per animation frame.
  const schedule = (): void => {
    if (frame !== 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (stopped) return;
      renderHeader();
      renderTabs();
      // The state and budget tabs change with the checkpoints only, and keep what was opened in them (a full state).
      if (tab === 'state' || tab === 'budget') {
        if (checkpointsStale) void loadCheckpoints();
      } else renderBody();
    });
  };

  const refreshRecord = async (): Promise<void> => {
    try {
      run = await api.run(runId);
    } catch (error) {
      mount(
        root,
        problem(error, () => void refreshRecord()),
      );
      return;
    }
    schedule();
  };

  const onEvents = (batch: RunEvent[]): void => {
    let record = false;
    for (const event of batch) {
      events.push(event);
      timeline.add(event);
      if (event.type === 'checkpoint.saved') checkpointsStale = true;
      if (event.path.length === 0 && RECORD_EVENTS.has(event.type)) record = true;
    }
    if (record) void refreshRecord();
    schedule();
  };

  const restartFollow = (): void => {
    follow?.stop();
    const last = events[events.length - 1]?.seq ?? -1;
    follow = followEvents(
      runId,
      last,
      onEvents,
      () => void refreshRecord(),
      (error) =>
        mount(
          failure,
          problem(error, () => restartFollow()),
        ),
    );
  };

  void (async () => {
    await refreshRecord();
    if (run === undefined) return;
    try {
      graph = await api.workflow(run.workflow);
    } catch {
      graph = undefined; // the graph is a nicety here: the run's own data still shows
    }
    graphTried = true;
    if (stopped) return;
    renderHeader();
    renderTabs();
    restartFollow();
  })();

  return () => {
    stopped = true;
    follow?.stop();
  };
}
