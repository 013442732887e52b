import { api } from '../api.js';
import { schemaForm } from '../form.js';
import { h } from '../h.js';
import type { ExecutorDetail, GraphDetail, PendingRequest } from '../types.js';
import { json, schemaOf } from './common.js';

/** The executor a request path names, through nested graphs. */
function executorAt(graph: GraphDetail | undefined, path: readonly string[]): ExecutorDetail | undefined {
  let level = graph;
  let found: ExecutorDetail | undefined;
  for (const id of path) {
    found = level?.executors.find((executor) => executor.id === id);
    level = found?.graph;
  }
  return found;
}

const isApproval = (request: PendingRequest): boolean => {
  const payload = request.payload as { kind?: unknown; executorId?: unknown; description?: unknown } | null;
  return typeof payload === 'object' && payload !== null && payload.kind === 'approval' && typeof payload.description === 'string';
};

/** Approve or reject, with a reason: the answer an approval request (withApproval) expects. */
function approvalForm(answer: (value: unknown) => Promise<void>): HTMLElement {
  const reason = h('input', {
    type: 'text',
    name: 'reason',
    placeholder: 'reason (kept with the decision)',
    autocomplete: 'off',
  }) as HTMLInputElement;
  const message = h('p', { class: 'form-error', role: 'alert' });
  const decide = (approved: boolean) => (): void => {
    message.textContent = '';
    const value = { approved, ...(reason.value.trim() === '' ? {} : { reason: reason.value.trim() }) };
    answer(value).catch((error: unknown) => (message.textContent = error instanceof Error ? error.message : String(error)));
  };
  return h(
    'div',
    { class: 'approval-form' },
    reason,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'primary approve', onclick: decide(true) }, 'Approve'),
      h('button', { type: 'button', class: 'danger reject', onclick: decide(false) }, 'Reject'),
    ),
    message,
  );
}

/** A waiting run's requests, each answered from a form built from its response schema (approvals: approve / reject). */
export function requestsView(
  runId: string,
  requests: readonly PendingRequest[],
  graph: GraphDetail | undefined,
  answered: () => void,
): HTMLElement | null {
  if (requests.length === 0) return null;
  return h(
    'section',
    { class: 'requests', 'data-testid': 'requests' },
    h('h2', null, `Waiting for ${requests.length === 1 ? 'an answer' : `${requests.length} answers`}`),
    requests.map((request) => {
      const answer = async (value: unknown): Promise<void> => {
        await api.respond(runId, request.id, value);
        answered();
      };
      const executor = executorAt(graph, request.path);
      const payload = request.payload as { description?: string; question?: string } | null;
      const headline = isApproval(request) ? payload?.description : typeof payload?.question === 'string' ? payload.question : undefined;
      return h(
        'article',
        { class: 'request-card', 'data-request': request.id },
        h(
          'header',
          null,
          h('strong', null, isApproval(request) ? 'Approval' : 'Request'),
          ' from ',
          h('code', null, request.path.join('/')),
          h('span', { class: 'muted' }, ` · superstep ${request.superstep}`),
        ),
        headline === undefined ? null : h('p', { class: 'question' }, headline),
        h('details', null, h('summary', null, 'payload'), json(request.payload)),
        isApproval(request) ? approvalForm(answer) : schemaForm(schemaOf(executor?.response), 'Send answer', answer),
      );
    }),
  );
}
