import { Hono, type Context } from 'hono';
import type { RunPage, RunQuery, RunRecord, RunStatus, RunSummary, Runtime, WireWorkflowInfo } from '../index.js';
import { isObject, readJson } from './body.js';
import { admits, through, type Policy, type ServerEnv } from './policy.js';
import { errorBody, HttpProblem, notFound, problemResponse } from './problem.js';
import { eventStreamResponse, sseHeaders } from './sse.js';
import { mountConsole, type ConsoleOptions } from './console.js';

/** Who may do what with one workflow; each policy is an ordinary Hono middleware. Without a policy, the operation answers 404. */
export interface WorkflowPolicies {
  /** Who may start runs (`POST /workflows/:name`). Answering and cancelling a run needs this and `runs`. */
  readonly route?: Policy | undefined;
  /**
   * Who may read runs and their events (`GET /runs/:id`, `GET /runs/:id/events`) and list them (`GET /runs`: asked
   * once without a run on the context, then once per listed run with it, which is left out when refused).
   */
  readonly runs?: Policy | undefined;
}

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  readonly runtime: Runtime;
  /** The workflows reachable over HTTP, by name, and their policies; every other workflow is private (404). */
  readonly expose: Readonly<Record<string, WorkflowPolicies>>;
  /** The largest request body accepted, in bytes (default 1 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** How deeply a request body may nest objects and arrays (default 64, at most 256); deeper ones get 400 `body_too_deep`. */
  readonly maxDepth?: number;
  /** How often an event stream sends a comment line to keep proxies and clients from timing out (default 15 s). */
  readonly heartbeatMs?: number;
  /** Told of every unexpected error, which the client sees only as a 500 (default: `console.error`). */
  readonly onError?: (error: unknown) => void;
  /** Serves the web console at `/ui/` (behind the same policies: its every call is an API call). */
  readonly ui?: ConsoleOptions | boolean;
}

/** A workflow as `GET /workflows` lists it (the same type the client reads). */
export type WorkflowInfo = WireWorkflowInfo;

const STATUSES: ReadonlySet<string> = new Set<RunStatus>(['running', 'waiting', 'completed', 'failed', 'cancelled']);
/** Runs one `GET /runs` may look at (each shown to its policy) before it returns a short page with a cursor. */
const MAX_SCANNED_RUNS = 1000;

const positiveInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0;

/**
 * The HTTP API of a runtime as a Hono app: invoke workflows, read runs, follow their events (SSE), answer their
 * requests, cancel them. Private by default: a workflow is reachable only through the policies `expose` gives it.
 * @example
 * const app = createApp({ runtime, expose: { triage: { route: bearerAuth({ token }), runs: bearerAuth({ token }) } } });
 * const server = await serve(app, { port: 8787 });
 */
export function createApp(options: CreateAppOptions): Hono<ServerEnv> {
  const { runtime, expose } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const report = options.onError ?? ((error: unknown) => console.error('weft/server:', error));
  if (!positiveInteger(maxBodyBytes)) throw new TypeError(`createApp: maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}.`);
  const maxDepth = options.maxDepth ?? 64;
  // A run refuses values nested deeper than 256 levels; a body it would refuse is refused at the door.
  if (!(positiveInteger(maxDepth) && maxDepth <= 256))
    throw new TypeError(`createApp: maxDepth must be an integer from 1 to 256, got ${String(maxDepth)}.`);
  const bodyLimits = { bytes: maxBodyBytes, depth: maxDepth };
  if (!positiveInteger(heartbeatMs)) throw new TypeError(`createApp: heartbeatMs must be a positive integer, got ${String(heartbeatMs)}.`);

  const exposed = new Map<string, WorkflowPolicies>();
  const infos = new Map<string, Omit<WorkflowInfo, 'access'>>();
  for (const [name, policies] of Object.entries(expose)) {
    const workflow = Object.hasOwn(runtime.workflows, name) ? runtime.workflows[name] : undefined;
    if (workflow === undefined) {
      throw new TypeError(
        `createApp: expose names workflow "${name}", which the runtime does not serve (it serves ${
          Object.keys(runtime.workflows)
            .map((known) => `"${known}"`)
            .join(', ') || 'none'
        }). Add it to createRuntime({ workflows }) or remove it from expose.`,
      );
    }
    for (const key of ['route', 'runs'] as const) {
      if (policies[key] !== undefined && typeof policies[key] !== 'function')
        throw new TypeError(
          `createApp: expose.${name}.${key} must be a Hono middleware (pass allow for public access), got ${typeof policies[key]}.`,
        );
    }
    exposed.set(name, Object.freeze({ route: policies.route, runs: policies.runs }));
    const description = workflow.describe();
    const input = description.executors.find((executor) => executor.id === description.start)?.input;
    infos.set(name, { name, signature: workflow.signature, ...(input === undefined ? {} : { input }), mermaid: workflow.toMermaid(), description });
  }

  /** The policy of an operation on a workflow; a workflow without it is as unknown as one that does not exist. */
  const policyOf = (name: string, operation: keyof WorkflowPolicies): Policy => {
    const policy = exposed.get(name)?.[operation];
    if (policy === undefined) throw notFound('workflow', name);
    return policy;
  };

  /** The first exposed `runs` policy: the one a caller asking about a run that does not exist is refused by. */
  const firstRunsPolicy = [...exposed.entries()].find(([, policies]) => policies.runs !== undefined);

  /**
   * A run the caller may ask about: its workflow must have a `runs` policy, or the run does not exist for HTTP. A
   * run that does not exist is answered as the `runs` policies would answer for one that does: a caller that no
   * policy lets in gets the first policy's refusal (401, say) either way, so refusals never tell which ids exist.
   */
  const readableRun = async (c: Context<ServerEnv>): Promise<{ readonly run: RunRecord; readonly policy: Policy }> => {
    const id = c.req.param('id') ?? '';
    const run = await runtime.getRun(id);
    const policy = run === undefined ? undefined : exposed.get(run.workflow)?.runs;
    if (run === undefined || policy === undefined) {
      if (firstRunsPolicy !== undefined && !(await admittedByAny(c))) {
        c.set('workflow', firstRunsPolicy[0]);
        c.set('run', undefined);
        throw new Refused(
          await through(
            c,
            [firstRunsPolicy[1].runs as Policy],
            () => Promise.reject(notFound('run', id)),
            (error) => problemResponse(c, error, report),
          ),
        );
      }
      throw notFound('run', id);
    }
    c.set('workflow', run.workflow);
    c.set('run', run);
    return { run, policy };
  };

  /** Whether any workflow's `runs` policy lets this caller in (asked as for a listing: no run set). */
  const admittedByAny = async (c: Context<ServerEnv>): Promise<boolean> => {
    for (const [name, policies] of exposed) {
      if (policies.runs === undefined) continue;
      c.set('workflow', name);
      c.set('run', undefined);
      if (await admits(c, policies.runs)) return true;
    }
    return false;
  };

  /** Answering and cancelling change a run: they need the `runs` policy (to see it) and the `route` policy (to act on it). */
  const writablePolicies = (run: RunRecord, read: Policy): readonly Policy[] => {
    const write = exposed.get(run.workflow)?.route;
    if (write !== undefined) return [read, write];
    return [
      read,
      async (c) =>
        c.json(
          errorBody(
            'forbidden',
            `Runs of workflow "${run.workflow}" cannot be answered or cancelled over HTTP: its entry in createApp({ expose }) has no route policy.`,
          ),
          403,
        ),
    ];
  };

  /** `listRuns`, whose TypeErrors about the query (a cursor it did not make, say) are the caller's 400. */
  const listRuns = async (query: Parameters<Runtime['listRuns']>[0]): Promise<RunPage> => {
    try {
      return await runtime.listRuns(query);
    } catch (error) {
      if (error instanceof TypeError && error.message.startsWith('listRuns:'))
        throw new HttpProblem(400, 'invalid_query', error.message.slice('listRuns:'.length).trim());
      throw error;
    }
  };

  /** Runs the policies around the handler; whatever is thrown inside becomes the error response. */
  const guarded = (c: Context<ServerEnv>, policies: readonly Policy[], handler: () => Promise<Response>): Promise<Response> =>
    through(c, policies, handler, (error) => problemResponse(c, error, report));

  const app = new Hono<ServerEnv>();
  app.onError((error, c) => (error instanceof Refused ? error.response : problemResponse(c, error, report)));
  app.notFound((c) => c.json(errorBody('not_found', `No route ${c.req.method} ${c.req.path}.`), 404));

  app.get('/workflows', async (c) => {
    const workflows: WorkflowInfo[] = [];
    for (const [name, policies] of exposed) {
      c.set('workflow', name);
      c.set('run', undefined);
      const invoke = policies.route !== undefined && (await admits(c, policies.route));
      const read = policies.runs !== undefined && (await admits(c, policies.runs));
      if (invoke || read) workflows.push({ ...(infos.get(name) as Omit<WorkflowInfo, 'access'>), access: { invoke, read } });
    }
    return c.json({ workflows });
  });

  app.post('/workflows/:name', async (c) => {
    const name = c.req.param('name');
    const policy = policyOf(name, 'route');
    c.set('workflow', name);
    c.set('run', undefined);
    return guarded(c, [policy], async () => {
      const body = await readJson(c, bodyLimits);
      if (!isObject(body)) throw new HttpProblem(400, 'invalid_body', 'The request body must be a JSON object: { "input": …, "wait"?: true }.');
      const wait = body['wait'];
      if (wait !== undefined && typeof wait !== 'boolean')
        throw new HttpProblem(
          400,
          'invalid_body',
          `"wait" must be true (answer once the run completes, fails, is cancelled or waits), false or absent, got ${JSON.stringify(wait)}.`,
        );
      const { runId, run } = await runtime.invoke(name, body['input'], { wait });
      c.header('Location', new URL(`../runs/${encodeURIComponent(runId)}`, c.req.url).pathname);
      return run === undefined ? c.json({ runId }, 202) : c.json({ runId, run }, 200);
    });
  });

  /**
   * A page of the runs the caller may read: each run the store lists is shown, as a whole record, to the `runs`
   * policy of its workflow, as `GET /runs/:id` would show it, and left out when the policy refuses. Pages of exactly
   * the missing count keep the store's cursor exact; at most MAX_SCANNED_RUNS are looked at per request.
   */
  const visibleRuns = async (
    c: Context<ServerEnv>,
    query: RunQuery & { readonly limit: number },
    readable: ReadonlyMap<string, Policy>,
  ): Promise<RunPage> => {
    const runs: RunSummary[] = [];
    let next = query.cursor;
    for (let scanned = 0; scanned < MAX_SCANNED_RUNS && runs.length < query.limit; ) {
      const page = await listRuns({
        ...query,
        ...(next === undefined ? {} : { cursor: next }),
        limit: Math.min(query.limit - runs.length, MAX_SCANNED_RUNS - scanned),
      });
      scanned += page.runs.length;
      for (const summary of page.runs) {
        const policy = readable.get(summary.workflow);
        const record = policy === undefined ? undefined : await runtime.getRun(summary.id);
        if (policy === undefined || record === undefined) continue;
        c.set('workflow', record.workflow);
        c.set('run', record);
        if (await admits(c, policy)) runs.push(summary);
      }
      next = page.nextCursor;
      if (next === undefined) break;
    }
    c.set('run', undefined);
    return { runs, nextCursor: next };
  };

  app.get('/runs', async (c) => {
    const query = c.req.query();
    const workflow = query['workflow'];
    const status = query['status'];
    const cursor = query['cursor'];
    if (status !== undefined && !STATUSES.has(status))
      throw new HttpProblem(400, 'invalid_query', `"status" must be one of ${[...STATUSES].join(', ')}, got "${status}".`);
    const limit = query['limit'] === undefined ? 50 : Number(query['limit']);
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 500))
      throw new HttpProblem(400, 'invalid_query', `"limit" must be an integer from 1 to 500, got "${query['limit']}".`);
    const filter = {
      ...(status === undefined ? {} : { status: status as RunStatus }),
      ...(cursor === undefined || cursor === '' ? {} : { cursor }),
      limit,
    };
    c.set('run', undefined);
    if (workflow !== undefined) {
      const policy = policyOf(workflow, 'runs');
      c.set('workflow', workflow);
      // The policy answers the listing itself first (a 401 to authenticate), then each run.
      return guarded(c, [policy], async () => c.json(page(await visibleRuns(c, { ...filter, workflow }, new Map([[workflow, policy]])))));
    }
    // No workflow named: the runs of every workflow whose runs policy lets the caller list, each run asked again.
    const readable = new Map<string, Policy>();
    for (const [name, policies] of exposed) {
      c.set('workflow', name);
      if (policies.runs !== undefined && (await admits(c, policies.runs))) readable.set(name, policies.runs);
    }
    if (readable.size === 0) return c.json(page({ runs: [], nextCursor: undefined }));
    const only = readable.size === 1 ? { workflow: [...readable.keys()][0] as string } : {};
    return c.json(page(await visibleRuns(c, { ...filter, ...only }, readable)));
  });

  app.get('/runs/:id', async (c) => {
    const { policy } = await readableRun(c);
    return guarded(c, [policy], async () => {
      const run = (await runtime.getRun(c.req.param('id'))) ?? c.get('run');
      c.header('Cache-Control', 'no-store');
      c.header('Weft-Run-Status', run?.status ?? '');
      return c.json({ run });
    });
  });

  app.get('/runs/:id/events', async (c) => {
    const { policy } = await readableRun(c);
    return guarded(c, [policy], async () => {
      const id = c.req.param('id');
      const lastEventId = c.req.header('last-event-id');
      const given = lastEventId ?? c.req.query('after');
      const afterSeq = given === undefined || given === '' ? -1 : Number(given);
      if (!(Number.isInteger(afterSeq) && afterSeq >= -1)) {
        throw new HttpProblem(
          400,
          'invalid_query',
          `${lastEventId === undefined ? '"after"' : 'Last-Event-ID'} must be the seq of the last event received (an integer ≥ -1), got "${given}".`,
        );
      }
      // Hono answers HEAD with the GET handler and drops the body: open no stream that nobody would close.
      if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers: sseHeaders });
      return eventStreamResponse(runtime.events(id, { afterSeq }), {
        heartbeatMs,
        finalStatus: async () => (await runtime.getRun(id))?.status,
        report,
      });
    });
  });

  app.post('/runs/:id/responses', async (c) => {
    const { run, policy } = await readableRun(c);
    return guarded(c, writablePolicies(run, policy), async () => {
      const body = await readJson(c, bodyLimits);
      if (!isObject(body) || typeof body['requestId'] !== 'string') {
        throw new HttpProblem(
          400,
          'invalid_body',
          'The request body must be a JSON object: { "requestId": "<id of a pending request>", "value": … }.',
        );
      }
      const requestId = body['requestId'];
      await runtime.respond(run.id, requestId, body['value']);
      return c.json({ runId: run.id, requestId }, 202);
    });
  });

  app.post('/runs/:id/cancel', async (c) => {
    const { run, policy } = await readableRun(c);
    return guarded(c, writablePolicies(run, policy), async () => c.json({ run: await runtime.cancel(run.id) }));
  });

  mountConsole(
    app,
    { runtime, policies: exposed, bodyLimits, readableRun, writablePolicies, guarded },
    options.ui === true ? {} : options.ui === false ? undefined : options.ui,
  );
  return app;
}

/** A response already made (a policy's refusal), thrown to end the request with it. */
class Refused extends Error {
  constructor(readonly response: Response) {
    super('refused');
  }
}

/** A page as JSON: `nextCursor` is null on the last page rather than missing. */
const page = (result: RunPage): { readonly runs: readonly RunSummary[]; readonly nextCursor: string | null } => ({
  runs: result.runs,
  nextCursor: result.nextCursor ?? null,
});
