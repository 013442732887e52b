import type { RunStatus, SerializedEvent } from '../index.js';

// What `weft run` shows while a run goes: on a terminal a status block redrawn in place, otherwise one plain
// line per event. Both are pure functions of the events, so tests need no terminal.

/** A value as one short line of JSON. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Where an event happened: the executor's path for executor events, `[nested/path] ` before run-level events of a nested run. */
const executorLabel = (event: { readonly path: readonly string[]; readonly executorId: string }): string =>
  event.path.length > 0 ? event.path.join('/') : event.executorId;
const scope = (event: SerializedEvent): string =>
  event.path.length > 0 && !('executorId' in event) && !('request' in event) ? `[${event.path.join('/')}] ` : '';

/** One plain line for an event (no colours, no escapes): what `weft run` writes to stderr when it is not a terminal. */
export function formatEvent(event: SerializedEvent): string {
  const line = ((): string => {
    switch (event.type) {
      case 'run.started':
        return `run ${event.runId} started (workflow ${event.workflow})`;
      case 'run.resumed':
        return `run ${event.runId} resumed (workflow ${event.workflow}${event.resumedFrom === undefined ? '' : `, from checkpoint ${event.resumedFrom}`})`;
      case 'superstep.started':
        return `superstep ${event.superstep} started: ${event.executorIds.join(', ')}`;
      case 'executor.invoked':
        return `executor ${executorLabel(event)} invoked${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
      case 'executor.completed':
        return `executor ${executorLabel(event)} completed (${Math.round(event.durationMs)} ms)`;
      case 'executor.retried':
        return `executor ${executorLabel(event)} attempt ${event.attempt} failed, retrying in ${event.delayMs} ms: ${errorText(event.error)}`;
      case 'executor.failed':
        return `executor ${executorLabel(event)} failed: ${event.error.message}`;
      case 'message.dropped':
        return `message from ${event.sourceId} dropped (${event.reason}${event.to === undefined ? '' : `, to ${event.to}`}): ${preview(event.message, 80)}`;
      case 'output':
        return `output from ${executorLabel(event)}: ${preview(event.value)}`;
      case 'custom':
        return `${executorLabel(event)} ${event.name}${event.data === undefined ? '' : ` ${preview(event.data)}`}`;
      case 'phase.started':
        return `executor ${executorLabel(event)} phase ${event.name} started`;
      case 'phase.completed':
        return `executor ${executorLabel(event)} phase ${event.name} ${event.ok ? 'completed' : 'failed'} (${Math.round(event.durationMs)} ms)`;
      case 'budget.exceeded':
        return `budget exceeded by ${executorLabel(event)}: ${event.spent} of ${event.limit} tokens spent${event.refused ? ', charge refused' : ''}`;
      case 'request.created':
        return `request ${event.request.id} from ${event.request.path.join('/') || event.request.executorId}: ${preview(event.request.payload)}`;
      case 'request.answered':
        return `request ${event.request.id} answered: ${preview(event.response)}`;
      case 'checkpoint.saved':
        return `checkpoint ${event.checkpointId} saved (${event.kind}, ${event.bytes} bytes)`;
      case 'superstep.completed':
        return `superstep ${event.superstep} completed (${event.queued} message${event.queued === 1 ? '' : 's'} queued)`;
      case 'run.waiting':
        return `run waiting for ${event.requests.length} request${event.requests.length === 1 ? '' : 's'}: ${event.requests.map((r) => r.id).join(', ')}`;
      case 'run.completed':
        return `run completed (${event.outputs.length} output${event.outputs.length === 1 ? '' : 's'})`;
      case 'run.failed':
        return `run failed: ${event.error.message}`;
      case 'run.cancelled':
        return `run cancelled${event.reason === undefined ? '' : `: ${errorText(event.reason)}`}`;
      default:
        return (event as { readonly type: string }).type;
    }
  })();
  return `${scope(event)}${line}`;
}

function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message;
  return typeof error === 'string' ? error : preview(error, 80);
}

/** What the live block shows, folded from the events. */
export interface ProgressState {
  readonly workflow: string;
  readonly runId: string;
  readonly status: RunStatus;
  /** When the first event arrived (ms since the epoch). */
  readonly startedAt: number | undefined;
  /** The time of the last event; with `status` not `running`, when the run stopped. */
  readonly lastAt: number | undefined;
  readonly superstep: number;
  /** Invocations in flight: executor path (joined with `/`) → how many. */
  readonly running: ReadonlyMap<string, number>;
  readonly invocations: number;
  readonly outputs: number;
  readonly lastOutput: { readonly from: string; readonly value: unknown } | undefined;
  readonly checkpoints: number;
  /** The latest notable event (custom events, retries, requests…), as a line. */
  readonly note: string | undefined;
  readonly error: string | undefined;
  readonly requests: number;
}

export function initialProgress(workflow: string, runId: string): ProgressState {
  return {
    workflow,
    runId,
    status: 'running',
    startedAt: undefined,
    lastAt: undefined,
    superstep: 0,
    running: new Map(),
    invocations: 0,
    outputs: 0,
    lastOutput: undefined,
    checkpoints: 0,
    note: undefined,
    error: undefined,
    requests: 0,
  };
}

function adjust(running: ReadonlyMap<string, number>, key: string, by: number): ReadonlyMap<string, number> {
  const next = new Map(running);
  const count = (next.get(key) ?? 0) + by;
  if (count > 0) next.set(key, count);
  else next.delete(key);
  return next;
}

/** The state after one more event. Pure. */
export function reduceProgress(state: ProgressState, event: SerializedEvent): ProgressState {
  const base: ProgressState = { ...state, startedAt: state.startedAt ?? event.at, lastAt: event.at };
  const outer = event.path.length === 0;
  switch (event.type) {
    case 'run.started':
    case 'run.resumed':
      return outer ? { ...base, status: 'running', error: undefined, requests: 0 } : base;
    case 'superstep.started':
      return outer ? { ...base, superstep: event.superstep } : base;
    case 'executor.invoked':
      return { ...base, running: adjust(state.running, executorLabel(event), 1), invocations: state.invocations + 1 };
    case 'executor.completed':
    case 'executor.failed':
      return {
        ...base,
        running: adjust(state.running, executorLabel(event), -1),
        ...(event.type === 'executor.failed' ? { note: formatEvent(event) } : {}),
      };
    case 'output':
      return outer || event.path.length === 1
        ? { ...base, outputs: state.outputs + 1, lastOutput: { from: executorLabel(event), value: event.value } }
        : base;
    case 'checkpoint.saved':
      return outer ? { ...base, checkpoints: state.checkpoints + 1 } : base;
    case 'custom':
    case 'executor.retried':
    case 'budget.exceeded':
    case 'message.dropped':
    case 'request.created':
    case 'request.answered':
      return { ...base, note: formatEvent(event) };
    case 'run.waiting':
      return outer ? { ...base, status: 'waiting', running: new Map(), requests: event.requests.length } : base;
    case 'run.completed':
      return outer ? { ...base, status: 'completed', running: new Map(), outputs: event.outputs.length } : base;
    case 'run.failed':
      return outer ? { ...base, status: 'failed', running: new Map(), error: event.error.message } : base;
    case 'run.cancelled':
      return outer ? { ...base, status: 'cancelled', running: new Map() } : base;
    default:
      return base;
  }
}

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
const MARK: Record<RunStatus, string> = { running: '', waiting: '?', completed: '✔', failed: '✖', cancelled: '■' };

const seconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
const clip = (line: string, width: number): string => ([...line].length > width ? `${[...line].slice(0, Math.max(1, width - 1)).join('')}…` : line);

/**
 * The status block as lines (no escapes): the run, superstep and elapsed time; the executors running, each with
 * a spinner; the outputs so far; the latest notable event. `frame` turns the spinners; `width` clips each line.
 * Once the run stopped, one summary line.
 */
export function renderProgress(state: ProgressState, now: number, frame = 0, width = 80): string[] {
  const elapsed = seconds(
    state.startedAt === undefined ? 0 : Math.max(0, (state.status === 'running' ? now : (state.lastAt ?? now)) - state.startedAt),
  );
  const run = `${state.workflow} · run ${state.runId.slice(0, 8)}`;
  const outputs = `${state.outputs} output${state.outputs === 1 ? '' : 's'}`;
  if (state.status !== 'running') {
    const how =
      state.status === 'completed'
        ? `completed in ${state.superstep} superstep${state.superstep === 1 ? '' : 's'}`
        : state.status === 'waiting'
          ? `waiting for ${state.requests} request${state.requests === 1 ? '' : 's'} after superstep ${state.superstep}`
          : state.status === 'failed'
            ? `failed in superstep ${state.superstep}: ${state.error ?? 'unknown error'}`
            : `cancelled in superstep ${state.superstep}`;
    return [clip(`${MARK[state.status]} ${run} · ${how} · ${outputs} · ${elapsed}`, width)];
  }
  const spin = (offset: number): string => SPINNER[(frame + offset) % SPINNER.length] as string;
  const lines = [`${spin(0)} ${run} · superstep ${state.superstep} · ${elapsed}`];
  const running = [...state.running].map(([id, count], i) => `${spin(i + 1)} ${id}${count > 1 ? ` ×${count}` : ''}`);
  lines.push(`  running  ${running.length === 0 ? '–' : running.join('  ')}`);
  const last = state.lastOutput === undefined ? '' : ` · last from ${state.lastOutput.from}: ${preview(state.lastOutput.value)}`;
  lines.push(`  outputs  ${state.outputs}${last}`);
  if (state.note !== undefined) lines.push(`  latest   ${state.note}`);
  return lines.map((line) => clip(line, width));
}
