import { api } from '../api.js';
import { clock, h, mount } from '../h.js';
import type { CheckpointSummary, StateChange } from '../types.js';
import { cell, json, problem } from './common.js';

const pathText = (change: StateChange): string => {
  const [root, ...rest] = change.path;
  const where = root === 'shared' ? 'shared' : root === 'executorStates' ? `state of ${String(rest.shift() ?? '')}` : String(root);
  return rest.length === 0 ? where : `${where} › ${rest.join('.')}`;
};

/** One superstep's changes: path, before, after. */
export function diffTable(changes: readonly StateChange[]): HTMLElement {
  if (changes.length === 0) return h('p', { class: 'hint' }, 'No state changed in this superstep.');
  return h(
    'table',
    { class: 'diff', 'data-testid': 'state-diff' },
    h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'path'), h('th', null, 'before'), h('th', null, 'after'))),
    h(
      'tbody',
      null,
      changes.map((change) =>
        h(
          'tr',
          { class: `op-${change.op}` },
          h('td', { class: 'op' }, change.op === 'add' ? '+' : change.op === 'remove' ? '−' : '~'),
          h('td', null, pathText(change)),
          h('td', { class: 'before' }, change.op === 'add' ? '' : cell(change.before)),
          h('td', { class: 'after' }, change.op === 'remove' ? '' : cell(change.after)),
        ),
      ),
    ),
  );
}

/** Each checkpoint's state diff, asked of the server once when first shown: a long run's list costs no diff. */
export class ChangesCache {
  private readonly cache = new Map<string, Promise<readonly StateChange[]>>();
  constructor(private readonly runId: string) {}

  get(checkpointId: string): Promise<readonly StateChange[]> {
    let changes = this.cache.get(checkpointId);
    if (changes === undefined) {
      changes = api.changes(this.runId, checkpointId);
      changes.catch(() => this.cache.delete(checkpointId)); // asked again next time it is shown
      this.cache.set(checkpointId, changes);
    }
    return changes;
  }
}

/** The chosen checkpoint's diff, drawn once the server has answered. */
function changesOf(cache: ChangesCache, checkpoint: CheckpointSummary): HTMLElement {
  const box = h('div', { class: 'changes' }, h('p', { class: 'hint' }, `Loading the changes of superstep ${checkpoint.superstep}…`));
  cache.get(checkpoint.id).then(
    (changes) => mount(box, diffTable(changes)),
    (error: unknown) =>
      mount(
        box,
        problem(error, () => undefined),
      ),
  );
  return box;
}

/** The run's checkpoints, each superstep's state diff, the full state on demand, and fork from any of them. */
export function stateView(
  runId: string,
  checkpoints: readonly CheckpointSummary[],
  changes: ChangesCache,
  selected: string | undefined,
  select: (id: string) => void,
  forked: (runId: string) => void,
): HTMLElement {
  const chosen = checkpoints.find((checkpoint) => checkpoint.id === selected) ?? checkpoints[checkpoints.length - 1];
  if (chosen === undefined)
    return h('p', { class: 'hint' }, 'No checkpoint yet: the first is saved at the end of superstep 0 (the run needs a checkpoint store).');
  const full = h('div', { class: 'full-state' });
  const actions = h('div', { class: 'actions' });
  const message = h('p', { class: 'form-error', role: 'alert' });
  actions.append(
    h(
      'button',
      {
        type: 'button',
        onclick: () =>
          api.checkpoint(runId, chosen.id).then(
            (checkpoint) =>
              mount(
                full,
                h('h3', null, `Full state at superstep ${chosen.superstep}`),
                json({
                  shared: checkpoint['shared'],
                  executorStates: checkpoint['executorStates'],
                  queue: checkpoint['queue'],
                  outputs: checkpoint['outputs'],
                }),
              ),
            (error: unknown) =>
              mount(
                full,
                problem(error, () => undefined),
              ),
          ),
      },
      'Full state',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'fork',
        onclick: () =>
          api.fork(runId, chosen.id).then(
            ({ runId: fork }) => forked(fork),
            (error: unknown) => (message.textContent = error instanceof Error ? error.message : String(error)),
          ),
      },
      'Fork from here',
    ),
  );
  return h(
    'div',
    { class: 'state-view' },
    h(
      'ol',
      { class: 'checkpoint-list' },
      checkpoints.map((checkpoint) =>
        h(
          'li',
          { class: checkpoint === chosen ? 'active' : '', 'data-checkpoint': checkpoint.id, onclick: () => select(checkpoint.id) },
          h('strong', null, `superstep ${checkpoint.superstep}`),
          h(
            'span',
            { class: 'muted' },
            `${checkpoint.kind} · ${checkpoint.bytes} B${checkpoint.outputs.length === 0 ? '' : ` · ${checkpoint.outputs.length} output${checkpoint.outputs.length === 1 ? '' : 's'}`}`,
          ),
          // Where the run goes from here: it also tells apart two checkpoints of one superstep.
          checkpoint.queued.length === 0 ? null : h('span', { class: 'muted next' }, `next: ${[...new Set(checkpoint.queued)].join(', ')}`),
          checkpoint.pendingRequests.length > 0 ? h('span', { class: 'badge status-waiting' }, 'waiting') : null,
        ),
      ),
    ),
    h(
      'div',
      { class: 'checkpoint-detail' },
      h(
        'h3',
        null,
        `After superstep ${chosen.superstep}`,
        h('span', { class: 'muted' }, ` · ${clock(chosen.createdAt)} · ${chosen.kind} checkpoint ${chosen.id.slice(0, 8)}`),
      ),
      changesOf(changes, chosen),
      chosen.outputs.length === 0
        ? null
        : h(
            'div',
            null,
            h('h4', null, 'Outputs added'),
            chosen.outputs.map((output) => json(output)),
          ),
      chosen.queued.length === 0 ? null : h('p', { class: 'muted' }, `Next: messages for ${[...new Set(chosen.queued)].join(', ')}`),
      actions,
      message,
      full,
    ),
  );
}

/** The token ledger per superstep, from the checkpoints: spent, the superstep's share, the limit. */
export function budgetView(
  checkpoints: readonly CheckpointSummary[],
  exceeded: readonly { executorId: string; spent: number; limit: number; refused: boolean; superstep: number }[],
): HTMLElement {
  if (checkpoints.length === 0) return h('p', { class: 'hint' }, 'No checkpoint yet, so no ledger.');
  const last = checkpoints[checkpoints.length - 1] as CheckpointSummary;
  const limit = last.budget.limit;
  let previous = 0;
  return h(
    'div',
    { class: 'budget' },
    h(
      'p',
      null,
      h('strong', null, `${last.budget.spent} tokens spent`),
      limit === null ? ' · no limit' : ` of ${limit} (${Math.round((last.budget.spent / limit) * 100)}%)`,
    ),
    limit === null
      ? null
      : h('div', { class: 'meter' }, h('div', { style: `width:${Math.min(100, (last.budget.spent / Math.max(1, limit)) * 100)}%` })),
    h(
      'table',
      { class: 'facts wide' },
      h(
        'thead',
        null,
        h('tr', null, h('th', null, 'after superstep'), h('th', null, 'spent'), h('th', null, 'this superstep'), h('th', null, 'limit')),
      ),
      h(
        'tbody',
        null,
        checkpoints.map((checkpoint) => {
          const share = checkpoint.budget.spent - previous;
          previous = checkpoint.budget.spent;
          return h(
            'tr',
            null,
            h('td', null, String(checkpoint.superstep)),
            h('td', null, String(checkpoint.budget.spent)),
            h('td', null, share === 0 ? '' : `+${share}`),
            h('td', null, checkpoint.budget.limit === null ? '—' : String(checkpoint.budget.limit)),
          );
        }),
      ),
    ),
    exceeded.length === 0
      ? null
      : h(
          'div',
          { class: 'error-box' },
          exceeded.map((event) =>
            h(
              'p',
              null,
              `Superstep ${event.superstep}: ${event.executorId} ${event.refused ? 'was refused a charge' : 'used up the budget'} (${event.spent} of ${event.limit}).`,
            ),
          ),
        ),
  );
}
