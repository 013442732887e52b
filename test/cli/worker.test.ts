// `weft worker`: its help, and the command lines it refuses (exit 2, one line naming the fix) before loading anything.
import { describe, expect, it } from 'vitest';
import { fixture, weft } from './helpers.js';

const single = fixture('single.ts');

describe('weft worker', { timeout: 180_000 }, () => {
  it('--help describes the command and its options', async () => {
    const finished = await weft(['worker', '--help']);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/^Usage: weft worker <module>\[#export\] --redis redis:\/\/host:port/);
    for (const option of ['--redis', '--concurrency', '--queue', '--prefix']) expect(finished.stdout).toContain(option);
  });

  it('is listed in weft --help', async () => {
    expect((await weft(['--help'])).stdout).toContain('weft worker <module> --redis');
  });

  it.each([
    { name: 'no module', args: ['worker'], message: /"weft worker" needs <module>/ },
    {
      name: 'no --redis',
      args: ['worker', single],
      message: /weft worker needs the Redis of the queue: --redis redis:\/\/host:port \(or WEFT_REDIS_URL\)/,
    },
    {
      name: '--redis that is not a Redis URL',
      args: ['worker', single, '--redis', 'http://127.0.0.1:6379'],
      message: /--redis "http:\/\/127.0.0.1:6379" is not a Redis URL/,
    },
    {
      name: '--concurrency 0',
      args: ['worker', single, '--redis', 'redis://127.0.0.1:6379', '--concurrency', '0'],
      message: /--concurrency of "weft worker" must be a whole number from 1/,
    },
    {
      name: '--queue with a ":"',
      args: ['worker', single, '--redis', 'redis://127.0.0.1:6379', '--queue', 'a:b'],
      message: /must be a non-empty name without ":"/,
    },
    { name: 'an option of another command', args: ['worker', single, '--port', '3'], message: /Unknown option --port for "weft worker"/ },
  ])('$name: a usage error', async ({ args, message }) => {
    const finished = await weft(args, { env: { WEFT_REDIS_URL: '' } });
    expect(finished.stderr).toMatch(message);
    expect(finished.stderr).not.toMatch(/\n\s+at /);
    expect(finished.code).toBe(2);
  });
});
