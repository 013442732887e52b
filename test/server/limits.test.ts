// createApp's body limits: maxDepth is checked when the app is made, and names itself when a body crosses it.
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, MemoryRunStore } from 'weft';
import { allow, createApp, serve, type RunningServer } from 'weft/server';
import { http } from './helpers.js';
import { double } from './workflows.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

describe('maxDepth', () => {
  it('must be an integer from 1 to 256', () => {
    const runtime = createRuntime({ workflows: { double }, store: new MemoryRunStore() });
    for (const maxDepth of [0, 257, 1.5, Number.NaN]) {
      expect(() => createApp({ runtime, expose: {}, maxDepth })).toThrow(/maxDepth must be an integer from 1 to 256/);
    }
  });

  it('refuses a body one level deeper than it with 400, naming the limit and where it was crossed', async () => {
    const runtime = createRuntime({ workflows: { double }, store: new MemoryRunStore() });
    const server: RunningServer = await serve(createApp({ runtime, expose: { double: { route: allow, runs: allow } }, maxDepth: 3 }));
    open.push(async () => {
      await server.close();
      await runtime.close();
    });
    // { input: { n: … } } is two levels; a third fits, a fourth does not.
    expect((await http(`${server.url}/workflows/double`, { body: { input: { n: 1, extra: {} } } })).status).toBe(202); // depth 3: taken
    const refused = await http(`${server.url}/workflows/double`, { body: { input: { n: 1, extra: { too: {} } } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({
      code: 'body_too_deep',
      message: 'The request body nests deeper than 3 levels (at "input.extra.too"); send flatter data, or raise createApp({ maxDepth }).',
    });
  });
});
