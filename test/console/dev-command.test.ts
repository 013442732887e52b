// `weft dev` and `weft serve --ui` as users run them: a separate process, the console at /ui/, private by default.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, start, tempDir, type Running } from '../cli/helpers.js';
// @ts-expect-error a plain ESM script without types
import { buildConsole } from '../../scripts/build-console.mjs';

const dir = tempDir();
const assets = join(dir.path, 'ui');
beforeAll(async () => {
  await buildConsole(assets);
}, 60_000);
afterAll(() => dir.remove());

async function stop(server: Running): Promise<void> {
  server.child.kill('SIGTERM');
  expect((await server.done).code).toBe(0);
}

describe('weft dev', () => {
  it('serves the console with a token of its own, given only in the printed address', async () => {
    const server = start(['dev', fixture('record.ts'), '--port', '0', '--db', dir.file('dev.db')], {
      env: { WEFT_UI_ASSETS: assets, WEFT_TOKEN: '' },
    });
    try {
      await server.waitFor('Ctrl+C stops it.');
      const url = server.stdout().split('\n')[0] as string;
      const token = /Console: (\S+)\/ui\/#token=(\S+)/.exec(server.stderr())?.[2];
      expect(server.stderr()).toContain(`Console: ${url}/ui/#token=`);
      expect(token).toMatch(/^[\w-]{32}$/);
      const page = await fetch(`${url}/ui/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('console.js');
      // The API the console calls is private: the token opens it.
      expect((await fetch(`${url}/workflows/double`)).status).toBe(401);
      const listed = await fetch(`${url}/workflows/double`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { workflow: { executors: { id: string }[] } }).workflow.executors.length).toBeGreaterThan(0);
    } finally {
      await stop(server);
    }
  });

  it('uses WEFT_TOKEN when set, and never prints it', async () => {
    const server = start(['dev', fixture('record.ts'), '--port', '0', '--db', dir.file('dev2.db')], {
      env: { WEFT_UI_ASSETS: assets, WEFT_TOKEN: 'the-secret-token' },
    });
    try {
      await server.waitFor('Ctrl+C stops it.');
      expect(server.stderr()).toContain('/ui/ (sign in with WEFT_TOKEN)');
      expect(server.stderr() + server.stdout()).not.toContain('the-secret-token');
    } finally {
      await stop(server);
    }
  });

  it('weft serve --ui adds the console; without --ui there is none', async () => {
    const withUi = start(['serve', fixture('record.ts'), '--port', '0', '--public', '--ui', '--db', dir.file('serve.db')], {
      env: { WEFT_UI_ASSETS: assets },
    });
    try {
      await withUi.waitFor('Ctrl+C stops it.');
      const url = withUi.stdout().split('\n')[0] as string;
      expect((await fetch(`${url}/ui/`)).status).toBe(200);
      expect((await fetch(`${url}/workflows/double`)).status).toBe(200);
    } finally {
      await stop(withUi);
    }
    const plain = start(['serve', fixture('record.ts'), '--port', '0', '--public', '--db', dir.file('serve.db')]);
    try {
      await plain.waitFor('Ctrl+C stops it.');
      expect((await fetch(`${plain.stdout().split('\n')[0] as string}/ui/`)).status).toBe(404);
    } finally {
      await stop(plain);
    }
  });

  it('says how to build the console when it is missing', async () => {
    const server = start(['dev', fixture('record.ts'), '--port', '0', '--db', dir.file('dev3.db')], { env: { WEFT_UI_ASSETS: dir.file('nowhere') } });
    const finished = await server.done;
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain('The web console is not built');
    expect(finished.stderr).toContain('npm run build');
  });
});
