// A server process is SIGKILLed in the middle of a run; a new one on the same SQLite file recovers the run on
// start, and the HTTP API shows it completing with exactly the outputs of an uninterrupted run.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { SerializedEvent } from 'weft';
import { createClient } from 'weft/client';
import { compiled } from '../support/compiled.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = await compiled(new URL('./fixtures/server.ts', import.meta.url).href);
const directory = mkdtempSync(join(tmpdir(), 'weft-server-crash-'));
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly recovered: readonly string[];
  /** Resolves once the server printed that it recovered `runId`, on start or later. */
  readonly recovers: (runId: string) => Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the fixture server on `file` and resolves with the line it prints once it listens. */
function startServer(file: string): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, file, String(LEASE_MS)], { cwd: root });
    children.push(child);
    let stdout = '';
    let stderr = '';
    const recovered = new Set<string>();
    const waiting = new Map<string, () => void>();
    const recovers = (runId: string): Promise<void> => (recovered.has(runId) ? Promise.resolve() : new Promise((done) => waiting.set(runId, done)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
      child.on('close', (code, signal) => done({ code, signal, stderr })),
    );
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (let newline = stdout.indexOf('\n'); newline >= 0; newline = stdout.indexOf('\n')) {
        const line = JSON.parse(stdout.slice(0, newline)) as { url?: string; recovered: string[] };
        stdout = stdout.slice(newline + 1);
        for (const id of line.recovered) {
          recovered.add(id);
          waiting.get(id)?.();
        }
        if (line.url !== undefined) resolve({ child, exited, url: line.url, recovered: line.recovered, recovers });
      }
    });
    child.on('error', reject);
    void exited.then(({ code, signal }) => reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}`)));
  });
}

/** The servers' lease: short, so that the second server takes the run over soon after the kill. */
const LEASE_MS = 1000;

describe('a server killed mid-run', () => {
  it('a restarted server recovers the run on start, and it completes with the right outputs', async () => {
    const file = join(directory, 'crash.db');
    const first = await startServer(file);
    const client = createClient({ baseUrl: first.url, reconnect: { attempts: 0 } });
    const { runId } = await client.workflows.invoke('slow', { n: 1, to: 6, stepMs: 150 });

    // Kill the process as soon as superstep 2 is checkpointed (events are stored before they are sent).
    const seen: SerializedEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.runs.events(runId).subscribe({
        next: (event) => {
          seen.push(event);
          if (event.type === 'checkpoint.saved' && event.superstep === 2) {
            first.child.kill('SIGKILL');
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
        complete: () => reject(new Error('the run ended before the kill')),
      });
    });
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    expect(seen.some((event) => event.type === 'run.completed')).toBe(false);

    const second = await startServer(file);
    try {
      // The killed server's lease expires LEASE_MS after its last renewal; the new one takes the run over then.
      await second.recovers(runId);
      const restarted = createClient({ baseUrl: second.url });
      const events = await lastValueFrom(restarted.runs.events(runId).pipe(toArray()));
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
      expect(events.filter((event) => event.type === 'run.started' || event.type === 'run.resumed').map((event) => event.type)).toEqual([
        'run.started',
        'run.resumed',
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'run.completed', outputs: [10, 20, 30, 40, 50, 60] });
      const run = await restarted.runs.get(runId);
      expect(run).toMatchObject({ id: runId, workflow: 'slow', status: 'completed', outputs: [10, 20, 30, 40, 50, 60] });
      // Every output once, across both processes.
      expect(events.filter((event) => event.type === 'output').map((event) => (event as { value: unknown }).value)).toEqual([10, 20, 30, 40, 50, 60]);
    } finally {
      second.child.kill('SIGTERM');
      const stopped = await second.exited;
      expect(stopped.code).toBe(0);
    }
  });
});
