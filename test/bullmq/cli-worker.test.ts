// `weft worker` as users run it (a separate Node process through tsx) against a real Redis: it takes the invocations
// a coordinator puts on the queue, and stops on SIGTERM.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bullmqPlacement } from 'weft/bullmq';
import { start } from '../cli/helpers.js';
import { describeRedis, freshQueue, startRedis, type RedisServer } from './helpers.js';
import { fanOut } from './workflows.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describeRedis('weft worker', () => {
  it('runs the invocations of a coordinator, with the in-process result, until SIGTERM', async () => {
    const queue = freshQueue();
    const worker = start(['worker', 'test/bullmq/cli-workflows.ts', '--redis', redis.url, '--queue', queue, '--concurrency', '2']);
    try {
      await worker.waitFor(/weft worker ready: "fan-out" from queue "test-\d+-\d+" on redis:\/\/127\.0\.0\.1:\d+, 2 at once/);
      const placement = bullmqPlacement({ connection: redis.url, queue });
      const input = { items: 8, spin: 1_000 };
      try {
        const result = await fanOut().run(input, { placement });
        const expected = await fanOut().run(input);
        expect(result.outputs).toEqual(expected.outputs);
        expect(result.shared).toEqual(expected.shared);
      } finally {
        await placement.close();
      }
      worker.child.kill('SIGTERM');
      const finished = await worker.done;
      expect(finished.stderr).toContain('SIGTERM: stopping after the invocations in progress.');
      expect(finished.code).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
