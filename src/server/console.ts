import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { loadCheckpoint, type RunRecord, type Runtime, type StoredCheckpoint } from '../index.js';
import { isObject, readJson, type BodyLimits } from './body.js';
import { admits, type Policy, type ServerEnv } from './policy.js';
import { HttpProblem, notFound } from './problem.js';
import { checkpointChanges, checkpointHistory } from './state-diff.js';
import type { CheckpointChanges, GraphDetail } from './console-types.js';
import { describeGraph } from './workflow-detail.js';

/** Options of the console (`createApp({ ui })`). */
export interface ConsoleOptions {
  /** The folder of the built console (index.html, console.js, console.css); default: the `ui` folder beside weft's dist. */
  readonly assets?: string;
}

/** What `createApp` lends the console's routes, so that they answer to the same policies as the API. */
export interface ConsoleHost {
  readonly runtime: Runtime;
  readonly policies: ReadonlyMap<string, { readonly route?: Policy | undefined; readonly runs?: Policy | undefined }>;
  readonly bodyLimits: BodyLimits;
  readableRun(c: Context<ServerEnv>): Promise<{ readonly run: RunRecord; readonly policy: Policy }>;
  writablePolicies(run: RunRecord, read: Policy): readonly Policy[];
  guarded(c: Context<ServerEnv>, policies: readonly Policy[], handler: () => Promise<Response>): Promise<Response>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

interface Asset {
  readonly body: Uint8Array;
  readonly type: string;
}

/** The default asset folder: `dist/ui` beside the built server (the package's own files; nothing from a CDN). */
function defaultAssets(): string {
  try {
    return fileURLToPath(new URL('./ui/', import.meta.url));
  } catch {
    throw new TypeError(
      'createApp: the console assets could not be located from this build; pass createApp({ ui: { assets: "<folder with index.html>" } }).',
    );
  }
}

/** Reads the console's files once: only these names are served, so no path from a request ever reaches the disk. */
function loadAssets(folder: string): ReadonlyMap<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => statSync(join(folder, name)).isFile() && Object.hasOwn(TYPES, extname(name)));
  } catch (error) {
    throw new TypeError(
      `createApp: no console assets in "${folder}" (${error instanceof Error ? error.message : String(error)}). Build them with "npm run build", or pass createApp({ ui: { assets } }).`,
    );
  }
  if (!names.includes('index.html'))
    throw new TypeError(
      `createApp: the console folder "${folder}" has no index.html. Build it with "npm run build", or pass createApp({ ui: { assets } }).`,
    );
  return new Map(names.map((name) => [name, { body: new Uint8Array(readFileSync(join(folder, name))), type: TYPES[extname(name)] as string }]));
}

const assetResponse = (asset: Asset): Response =>
  new Response(asset.body, {
    headers: {
      'content-type': asset.type,
      'cache-control': 'no-cache',
      // The console talks to this server only, and runs no inline script.
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    },
  });

/**
 * The routes the console needs beside the API, behind the same policies: a workflow's full graph, a run's
 * checkpoints, the state diff of one superstep, the full state at one checkpoint, fork and resume. With `ui`,
 * also the console itself at `/ui/` (static files, no data: every call it makes goes through these policies).
 */
export function mountConsole(app: Hono<ServerEnv>, host: ConsoleHost, ui: ConsoleOptions | undefined): void {
  const { runtime, policies } = host;
  const graphs = new Map<string, GraphDetail>();
  const graphOf = (name: string): GraphDetail => {
    let graph = graphs.get(name);
    if (graph === undefined) {
      graph = describeGraph(runtime.workflows[name] as NonNullable<Runtime['workflows'][string]>);
      graphs.set(name, graph);
    }
    return graph;
  };

  app.get('/workflows/:name', async (c) => {
    const name = c.req.param('name');
    const entry = policies.get(name);
    if (entry === undefined) throw notFound('workflow', name);
    c.set('workflow', name);
    c.set('run', undefined);
    const invoke = entry.route !== undefined && (await admits(c, entry.route));
    const read = entry.runs !== undefined && (await admits(c, entry.runs));
    // Refused by both policies: run the one there is, so that its own refusal (401 with WWW-Authenticate) answers.
    if (!invoke && !read) return host.guarded(c, [(entry.route ?? entry.runs) as Policy], async () => c.json({}));
    return c.json({ workflow: { ...graphOf(name), access: { invoke, read } } });
  });

  app.get('/runs/:id/checkpoints', async (c) => {
    const { run, policy } = await host.readableRun(c);
    return host.guarded(c, [policy], async () => c.json({ checkpoints: await checkpointHistory(runtime.checkpoints, run.id) }));
  });

  /** One of the run's own checkpoints, or 404: an id of another run's checkpoint is as unknown as a made-up one. */
  const checkpointOf = async (run: RunRecord, id: string): Promise<StoredCheckpoint> => {
    const stored = await runtime.checkpoints.get(id);
    if (stored === undefined || stored.runId !== run.id)
      throw new HttpProblem(404, 'not_found', `Run "${run.id}" has no checkpoint "${id}"; GET /runs/${run.id}/checkpoints lists them.`);
    return stored;
  };

  app.get('/runs/:id/checkpoints/:checkpointId', async (c) => {
    const { run, policy } = await host.readableRun(c);
    return host.guarded(c, [policy], async () => {
      const stored = await checkpointOf(run, c.req.param('checkpointId'));
      return c.json({ checkpoint: await loadCheckpoint(runtime.checkpoints, stored.id) });
    });
  });

  app.get('/runs/:id/checkpoints/:checkpointId/changes', async (c) => {
    const { run, policy } = await host.readableRun(c);
    return host.guarded(c, [policy], async () => {
      const stored = await checkpointOf(run, c.req.param('checkpointId'));
      const body: CheckpointChanges = {
        checkpointId: stored.id,
        superstep: stored.superstep,
        changes: await checkpointChanges(runtime.checkpoints, stored),
      };
      return c.json(body);
    });
  });

  app.post('/runs/:id/fork', async (c) => {
    const { run, policy } = await host.readableRun(c);
    return host.guarded(c, host.writablePolicies(run, policy), async () => {
      const body = await readJson(c, host.bodyLimits);
      if (!isObject(body) || typeof body['checkpointId'] !== 'string')
        throw new HttpProblem(
          400,
          'invalid_body',
          'The request body must be a JSON object: { "checkpointId": "<id of one of the run\'s checkpoints>" }.',
        );
      const stored = await checkpointOf(run, body['checkpointId']);
      const { runId } = await runtime.fork(run.id, stored.id);
      c.header('Location', new URL(`../../runs/${encodeURIComponent(runId)}`, c.req.url).pathname);
      return c.json({ runId, forkedFrom: { runId: run.id, checkpointId: stored.id } }, 202);
    });
  });

  app.post('/runs/:id/resume', async (c) => {
    const { run, policy } = await host.readableRun(c);
    return host.guarded(c, host.writablePolicies(run, policy), async () => {
      if (run.status !== 'failed' && run.status !== 'cancelled') {
        throw new HttpProblem(
          409,
          'run_not_resumable',
          `Run "${run.id}" is ${run.status}; only a failed or cancelled run can be resumed (fork it from a checkpoint to run a step again).`,
        );
      }
      return c.json({ run: await runtime.resume(run.id) });
    });
  });

  if (ui === undefined) return;
  const assets = loadAssets(ui.assets ?? defaultAssets());
  const index = assets.get('index.html') as Asset;
  app.get('/ui', (c) => c.redirect(`${c.req.path}/`, 301));
  app.get('/ui/', () => assetResponse(index));
  app.get('/ui/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (asset === undefined) throw new HttpProblem(404, 'not_found', `The console has no file "${c.req.param('file')}".`);
    return assetResponse(asset);
  });
}
