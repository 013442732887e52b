import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '../index.js';
import type { Policy } from '../server/index.js';
import { CommandError, expectPositionals, integerFlag, parseArgs, UsageError } from './args.js';
import type { Io } from './io.js';
import { importModule, parseModuleRef, pickWorkflows } from './load.js';
import { DEFAULT_DB, leaseMsOf, openStore } from './store.js';

export const SERVE_HELP = `Usage: weft serve <module>[#export] [--port 3000] [--host 127.0.0.1] [--db ${DEFAULT_DB}] [--public] [--ui]

Serves the module's workflows over HTTP (the weft/server API), with runs recorded in a SQLite file
or a Postgres database.
Every exported Workflow is served under its name, or the entries of an exported "workflows" record
under their keys; #export serves just one.

  --port <n>     the port (default 3000; 0 picks a free one)
  --host <host>  the interface to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for all)
  --db <file|url>  the SQLite file for runs, events and checkpoints (default ${DEFAULT_DB}), or a
                 postgres:// URL (needs "npm install pg"; ?schema=<name> picks the schema, default public)
  --public       serve without authentication: anyone who reaches the port may start, read,
                 answer and cancel runs
  --ui           also serve the web console at /ui/ (behind the same token: it only calls the API)

Without --public, clients must send "Authorization: Bearer <token>", where the token is the
WEFT_TOKEN environment variable; weft serve refuses to start with neither.

The URL goes to stdout as the first line. On start, runs a previous server left running are
continued from their latest checkpoints, and so are, while it serves, the runs of any process on the
same file or database that died (once its leases expire: WEFT_LEASE_MS, default 30000). Several
servers may share one file, and any number, on any machines, one Postgres database: a run started on
one is read, followed, answered and cancelled on any other. Ctrl+C (SIGINT) or SIGTERM stops the
server; runs in progress are given up and continue in another server on the store, or on the next start.

Examples:
  WEFT_TOKEN=$(openssl rand -hex 32) weft serve workflows.ts --port 8787
  WEFT_TOKEN=… weft serve workflows.ts --db postgres://weft@db.internal:5432/weft
`;

export const DEV_HELP = `Usage: weft dev <module>[#export] [--port 4000] [--host 127.0.0.1] [--db ${DEFAULT_DB}] [--public]

Serves the module's workflows with the web console at http://127.0.0.1:<port>/ui/: their graphs,
runs live, each superstep's state diff, answers to pending requests, cancel, resume and fork.
Runs are recorded in a SQLite file (or a Postgres database), as with "weft serve".

  --port <n>     the port (default 4000; 0 picks a free one)
  --host <host>  the interface to listen on (default 127.0.0.1, this machine only)
  --db <file|url>  the SQLite file for runs, events and checkpoints (default ${DEFAULT_DB}), or a
                 postgres:// URL
  --public       no authentication: anyone who reaches the port may use the console and the API

Private by default: with WEFT_TOKEN set, the console asks for it; without, weft dev makes a token
for this session and prints the console's address with it (after "#", which browsers never send).

Example:
  weft dev workflows.ts
`;

/** A policy that admits requests carrying `Authorization: Bearer <token>`, compared in constant time. */
export function bearerToken(token: string): Policy {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  const expected = digest(token);
  return async (c, next) => {
    const given = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '')?.[1];
    // Equal-length digests: the comparison takes as long whatever the token sent.
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="weft"');
      return c.json({ error: { code: 'unauthorized', message: 'Send the server\'s token as "Authorization: Bearer <token>".' } }, 401);
    }
    return next();
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The built console: `dist/ui` beside the CLI (`dist/cli.js`, or `src/cli` before a build), or WEFT_UI_ASSETS. */
function consoleAssets(io: Io): string {
  const given = io.env['WEFT_UI_ASSETS']?.trim();
  const candidates =
    given === undefined || given === ''
      ? [fileURLToPath(new URL('./ui/', import.meta.url)), fileURLToPath(new URL('../../dist/ui/', import.meta.url))]
      : [resolve(io.cwd, given)];
  const found = candidates.find((folder) => existsSync(join(folder, 'index.html')));
  if (found === undefined)
    throw new CommandError(
      `The web console is not built: no index.html in ${candidates.join(' or ')}. Run "npm run build" (or point WEFT_UI_ASSETS at a built console).`,
    );
  return found;
}

/** `weft serve` and `weft dev`: dev serves the console, and makes a token of its own when WEFT_TOKEN is unset. */
export async function serveCommand(argv: readonly string[], io: Io, mode: 'serve' | 'dev' = 'serve'): Promise<number> {
  const dev = mode === 'dev';
  const command = `weft ${mode}`;
  const spec = { port: 'string', host: 'string', db: 'string', public: 'boolean', ui: 'boolean' } as const;
  const { flags, positionals } = parseArgs(argv, dev ? { port: spec.port, host: spec.host, db: spec.db, public: spec.public } : spec, command);
  if (flags.help === true) {
    io.stdout.write(dev ? DEV_HELP : SERVE_HELP);
    return 0;
  }
  expectPositionals(positionals, ['module'], command);
  const port = integerFlag(flags.port, 'port', command, { min: 0, max: 65_535 }) ?? (dev ? 4000 : 3000);
  const hostname = flags.host ?? '127.0.0.1';
  const ui = dev || (flags as { readonly ui?: boolean }).ui === true;
  const given = io.env['WEFT_TOKEN']?.trim() ?? '';
  const open = flags.public === true;
  // weft dev is private too: without WEFT_TOKEN it makes a token and puts it in the console's address only.
  const token = given === '' && dev && !open ? randomBytes(24).toString('base64url') : given;
  if (!open && token === '') {
    throw new UsageError(
      'weft serve needs a way to let clients in: set WEFT_TOKEN=<secret> in the environment (clients send "Authorization: Bearer <secret>"), or pass --public to serve without authentication.',
    );
  }
  const assets = ui ? consoleAssets(io) : undefined;
  // Loaded here, not on start: the other commands work without hono installed.
  let server: typeof import('../server/index.js');
  try {
    server = await import('../server/index.js');
  } catch (error) {
    throw new UsageError(
      `weft serve needs hono and @hono/node-server, which did not load: run "npm i hono @hono/node-server". (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const { allow, createApp, serve } = server;
  const ref = parseModuleRef(positionals[0] as string);
  const workflows = pickWorkflows(await importModule(ref.path, io.cwd), ref);
  const names = Object.keys(workflows);

  const opened = await openStore(flags.db ?? DEFAULT_DB, io.cwd);
  const leaseMs = leaseMsOf(io.env);
  const runtime = createRuntime({ workflows, store: opened.store, leaseMs });
  const recover = async (): Promise<void> => {
    const recovered = await runtime.recover();
    if (recovered.length > 0)
      io.stderr.write(`Continuing ${recovered.length} run${recovered.length === 1 ? '' : 's'} left running: ${recovered.join(', ')}\n`);
  };
  // Runs of a process that died are taken over once their leases expire: look every half lease.
  const recovering = setInterval(
    () =>
      void recover().catch((error: unknown) =>
        io.stderr.write(`weft: recovering runs failed: ${error instanceof Error ? error.message : String(error)}\n`),
      ),
    leaseMs / 2,
  );
  let listening: Awaited<ReturnType<typeof serve>>;
  try {
    await recover();
    const policy = open ? allow : bearerToken(token);
    const app = createApp({
      runtime,
      expose: Object.fromEntries(names.map((name) => [name, { route: policy, runs: policy }])),
      ...(assets === undefined ? {} : { ui: { assets } }),
    });
    listening = await serve(app, { port, hostname });
  } catch (error) {
    clearInterval(recovering);
    await runtime.close();
    await opened.close();
    throw error;
  }
  const running = listening;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(1);
      stopping = true;
      io.stderr.write(`${signal}: stopping; runs in progress continue on the next start.\n`);
      void (async () => {
        let code = 0;
        clearInterval(recovering);
        try {
          await running.close();
          await runtime.close(); // leaves running runs marked running: recover() continues them next start
          await new Promise((done) => setImmediate(done)); // let the writes already queued reach the file
          await opened.close();
        } catch (error) {
          io.stderr.write(`weft: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
          code = 1;
        }
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(code);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Printed only now: a script that signals as soon as it reads the address must find the handlers installed.
    io.stdout.write(`${running.url}\n`);
    if (ui) io.stderr.write(`Console: ${running.url}/ui/${open ? '' : given === '' ? `#token=${token}` : ' (sign in with WEFT_TOKEN)'}\n`);
    io.stderr.write(
      `weft serving ${names.map((name) => `"${name}"`).join(', ')} at ${running.url} (runs in ${opened.location}; ${open ? 'public: no authentication' : given === '' ? 'bearer token made for this session' : 'bearer token from WEFT_TOKEN'})\n`,
    );
    if (open && token !== '') io.stderr.write('Note: WEFT_TOKEN is set, but --public serves without authentication.\n');
    if (open && !LOOPBACK.has(hostname))
      io.stderr.write(`Warning: --public on ${hostname}: anyone who reaches this port can start, read, answer and cancel runs.\n`);
    io.stderr.write('Ctrl+C stops it.\n');
  });
}
