import type { Hono, MiddlewareHandler } from 'hono';
import { createRuntime, MemoryRunStore, type RunStore, type Runtime } from 'weft';
import { allow, createApp, serve, type CreateAppOptions, type RunningServer, type ServerEnv } from 'weft/server';
import { approval, counter, double, failing } from './workflows.js';

export { deferred, tick, until, Gates } from '../support/async.js';

/** Lets in requests with `Authorization: Bearer good`; answers 401 otherwise. */
export const requireToken: MiddlewareHandler = async (c, next) => {
  if (c.req.header('authorization') !== 'Bearer good')
    return c.json({ error: { code: 'unauthorized', message: 'Send "Authorization: Bearer good".' } }, 401);
  await next();
  return undefined;
};

export interface Served {
  readonly runtime: Runtime;
  readonly store: RunStore;
  readonly server: RunningServer;
  readonly app: Hono<ServerEnv>;
  readonly url: string;
  close(): Promise<void>;
  restart(): Promise<void>;
}

export interface ServeOptions extends Partial<Omit<CreateAppOptions, 'runtime'>> {
  readonly store?: RunStore;
  readonly workflows?: CreateAppOptions['runtime']['workflows'];
}

/** The default workflows: `counter` waits on nothing. */
export const defaultWorkflows = { double, approval, counter: counter(), failing };

/** A runtime on a store, its app, served on a free loopback port. */
export async function start(options: ServeOptions = {}): Promise<Served> {
  const store = options.store ?? new MemoryRunStore();
  const workflows = options.workflows ?? defaultWorkflows;
  const runtime = createRuntime({ workflows, store });
  const { store: _store, workflows: _workflows, ...appOptions } = options;
  const app = createApp({
    runtime,
    expose: Object.fromEntries(Object.keys(workflows).map((name) => [name, { route: allow, runs: allow }])),
    ...appOptions,
  });
  const server = await serve(app);
  let current = server;
  return {
    /** Drops every connection and listens again on the same port (a network blip, as the client sees it). */
    restart: async () => {
      await current.close();
      current = await serve(app, { port: server.port });
    },
    runtime,
    store,
    server,
    app,
    url: server.url,
    close: async () => {
      await current.close();
      await runtime.close();
    },
  };
}

/** fetch with a JSON body, answering the status and the parsed body. */
export async function http(
  url: string,
  init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.raw !== undefined ? { body: init.raw } : init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

/** Polls `condition` every few milliseconds until it holds; fails after `timeoutMs` instead of hanging. */
export async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls the server until the run's status is one of `statuses` (bounded). */
export async function waitForStatus(url: string, runId: string, statuses: readonly string[], headers: Record<string, string> = {}): Promise<any> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { status, body } = await http(`${url}/runs/${runId}`, { headers });
    if (status === 200 && statuses.includes(body.run.status)) return body.run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} never reached ${statuses.join(' or ')}`);
}

/** A raw SSE read: the frames of a response body until it ends or `stopWhen` holds. */
export async function readFrames(response: Response, stopWhen: (frames: readonly Frame[]) => boolean = () => false): Promise<Frame[]> {
  const frames: Frame[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        frames.push(parseFrame(block));
      }
      if (stopWhen(frames)) break;
    }
  } catch {
    frames.push({ comment: 'connection lost' }); // the server went away mid-stream
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return frames;
}

export interface Frame {
  readonly comment?: string;
  readonly id?: string;
  readonly event?: string;
  readonly data?: any;
}

function parseFrame(block: string): Frame {
  const frame: { comment?: string; id?: string; event?: string; data?: any } = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) frame.id = line.slice(4);
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
  }
  return frame;
}
