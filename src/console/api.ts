import type { CheckpointChanges, CheckpointSummary, GraphDetail, RunEvent, RunRecord, RunStatus, WorkflowInfo } from './types.js';

const TOKEN_KEY = 'weft.token';

/** Takes `#token=…` from the address (the fragment never reaches a server) into this tab's session storage. */
export function adoptToken(): void {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (match === null) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1] as string));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

export const setToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);

/** A refusal from the server: its status, code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API lives one level above the console (`/ui/` → `/`), wherever the app is mounted. */
const base = (): string => new URL('..', location.href.split('#')[0]).href;

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const bearer = token();
  return { accept: 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...extra };
}

async function call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(new URL(path, base()), {
    method: init.method ?? 'GET',
    headers: headers(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) {
    const error = (body['error'] ?? {}) as { code?: string; message?: string; issues?: { message: string; path: (string | number)[] }[] };
    const issues = error.issues?.map((issue) => `${issue.path.join('.') || '(answer)'}: ${issue.message}`).join('; ');
    throw new ApiError(
      response.status,
      error.code ?? 'http_error',
      `${error.message ?? `HTTP ${response.status}`}${issues === undefined || issues === '' ? '' : ` (${issues})`}`,
    );
  }
  return body as T;
}

export interface RunFilter {
  readonly workflow?: string;
  readonly status?: RunStatus;
  readonly cursor?: string;
  readonly limit?: number;
}

/** Every call the console makes; each is an ordinary API call under the server's policies. */
export const api = {
  workflows: () => call<{ workflows: WorkflowInfo[] }>('workflows').then((body) => body.workflows),
  workflow: (name: string) =>
    call<{ workflow: GraphDetail & { access: WorkflowInfo['access'] } }>(`workflows/${encodeURIComponent(name)}`).then((body) => body.workflow),
  start: (name: string, input: unknown) => call<{ runId: string }>(`workflows/${encodeURIComponent(name)}`, { method: 'POST', body: { input } }),
  runs: (filter: RunFilter) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(key, String(value));
    return call<{ runs: RunRecord[]; nextCursor: string | null }>(`runs?${query.toString()}`);
  },
  run: (id: string) => call<{ run: RunRecord }>(`runs/${encodeURIComponent(id)}`).then((body) => body.run),
  checkpoints: (id: string) =>
    call<{ checkpoints: CheckpointSummary[] }>(`runs/${encodeURIComponent(id)}/checkpoints`).then((body) => body.checkpoints),
  checkpoint: (id: string, checkpointId: string) =>
    call<{ checkpoint: Record<string, unknown> }>(`runs/${encodeURIComponent(id)}/checkpoints/${encodeURIComponent(checkpointId)}`).then(
      (body) => body.checkpoint,
    ),
  changes: (id: string, checkpointId: string) =>
    call<CheckpointChanges>(`runs/${encodeURIComponent(id)}/checkpoints/${encodeURIComponent(checkpointId)}/changes`).then((body) => body.changes),
  respond: (id: string, requestId: string, value: unknown) =>
    call<unknown>(`runs/${encodeURIComponent(id)}/responses`, { method: 'POST', body: { requestId, value } }),
  cancel: (id: string) => call<{ run: RunRecord }>(`runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  fork: (id: string, checkpointId: string) =>
    call<{ runId: string }>(`runs/${encodeURIComponent(id)}/fork`, { method: 'POST', body: { checkpointId } }),
  resume: (id: string) => call<{ run: RunRecord }>(`runs/${encodeURIComponent(id)}/resume`, { method: 'POST' }),
};

export interface Follow {
  stop(): void;
}

/**
 * Follows a run's events over SSE (read with fetch, so that the bearer token goes along), from `afterSeq` on;
 * reconnects after a dropped connection from the last event received, and calls `onEnd` once the run has ended.
 */
export function followEvents(
  runId: string,
  afterSeq: number,
  onEvents: (events: RunEvent[]) => void,
  onEnd: (status: string | undefined) => void,
  onError: (error: Error) => void,
): Follow {
  const controller = new AbortController();
  let last = afterSeq;
  let failures = 0;
  const connect = async (): Promise<void> => {
    const response = await fetch(new URL(`runs/${encodeURIComponent(runId)}/events?after=${last}`, base()), {
      headers: headers({ accept: 'text/event-stream' }),
      signal: controller.signal,
    });
    if (!response.ok || response.body === null)
      throw new ApiError(response.status, 'stream_refused', `The event stream was refused (HTTP ${response.status}).`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const frames = buffer.split('\n\n');
      buffer = frames.pop() ?? '';
      const batch: RunEvent[] = [];
      for (const frame of frames) {
        let type = 'message';
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data === '') continue;
        if (type === 'stream.ended') {
          if (batch.length > 0) onEvents(batch);
          onEnd((JSON.parse(data) as { status?: string }).status);
          controller.abort();
          return;
        }
        if (type === 'stream.failed') continue;
        const event = JSON.parse(data) as RunEvent;
        last = event.seq;
        failures = 0;
        batch.push(event);
      }
      if (batch.length > 0) onEvents(batch);
    }
  };
  const loop = async (): Promise<void> => {
    // Bounded: a server that keeps refusing is reported instead of retried for ever.
    while (!controller.signal.aborted && failures < 5) {
      try {
        await connect();
        if (!controller.signal.aborted) failures += 1; // dropped before the run ended: reconnect after a pause
      } catch (error) {
        if (controller.signal.aborted) return;
        failures += 1;
        if (error instanceof ApiError && error.status < 500) return onError(error);
        if (failures >= 5) return onError(error instanceof Error ? error : new Error(String(error)));
      }
      if (!controller.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 500 * failures));
    }
  };
  void loop();
  return { stop: () => controller.abort() };
}
