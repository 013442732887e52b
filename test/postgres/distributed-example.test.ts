// examples/distributed runs as a user runs it: two processes over one fresh database.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describePostgres, freshDatabase, postgresUrl } from '../support/postgres-inject.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(file: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describePostgres('examples/distributed', () => {
  it('runs: an author process follows live a run that a reviewer process answers and completes', { timeout: 120_000 }, async () => {
    const url = await freshDatabase(postgresUrl() as string);
    const { code, output } = await run('examples/distributed/main.ts', { DATABASE_URL: url });
    expect(output).toContain('ok: two processes shared one run through Postgres');
    expect(code, output).toBe(0);
  });

  it('names the fix when DATABASE_URL is missing', { timeout: 60_000 }, async () => {
    const env = { ...process.env };
    delete env['DATABASE_URL'];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/distributed/node.ts', 'author'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, output: text }));
    });
    expect(code).not.toBe(0);
    expect(output).toContain('Set DATABASE_URL to a Postgres URL');
  });
});
