import {
  EventStream,
  type InvokeOptions,
  type RunRecord,
  type RunStatus,
  type SerializedEvent,
  type WireWorkflowInfo,
  type AnswerOf,
  type ApproveOptions,
  type RejectOptions,
  type Workflow,
} from '../index.js';
import { approvalAnswer } from '../internal/approval-answer.js';
import { toHttpError, WeftHttpError } from './http-error.js';
import { createSseParser } from './sse.js';

/** Any workflow, as a type argument. */
export type AnyWorkflow = Workflow<any, any, any>;

/** The input type of a workflow type: `WorkflowInput<typeof triage>`. */
export type WorkflowInput<TWorkflow> = TWorkflow extends Workflow<infer TInput, any, any> ? TInput : never;

/** The output type of a workflow type (one element of a run's `outputs`). */
export type WorkflowOutput<TWorkflow> = TWorkflow extends Workflow<any, infer TOutput, any> ? TOutput : never;

/** A run as the server sends it, with its input and outputs typed by its workflow (outputs travel as JSON). */
export interface ClientRun<TName extends string = string, TInput = unknown, TOutput = unknown>
  extends Omit<RunRecord, 'workflow' | 'input' | 'outputs'> {
  readonly workflow: TName;
  readonly input: TInput;
  readonly outputs: readonly TOutput[];
}

/** A run of workflow `TName` of the map `TWorkflows`. */
export type RunOf<TWorkflows, TName extends keyof TWorkflows & string> = ClientRun<
  TName,
  WorkflowInput<TWorkflows[TName]>,
  WorkflowOutput<TWorkflows[TName]>
>;

/** A run of any workflow of the map, discriminated on `workflow`. */
export type AnyRunOf<TWorkflows> = { [TName in keyof TWorkflows & string]: RunOf<TWorkflows, TName> }[keyof TWorkflows & string];

/** How an event stream reconnects when its connection drops. */
export interface ReconnectOptions {
  /** Failed attempts in a row before the stream errors (default 5); an attempt that receives an event resets the count. */
  readonly attempts?: number;
  /** The first delay; it doubles with each failure in a row (default 250 ms). */
  readonly delayMs?: number;
  /** The longest delay (default 5 s). */
  readonly maxDelayMs?: number;
  /** A connection silent for this long is taken as dead and replaced (default 45 s: three server heartbeats). */
  readonly idleTimeoutMs?: number;
}

/** Headers in any form `new Headers()` takes. */
export type ClientHeaders = Headers | Readonly<Record<string, string>> | readonly (readonly [string, string])[];

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Where the app of `createApp` is served, e.g. `http://127.0.0.1:8787` or `https://example.com/weft`. */
  readonly baseUrl: string | URL;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Sent with every request (credentials for the server's policies); a function is called for each request. */
  readonly headers?: ClientHeaders | (() => ClientHeaders | Promise<ClientHeaders>);
  readonly reconnect?: ReconnectOptions;
}

/** A workflow as `workflows.list()` returns it (the same type the server sends). */
export type ClientWorkflowInfo = WireWorkflowInfo;

/** A filter and page of `runs.list`, newest first. */
export interface ClientRunQuery<TName extends string = string> {
  readonly workflow?: TName;
  readonly status?: RunStatus;
  /** 1–500 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** One page of runs; `nextCursor` is undefined on the last page. A page may hold fewer than `limit` runs while `nextCursor` is set. */
export interface ClientRunPage<TRun> {
  readonly runs: readonly TRun[];
  readonly nextCursor: string | undefined;
}

/** Options of `runs.events`. */
export interface RunEventsOptions {
  /** Start after the event with this seq (default: from the first event). */
  readonly after?: number;
}

/** The typed HTTP client of a weft server. */
export interface Client<TWorkflows extends Record<string, AnyWorkflow> = Record<string, AnyWorkflow>> {
  readonly workflows: {
    /** Starts a run and answers with its id at once (202). */
    invoke<TName extends keyof TWorkflows & string>(
      name: TName,
      input: WorkflowInput<TWorkflows[TName]>,
      options?: { readonly wait?: false | undefined },
    ): Promise<{ readonly runId: string }>;
    /** Starts a run and answers once it completes, fails, is cancelled or waits, with the run. */
    invoke<TName extends keyof TWorkflows & string>(
      name: TName,
      input: WorkflowInput<TWorkflows[TName]>,
      options: { readonly wait: true },
    ): Promise<{ readonly runId: string; readonly run: RunOf<TWorkflows, TName> }>;
    invoke<TName extends keyof TWorkflows & string>(
      name: TName,
      input: WorkflowInput<TWorkflows[TName]>,
      options?: InvokeOptions,
    ): Promise<{ readonly runId: string; readonly run?: RunOf<TWorkflows, TName> }>;
    /** The workflows this client may invoke or read. */
    list(): Promise<readonly ClientWorkflowInfo[]>;
  };
  readonly runs: {
    get(runId: string): Promise<AnyRunOf<TWorkflows>>;
    list<TName extends keyof TWorkflows & string>(
      query: ClientRunQuery<TName> & { readonly workflow: TName },
    ): Promise<ClientRunPage<RunOf<TWorkflows, TName>>>;
    list(query?: ClientRunQuery<keyof TWorkflows & string>): Promise<ClientRunPage<AnyRunOf<TWorkflows>>>;
    /**
     * The run's events, stored then live, as an Observable that is also async-iterable. It completes once the
     * run has completed, failed or been cancelled (a waiting run's stream stays open), reconnects with
     * Last-Event-ID when the connection drops, and errors with a WeftHttpError when the server refuses it.
     */
    events(runId: string, options?: RunEventsOptions): EventStream<SerializedEvent>;
    /**
     * Answers a pending request of a waiting run; the run continues. The type argument types the answer: the
     * asking executor's type (`respond<typeof ask>`, its `response` schema) or the answer's own type.
     */
    respond<T = unknown>(runId: string, requestId: string, value: NoInfer<AnswerOf<T>>): Promise<void>;
    /** Approves a request made by `withApproval`: the executor runs, on `input` when given. */
    approve<TInput = unknown>(runId: string, requestId: string, options?: ApproveOptions<NoInfer<TInput>>): Promise<void>;
    /** Rejects a request made by `withApproval`: the executor does not run; the rejection is output or goes to `onReject`. */
    reject(runId: string, requestId: string, options?: RejectOptions): Promise<void>;
    /** Cancels a running or waiting run and answers with it (a run that has already ended is returned as it is). */
    cancel(runId: string): Promise<AnyRunOf<TWorkflows>>;
  };
}

const TERMINAL: ReadonlySet<string> = new Set(['run.completed', 'run.failed', 'run.cancelled']);
const RUN_ENDED: ReadonlySet<string | undefined> = new Set(['completed', 'failed', 'cancelled']);

const endedStatus = (data: string): string | undefined => {
  try {
    const status = (JSON.parse(data) as { status?: unknown }).status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
};

/** Waits `ms`, or less when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * A typed client of the app `createApp` serves; pass the workflow types to type inputs and outputs.
 * @example
 * import type { triage } from './workflows.js';
 * const client = createClient<{ triage: typeof triage }>({ baseUrl: 'http://127.0.0.1:8787' });
 * const { run } = await client.workflows.invoke('triage', ticket, { wait: true });
 */
export function createClient<TWorkflows extends Record<string, AnyWorkflow> = Record<string, AnyWorkflow>>(
  options: ClientOptions,
): Client<TWorkflows> {
  const base = String(options.baseUrl).replace(/\/+$/, '');
  const fetchImpl: typeof globalThis.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const reconnect = { attempts: 5, delayMs: 250, maxDelayMs: 5_000, idleTimeoutMs: 45_000, ...options.reconnect };
  const url = (path: string, query: Readonly<Record<string, string | number | undefined>> = {}): string => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const encoded = search.toString();
    return `${base}${path}${encoded === '' ? '' : `?${encoded}`}`;
  };
  const headers = async (extra: Readonly<Record<string, string>>): Promise<Headers> => {
    const given = typeof options.headers === 'function' ? await options.headers() : options.headers;
    const result = new Headers(given as ConstructorParameters<typeof Headers>[0]);
    for (const [name, value] of Object.entries(extra)) result.set(name, value);
    return result;
  };

  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    query?: Readonly<Record<string, string | number | undefined>>,
  ): Promise<T> => {
    const response = await fetchImpl(url(path, query), {
      method,
      headers: await headers(
        body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw toHttpError(response.status, response.statusText, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  const runPath = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;

  const events = (runId: string, eventOptions: RunEventsOptions = {}): EventStream<SerializedEvent> =>
    new EventStream<SerializedEvent>((subscriber) => {
      const stop = new AbortController();
      let last = eventOptions.after;

      /** One connection: 'ended' once the run has ended, 'dropped' when the connection went away first; throws when refused. */
      const connect = async (): Promise<{ readonly outcome: 'ended' | 'dropped'; readonly received: boolean }> => {
        const connection = new AbortController();
        const abort = (): void => connection.abort();
        stop.signal.addEventListener('abort', abort, { once: true });
        let idle: ReturnType<typeof setTimeout> | undefined;
        const alive = (): void => {
          clearTimeout(idle);
          idle = setTimeout(abort, reconnect.idleTimeoutMs);
        };
        let received = false;
        try {
          alive();
          const response = await fetchImpl(url(`${runPath(runId)}/events`, { after: eventOptions.after }), {
            headers: await headers(
              last === undefined ? { accept: 'text/event-stream' } : { accept: 'text/event-stream', 'last-event-id': String(last) },
            ),
            signal: connection.signal,
          });
          if (!response.ok) {
            const error = toHttpError(response.status, response.statusText, await response.text());
            if (response.status >= 500) return { outcome: 'dropped', received };
            throw error;
          }
          if (response.body === null) return { outcome: 'dropped', received };
          let outcome = 'dropped' as 'ended' | 'dropped' | 'dropped-clean';
          let failure: WeftHttpError | undefined;
          const parse = createSseParser((message) => {
            if (outcome !== 'dropped' || failure !== undefined) return;
            // The server ends a stream with the run, or when it shuts down (the run then goes on elsewhere: reconnect).
            if (message.event === 'stream.ended') outcome = RUN_ENDED.has(endedStatus(message.data)) ? 'ended' : 'dropped-clean';
            else if (message.event === 'stream.failed') failure = toHttpError(500, '', message.data);
            else {
              const event = JSON.parse(message.data) as SerializedEvent;
              if (last !== undefined && event.seq <= last) return;
              last = event.seq;
              received = true;
              subscriber.next(event);
              if (TERMINAL.has(event.type) && event.path.length === 0) outcome = 'ended';
            }
          });
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          try {
            while (outcome === 'dropped' && failure === undefined) {
              const { done, value } = await reader.read();
              if (done) break;
              alive();
              parse(value);
            }
          } catch {
            return { outcome: 'dropped', received }; // the connection broke mid-stream
          } finally {
            void reader.cancel().catch(() => undefined);
          }
          if (failure !== undefined) throw failure;
          return { outcome: outcome === 'ended' ? 'ended' : 'dropped', received };
        } catch (error) {
          if (error instanceof WeftHttpError || stop.signal.aborted) throw error;
          return { outcome: 'dropped', received }; // fetch failed: refused, reset, timed out
        } finally {
          clearTimeout(idle);
          stop.signal.removeEventListener('abort', abort);
        }
      };

      const follow = async (): Promise<void> => {
        for (let failures = 0; ; ) {
          const { outcome, received } = await connect();
          if (stop.signal.aborted) return;
          if (outcome === 'ended') {
            subscriber.complete();
            return;
          }
          failures = received ? 1 : failures + 1;
          if (failures > reconnect.attempts) {
            throw new WeftHttpError(
              0,
              'stream_dropped',
              `The event stream of run "${runId}" dropped and ${reconnect.attempts} reconnections in a row failed; subscribe again with { after: ${last ?? -1} } to go on.`,
            );
          }
          await sleep(Math.min(reconnect.maxDelayMs, reconnect.delayMs * 2 ** (failures - 1)), stop.signal);
          if (stop.signal.aborted) return;
        }
      };
      follow().catch((error: unknown) => {
        if (!stop.signal.aborted) subscriber.error(error);
      });
      return () => stop.abort();
    });

  const respond = async (runId: string, requestId: string, value: unknown): Promise<void> => {
    await call('POST', `${runPath(runId)}/responses`, { requestId, value });
  };

  return {
    workflows: {
      invoke: (name: string, input: unknown, invokeOptions: InvokeOptions = {}) =>
        call<any>('POST', `/workflows/${encodeURIComponent(name)}`, {
          input,
          ...(invokeOptions.wait === undefined ? {} : { wait: invokeOptions.wait }),
        }),
      list: async () => (await call<{ workflows: ClientWorkflowInfo[] }>('GET', '/workflows')).workflows,
    },
    runs: {
      get: async (runId: string) => (await call<{ run: AnyRunOf<TWorkflows> }>('GET', runPath(runId))).run,
      list: async (query: ClientRunQuery = {}) => {
        const page = await call<{ runs: AnyRunOf<TWorkflows>[]; nextCursor: string | null }>('GET', '/runs', undefined, {
          workflow: query.workflow,
          status: query.status,
          limit: query.limit,
          cursor: query.cursor,
        });
        return { runs: page.runs, nextCursor: page.nextCursor ?? undefined };
      },
      events,
      respond,
      approve: (runId: string, requestId: string, options?: ApproveOptions) => respond(runId, requestId, approvalAnswer(true, options)),
      reject: (runId: string, requestId: string, options?: RejectOptions) => respond(runId, requestId, approvalAnswer(false, options)),
      cancel: async (runId: string) => (await call<{ run: AnyRunOf<TWorkflows> }>('POST', `${runPath(runId)}/cancel`)).run,
    },
  } as Client<TWorkflows>;
}
