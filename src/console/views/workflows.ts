import { api } from '../api.js';
import { graphView } from '../graph-view.js';
import { h, mount } from '../h.js';
import { fieldFor } from '../form.js';
import type { ExecutorDetail, GraphDetail, WorkflowInfo } from '../types.js';
import { json, problem, schemaOf, schemaSummary } from './common.js';

/** Executor details: kind, schemas, retry, concurrency, limiter, nested graph. */
export function executorPanel(path: string, executor: ExecutorDetail): HTMLElement {
  const row = (name: string, value: string | HTMLElement): HTMLElement => h('tr', null, h('th', null, name), h('td', null, value));
  const retry =
    executor.retry === undefined
      ? 'none'
      : `${executor.retry.attempts} attempts${executor.retry.backoff === undefined ? '' : `, backoff ${JSON.stringify(executor.retry.backoff)}`}`;
  const schema = (label: string, value: ExecutorDetail['input']): HTMLElement | null =>
    value === undefined ? null : h('details', null, h('summary', null, `${label}: `, h('code', null, schemaSummary(schemaOf(value)))), json(value));
  return h(
    'aside',
    { class: 'panel executor-panel', 'data-testid': 'executor-panel' },
    h('h3', null, path),
    h(
      'table',
      { class: 'facts' },
      row('kind', executor.kind),
      row('concurrency', String(executor.concurrency)),
      row('retry', retry),
      row('timeout', executor.timeoutMs === undefined ? 'none' : `${executor.timeoutMs} ms`),
      row('limiter', executor.limited ? 'yes' : 'no'),
      row('nested graph', executor.graph === undefined ? 'no' : `${executor.graph.name} (${executor.graph.executors.length} executors)`),
    ),
    schema('input', executor.input),
    schema('output', executor.output),
    schema('response', executor.response),
  );
}

/** The graph with its expand/collapse state and selection, redrawn in place. */
export function graphPanel(
  graph: GraphDetail,
  status?: Parameters<typeof graphView>[1]['status'],
): { element: HTMLElement; canvas: HTMLElement; details: HTMLElement; update(status: Parameters<typeof graphView>[1]['status']): void } {
  const expanded = new Set<string>();
  let selected: string | undefined;
  let current = status;
  const canvas = h('div', { class: 'graph-canvas' });
  const details = h(
    'div',
    { class: 'graph-details' },
    h('p', { class: 'hint' }, 'Select an executor for its schemas and policies; ', h('b', null, '+'), ' expands a nested graph in place.'),
  );
  const find = (path: string): ExecutorDetail | undefined => {
    let level: GraphDetail | undefined = graph;
    let found: ExecutorDetail | undefined;
    for (const id of path.split('/')) {
      found = level?.executors.find((executor) => executor.id === id);
      level = found?.graph;
    }
    return found;
  };
  const draw = (): void => {
    mount(
      canvas,
      graphView(graph, {
        expanded,
        selected,
        ...(current === undefined ? {} : { status: current }),
        onToggle: (path) => {
          if (expanded.has(path)) expanded.delete(path);
          else expanded.add(path);
          draw();
        },
        onSelect: (path, executor) => {
          selected = path;
          mount(details, executorPanel(path, executor));
          draw();
        },
      }),
    );
  };
  // Nested graphs start expanded one level, so that a helper's inside shows at first sight.
  for (const executor of graph.executors) if (executor.graph !== undefined) expanded.add(executor.id);
  draw();
  if (selected === undefined && find(graph.start) !== undefined) mount(details, executorPanel(graph.start, find(graph.start) as ExecutorDetail));
  return {
    element: h('div', { class: 'graph-panel' }, canvas, details),
    canvas,
    details,
    update(status) {
      current = status;
      draw();
    },
  };
}

/** Workflows: the list, and the chosen one's graph, details and a form to start a run. */
export async function workflowsPage(root: HTMLElement, name: string | undefined, go: (hash: string) => void, alive: () => boolean): Promise<void> {
  let workflows: WorkflowInfo[];
  try {
    workflows = await api.workflows();
  } catch (error) {
    mount(
      root,
      problem(error, () => void workflowsPage(root, name, go, alive)),
    );
    return;
  }
  const chosen = workflows.find((workflow) => workflow.name === name) ?? workflows[0];
  const list = h(
    'nav',
    { class: 'side-list' },
    h('h2', null, 'Workflows'),
    workflows.length === 0 ? h('p', { class: 'hint' }, 'No workflow is exposed to you on this server.') : null,
    workflows.map((workflow) =>
      h(
        'a',
        { href: `#/workflows/${encodeURIComponent(workflow.name)}`, class: workflow === chosen ? 'active' : '' },
        h('span', null, workflow.name),
        h('small', null, workflow.signature.slice(0, 8)),
      ),
    ),
  );
  if (!alive()) return;
  const main = h('section', { class: 'workflow-main' });
  mount(root, h('div', { class: 'split' }, list, main));
  if (chosen === undefined) return;
  let graph: GraphDetail & { access: WorkflowInfo['access'] };
  try {
    graph = await api.workflow(chosen.name);
  } catch (error) {
    mount(
      main,
      problem(error, () => void workflowsPage(root, name, go, alive)),
    );
    return;
  }
  if (!alive()) return;
  const start = chosen.access.invoke
    ? startForm(chosen, graph, go)
    : h('p', { class: 'hint' }, 'You may read the runs of this workflow, not start them.');
  mount(
    main,
    h(
      'header',
      { class: 'page-header' },
      h('h1', null, graph.name),
      h(
        'span',
        { class: 'muted' },
        `${graph.executors.length} executors · ${graph.edges.length} edges · max ${graph.maxSupersteps} supersteps · signature ${graph.signature.slice(0, 12)}`,
      ),
      h('a', { class: 'button', href: `#/runs?workflow=${encodeURIComponent(graph.name)}` }, 'Runs'),
    ),
    (() => {
      const panel = graphPanel(graph);
      return [panel.canvas, h('div', { class: 'below-graph' }, panel.details, start)];
    })(),
  );
}

function startForm(info: WorkflowInfo, graph: GraphDetail, go: (hash: string) => void): HTMLElement {
  const startExecutor = graph.executors.find((executor) => executor.id === graph.start);
  const field = fieldFor('', info.input ?? schemaOf(startExecutor?.input), true);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'start-form schema-form', 'data-testid': 'start-form' },
    h('h2', null, 'Start a run'),
    field.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Start run')),
    message,
  ) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.textContent = '';
    let input: unknown;
    try {
      input = field.read();
    } catch (error) {
      message.textContent = (error as Error).message;
      return;
    }
    api.start(info.name, input).then(
      ({ runId }) => go(`#/runs/${encodeURIComponent(runId)}`),
      (error: unknown) => (message.textContent = error instanceof Error ? error.message : String(error)),
    );
  });
  return form;
}
