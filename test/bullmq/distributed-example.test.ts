// examples/distributed/queue.ts runs as a user runs it: a coordinator and two worker processes over one Redis.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, startRedis, type RedisServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(file: string, env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describeRedis('examples/distributed (BullMQ)', () => {
  it('runs: the invocations run on the two worker processes', async () => {
    const { code, output } = await run('examples/distributed/queue.ts', { ...process.env, REDIS_URL: redis.url });
    expect(output).toContain('ok: the invocations ran on the worker processes');
    expect(output.match(/ {2}worker \d+: \d+ invocations/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    expect(code, output).toBe(0);
  });

  it('names the fix when REDIS_URL is missing', async () => {
    const { code, output } = await run('examples/distributed/queue.ts', { ...process.env, REDIS_URL: '' });
    expect(code).not.toBe(0);
    expect(output).toContain('Set REDIS_URL to a Redis URL');
  });
});
