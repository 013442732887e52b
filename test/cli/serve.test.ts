// `weft serve`: the HTTP API on the SQLite run store, its auth switch, recovery on start, and shutdown on SIGTERM.
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, start, tempDir, weft, type Running } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** Starts `weft serve …` and reads the URL, which it prints as the first line of stdout. */
async function serve(args: readonly string[], env?: Record<string, string>): Promise<{ server: Running; url: string }> {
  const server = start(['serve', ...args, '--port', '0'], env === undefined ? {} : { env });
  await server.waitFor('\n', 'stdout');
  await server.waitFor('Ctrl+C stops it.'); // the last line of the banner on stderr
  const url = server.stdout().split('\n')[0]!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  return { server, url };
}

async function stop(server: Running): Promise<void> {
  server.child.kill('SIGTERM');
  const finished = await server.done;
  expect(finished.code).toBe(0);
  expect(finished.stderr).toContain('SIGTERM: stopping');
}

describe('weft serve', () => {
  it('serves every workflow of the module with --public, and stops on SIGTERM', async () => {
    const db = dir.file('public.db');
    const { server, url } = await serve([fixture('record.ts'), '--public', '--db', db]);
    try {
      const listed = (await (await fetch(`${url}/workflows`)).json()) as { workflows: { name: string; access: unknown }[] };
      expect(listed.workflows.map((w) => w.name)).toEqual(['double', 'approve']);
      expect(listed.workflows[0]!.access).toEqual({ invoke: true, read: true });
      const invoked = await fetch(`${url}/workflows/double`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { n: 8 }, wait: true }),
      });
      expect(invoked.status).toBe(200);
      const { runId, run } = (await invoked.json()) as { runId: string; run: { status: string; outputs: unknown[] } };
      expect(run).toMatchObject({ status: 'completed', outputs: [16] });
      expect(server.stderr()).toContain('weft serving "double", "approve"');
      expect(server.stderr()).toContain('public: no authentication');
      await stop(server);
      // The run is in the file, for the other commands.
      const shown = await weft(['runs', 'show', runId, '--db', db]);
      expect(JSON.parse(shown.stdout)).toMatchObject({ workflow: 'double', status: 'completed' });
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('refuses to start with neither WEFT_TOKEN nor --public', async () => {
    const finished = await weft(['serve', fixture('record.ts'), '--db', dir.file('refused.db')], { env: { WEFT_TOKEN: '' } });
    expect(finished.code).toBe(2);
    expect(finished.stdout).toBe('');
    expect(finished.stderr).toContain('set WEFT_TOKEN=<secret>');
    expect(finished.stderr).toContain('--public');
  });

  it('asks for the bearer token from WEFT_TOKEN', async () => {
    const token = 's3cret-token';
    const { server, url } = await serve([`${fixture('workflows.ts')}#doubler`, '--db', dir.file('token.db')], { WEFT_TOKEN: token });
    try {
      const body = JSON.stringify({ input: { n: 1 }, wait: true });
      const post = (authorization?: string): Promise<Response> =>
        fetch(`${url}/workflows/doubler`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
          body,
        });
      expect((await post()).status).toBe(401);
      const wrong = await post('Bearer not-the-token');
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="weft"');
      const right = await post(`Bearer ${token}`);
      expect(right.status).toBe(200);
      expect(((await right.json()) as { run: { outputs: unknown[] } }).run.outputs).toEqual([2]);
      const anonymous = (await (await fetch(`${url}/workflows`)).json()) as { workflows: unknown[] };
      expect(anonymous.workflows).toEqual([]);
      const listed = (await (await fetch(`${url}/workflows`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        workflows: { name: string }[];
      };
      expect(listed.workflows.map((w) => w.name)).toEqual(['doubler']);
      await stop(server);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('continues the runs a killed process left running when it starts', async () => {
    const db = dir.file('recover.db');
    const workflows = fixture('workflows.ts');
    const lease = { WEFT_LEASE_MS: '1000' }; // the killed process holds its run this long
    const running = start(['run', `${workflows}#counter`, '--input', '{"at":1,"to":8,"ms":100}', '--db', db], { env: lease });
    await running.waitFor('superstep 2 completed');
    running.child.kill('SIGKILL');
    await running.done;
    const runId = /^run (\S+) of workflow/m.exec(running.stderr())![1]!;

    const { server, url } = await serve([`${workflows}#counter`, '--public', '--db', db], lease);
    try {
      await server.waitFor(`Continuing 1 run left running: ${runId}`);
      let run: { status: string; outputs: unknown[] } | undefined;
      for (let i = 0; i < 100 && run?.status !== 'completed'; i++) {
        ({ run } = (await (await fetch(`${url}/runs/${runId}`)).json()) as { run: { status: string; outputs: unknown[] } });
        if (run.status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(run).toMatchObject({ status: 'completed', outputs: [1, 2, 3, 4, 5, 6, 7, 8] });
      await stop(server);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
