// Builds the console into a temporary folder and serves a runtime's workflows with it, behind a bearer token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { createRuntime, type RunStore, type Runtime, type Workflow } from 'weft';
import { createApp, serve, type RunningServer } from 'weft/server';
import { openSqliteRunStore } from 'weft/sqlite';
// @ts-expect-error a plain ESM script without types
import { buildConsole } from '../../scripts/build-console.mjs';

export const TOKEN = 'console-test-token';

/** Lets in `Authorization: Bearer console-test-token` only. */
export const tokenPolicy: MiddlewareHandler = async (c, next) => {
  if (c.req.header('authorization') !== `Bearer ${TOKEN}`) return c.json({ error: { code: 'unauthorized', message: 'Send the token.' } }, 401);
  await next();
  return undefined;
};

export interface ServedConsole {
  readonly url: string;
  readonly runtime: Runtime;
  readonly store: RunStore;
  readonly assets: string;
  close(): Promise<void>;
}

export async function serveConsole(workflows: Readonly<Record<string, Workflow<any, any, any>>>): Promise<ServedConsole> {
  const directory = mkdtempSync(join(tmpdir(), 'weft-console-'));
  const assets = join(directory, 'ui');
  await buildConsole(assets);
  const store = openSqliteRunStore(join(directory, 'runs.db'));
  const runtime = createRuntime({ workflows, store });
  const app = createApp({
    runtime,
    expose: Object.fromEntries(Object.keys(workflows).map((name) => [name, { route: tokenPolicy, runs: tokenPolicy }])),
    ui: { assets },
  });
  const server: RunningServer = await serve(app);
  return {
    url: server.url,
    runtime,
    store,
    assets,
    close: async () => {
      await server.close();
      await runtime.close();
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
