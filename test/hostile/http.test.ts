// Hostile input over real HTTP against a server in its own process: deep, wide, huge, wrongly typed and prototype-
// polluting bodies, and handlers that throw what is not an Error or emit and output what JSON cannot hold. Every
// request gets a precise 4xx or ends as a failed run with a clear error, and the process stays alive throughout.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, request, settledRun, startServer, type ServerProcess } from './process.js';

const directory = mkdtempSync(join(tmpdir(), 'weft-hostile-'));
let server: ServerProcess;
let url: string;

beforeAll(async () => {
  server = startServer(join(directory, 'hostile.db'));
  url = (await server.listening).url;
}, 120_000);

afterAll(async () => {
  if (server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    const stopped = await server.exited;
    expect(stopped.code).toBe(0); // it was alive to the end, and stopped cleanly
  }
  killAll();
  rmSync(directory, { recursive: true, force: true });
}, 60_000);

/** `[[[…]]]` nested `levels` deep, as text: JSON.parse takes it, a recursive walk would not. */
const nestedText = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

async function expectAlive(): Promise<void> {
  expect(server.child.exitCode).toBeNull();
  expect((await request(`${url}/workflows`)).status).toBe(200);
}

describe('hostile input over HTTP (the server runs in its own process)', { timeout: 120_000 }, () => {
  it('refuses bodies nested too deep with 400 body_too_deep, however deep', async () => {
    for (const levels of [100, 2_500, 100_000]) {
      const { status, body } = await request(`${url}/workflows/echo`, { body: `{"input":${nestedText(levels)}}` });
      expect(status).toBe(400);
      expect(body.error.code).toBe('body_too_deep');
      expect(body.error.message).toContain('deeper than 64 levels');
    }
    await expectAlive();
  });

  it('takes a value nested within the limit, and a wide one, and runs them to completion', async () => {
    const deep = await request(`${url}/workflows/echo`, { body: `{"input":${nestedText(60)},"wait":true}` });
    expect(deep.status).toBe(200);
    expect(deep.body.run.status).toBe('completed');
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    const accepted = await request(`${url}/workflows/echo`, { json: { input: wide, wait: true } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.run.outputs[0].k19999).toBe(19_999);
    await expectAlive();
  });

  it('refuses a huge body with 413 and closes the connection, by Content-Length or chunked', async () => {
    // Raw sockets: the server answers before the body is sent and closes, so a client still writing may see EPIPE
    // after the answer arrived; what the server said is what is checked.
    const { port } = new URL(url);
    const exchange = (head: string, body: (socket: ReturnType<typeof connect>) => void): Promise<string> =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let received = '';
        socket.on('data', (data) => (received += data.toString('latin1')));
        socket.on('error', () => undefined); // EPIPE or a reset while writing; 'close' follows
        socket.on('close', () => resolve(received));
        socket.write(head);
        body(socket);
      });

    // Refused by its Content-Length alone, before a byte of the body is read (the client waits for the answer).
    const sized = await exchange(
      `POST /workflows/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`,
      () => undefined,
    );
    expect(sized).toMatch(/^HTTP\/1\.1 413/);
    expect(sized).toContain('body_too_large');
    expect(sized.toLowerCase()).toContain('connection: close');

    // A chunked body has no Content-Length: it is refused as it streams in, and the server says it closes.
    const head = await exchange(
      'POST /workflows/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      (socket) => {
        const chunk = 'x'.repeat(64 * 1024);
        for (let i = 0; i < 20; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        socket.write('0\r\n\r\n');
      },
    );
    expect(head).toMatch(/^HTTP\/1\.1 413/);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(head.toLowerCase()).not.toContain('keep-alive');
    await expectAlive();
  });

  it('lets a client that is still sending its huge body read the 413 (node:http and fetch), not a reset', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'a');
    const send = (headers: Record<string, string>): Promise<{ status: number | undefined; text: string; error?: string }> =>
      new Promise((resolve) => {
        const outgoing = httpRequest(
          `${url}/workflows/echo`,
          { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode, text }));
          },
        );
        outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ status: undefined, text: '', error: error.code ?? error.message }));
        let at = 0;
        const pump = (): void => {
          while (at < body.length) {
            const flowing = outgoing.write(body.subarray(at, at + 65_536));
            at += 65_536;
            if (!flowing) {
              outgoing.once('drain', pump);
              return;
            }
          }
          outgoing.end();
        };
        pump();
      });
    for (const headers of [{ 'content-length': String(body.length) }, {}]) {
      const answer = await send(headers);
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text).error.code).toBe('body_too_large');
    }
    const fetched = await fetch(`${url}/workflows/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(fetched.status).toBe(413);
    expect(((await fetched.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    await expectAlive();
  });

  it('reads a refused body only up to a bound: a client that never stops sending is cut off', async () => {
    const { port } = new URL(url);
    const chunk = `${(1024 * 1024).toString(16)}\r\n${'x'.repeat(1024 * 1024)}\r\n`;
    const outcome = await new Promise<{ answer: string; sentMiB: number }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let answer = '';
      let sentMiB = 0;
      let closed = false;
      socket.on('data', (data) => (answer += data.toString('latin1')));
      socket.on('error', () => undefined); // the reset that ends it
      socket.on('close', () => {
        closed = true;
        resolve({ answer, sentMiB });
      });
      socket.write('POST /workflows/echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      // Bounded: 256 MiB is four times what the server reads of a refused body before it cuts the connection.
      const pump = (): void => {
        while (!closed && sentMiB < 256) {
          sentMiB++;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
        if (!closed) socket.end();
      };
      pump();
    });
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(outcome.sentMiB).toBeLessThan(256);
    await expectAlive();
  });

  it('answers wrong types and broken JSON with precise 4xx', async () => {
    const cases: [string, { body?: string; json?: unknown }, number, string][] = [
      ['/workflows/typed', { json: { input: { n: 'not a number' } } }, 422, 'workflow_input_invalid'],
      ['/workflows/typed', { json: { input: null } }, 422, 'workflow_input_invalid'],
      ['/workflows/typed', { json: [1, 2, 3] }, 400, 'invalid_body'],
      ['/workflows/typed', { json: 'just a string' }, 400, 'invalid_body'],
      ['/workflows/typed', { json: { input: { n: 1 }, wait: 7 } }, 400, 'invalid_body'],
      ['/workflows/typed', { body: '{"input": {"n": 1}' }, 400, 'invalid_json'],
      ['/workflows/typed', { body: '\uFEFF\u0000' }, 400, 'invalid_json'],
      ['/workflows/nope', { json: { input: 1 } }, 404, 'not_found'],
      ['/runs/nope/responses', { json: { requestId: 'x', value: 1 } }, 404, 'not_found'],
    ];
    for (const [path, init, status, code] of cases) {
      const answered = await request(`${url}${path}`, init);
      expect([path, answered.status, answered.body?.error?.code]).toEqual([path, status, code]);
    }
    await expectAlive();
  });

  it('keeps "__proto__" keys as data: they pollute nothing and come back as they were sent', async () => {
    const { status, body } = await request(`${url}/workflows/echo`, {
      body: '{"input":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}},"wait":true}',
    });
    expect(status).toBe(200);
    expect(body.run.status).toBe('completed');
    expect(JSON.stringify(body.run.outputs[0])).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    await expectAlive();
  });

  it.each([
    ['throw-null-prototype', /after 3 attempts: an object with a null prototype/],
    ['throw-string', /after 3 attempts: a plain string/],
    ['emit-throwing-getter', /throws when read \(getter exploded\) at "emit\.bad"/],
    ['emit-throwing-tojson', /an object with a toJSON method at "emit\.bad"/],
    ['emit-proxy', /throws when read \(trap exploded\) at "emit\.bad"/],
    ['emit-deep', /nested deeper than 256 levels at "emit\.bad\.next/],
    ['output-deep', /nested deeper than 256 levels at "output\.next/],
    ['output-cycle', /a reference cycle at "output\.self"/],
  ])('a handler that does %s fails its run with a clear error, and nothing else', async (kind, message) => {
    const { status, body } = await request(`${url}/workflows/hostile`, { json: { input: { kind } } });
    expect(status).toBe(202);
    const run = await settledRun(url, body.runId);
    expect(run.status).toBe('failed');
    expect(run.error.message).toMatch(message);
    // The stored events end with run.failed, and are served over SSE like any other run's.
    const events = await fetch(`${url}/runs/${body.runId}/events`).then((response) => response.text());
    expect(events).toContain('event: run.failed');
    expect(events).toContain('event: stream.ended');
    await expectAlive();
  });

  it('an answer that is not what the request asked for gets 422 and the run still waits; a deep one gets 400', async () => {
    const started = await request(`${url}/workflows/ask`, { json: { input: { order: 1 }, wait: true } });
    expect(started.body.run.status).toBe('waiting');
    const runId: string = started.body.runId;
    const requestId: string = started.body.run.pendingRequests[0].id;
    for (const value of ['yes', { approved: 'yes' }, null, 42]) {
      const refused = await request(`${url}/runs/${runId}/responses`, { json: { requestId, value } });
      expect([refused.status, refused.body.error.code]).toEqual([422, 'invalid_response']);
      expect((await settledRun(url, runId)).status).toBe('waiting');
    }
    const deep = await request(`${url}/runs/${runId}/responses`, {
      body: `{"requestId":"${requestId}","value":{"approved":true,"extra":${nestedText(3000)}}}`,
    });
    expect([deep.status, deep.body.error.code]).toEqual([400, 'body_too_deep']);
    expect((await settledRun(url, runId)).status).toBe('waiting');

    const accepted = await request(`${url}/runs/${runId}/responses`, { json: { requestId, value: { approved: true } } });
    expect(accepted.status).toBe(202);
    expect(await settledRun(url, runId, ['completed', 'failed'])).toMatchObject({ status: 'completed', outputs: ['paid'] });
    await expectAlive();
  });

  it('a run started without an input can be answered (its checkpoint keeps the missing input as missing)', async () => {
    const started = await request(`${url}/workflows/ask`, { json: { wait: true } });
    expect(started.body.run.status).toBe('waiting');
    const accepted = await request(`${url}/runs/${started.body.runId}/responses`, {
      json: { requestId: started.body.run.pendingRequests[0].id, value: { approved: false } },
    });
    expect(accepted.status).toBe(202);
    expect(await settledRun(url, started.body.runId, ['completed', 'failed'])).toMatchObject({ status: 'completed', outputs: ['declined'] });
    await expectAlive();
  });
});
