// Starts the hostile-input fixture server as a separate Node process and talks to it over HTTP.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compiled } from '../support/compiled.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The fixture bundled once: each server starts as plain `node`, without tsx's loader. */
const fixture = await compiled(new URL('./fixtures/server.ts', import.meta.url).href);

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the first line the server prints (`{ url, recovered }`), or rejects if it exits first. */
  readonly listening: Promise<{ readonly url: string; readonly recovered: readonly string[] }>;
  readonly exited: Promise<Exit>;
}

const children: ChildProcessWithoutNullStreams[] = [];

/** Kills every server still running (afterAll). */
export function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts the fixture server on the SQLite file `file`. */
export function startServer(file: string, env: Record<string, string> = {}): ServerProcess {
  const child = spawn(process.execPath, [fixture, file], { cwd: root, env: { ...process.env, ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<Exit>((done) => child.on('close', (code, signal) => done({ code, signal, stderr })));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const listening = new Promise<{ url: string; recovered: string[] }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)) as { url: string; recovered: string[] });
    });
    child.on('error', reject);
    void exited.then(({ code, signal }) => reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}`)));
  });
  listening.catch(() => undefined);
  return { child, listening, exited };
}

/** A request with a raw body; answers the status, the parsed JSON body (if any) and the headers. */
export async function request(
  url: string,
  init: { method?: string; body?: string; json?: unknown } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const body = init.json === undefined ? init.body : JSON.stringify(init.json);
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Polls a run until its status is one of `statuses` (bounded in count, never a fixed sleep for state). */
export async function settledRun(
  url: string,
  runId: string,
  statuses: readonly string[] = ['completed', 'failed', 'waiting', 'cancelled'],
): Promise<any> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    const { status, body } = await request(`${url}/runs/${runId}`);
    if (status === 200 && statuses.includes(body.run.status)) return body.run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} never reached ${statuses.join(' or ')}`);
}
