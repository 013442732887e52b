import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default `127.0.0.1`: reachable from this machine only. Pass `0.0.0.0` to listen on every interface. */
  readonly hostname?: string;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections (event streams included; clients resume with Last-Event-ID); once closed, does nothing. Runs go on: close the runtime separately. */
  close(): Promise<void>;
}

/** Anything with a fetch handler, such as the Hono app of `createApp`. */
export interface FetchApp {
  fetch(request: Request, ...rest: any[]): Response | Promise<Response>;
}

/** How much of a refused body is read and dropped after the answer, at most, before the connection is cut. */
const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 30_000;

/**
 * An answer sent before its request's body was read (a 413, a 401) would otherwise close the connection with the
 * body still arriving, and the client, still writing, sees a reset (EPIPE) instead of the answer. So the rest of the
 * body is read and dropped, up to LINGER_BYTES or LINGER_MS, and the connection closes after it (a lingering close).
 */
function lingerAfterEarlyAnswer(request: IncomingMessage, response: ServerResponse): void {
  response.once('finish', () => {
    if (request.complete || request.destroyed) return;
    const socket = request.socket;
    // Node ends the socket after an answer that says `Connection: close`, then destroys it once the end is written:
    // keep the reading side open until the body is in.
    socket.removeListener('finish', socket.destroy);
    let left = LINGER_BYTES;
    const cut = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(cut, LINGER_MS);
    timer.unref();
    request.removeAllListeners('data');
    request.on('data', (chunk: Buffer) => {
      left -= chunk.byteLength;
      if (left < 0) cut();
    });
    request.once('end', () => {
      clearTimeout(timer);
      if (!socket.writable) socket.destroy();
    });
    request.once('close', () => clearTimeout(timer));
    request.resume();
  });
}

/**
 * Serves an app on Node's HTTP server (through `@hono/node-server`) and resolves once it listens.
 * @example
 * const server = await serve(createApp({ runtime, expose }), { port: 8787 });
 * console.log(`listening on ${server.url}`);
 */
export function serve(app: FetchApp, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serveNode({ fetch: (request, env) => app.fetch(request, env), port: options.port ?? 0, hostname }, (info: AddressInfo) => {
      server.off('error', reject);
      const host = info.address === '0.0.0.0' || info.address === '::' ? 'localhost' : info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((closed, failed) => {
            if (!server.listening) return closed(); // closed already
            server.close((error) => (error === undefined ? closed() : failed(error)));
            server.closeAllConnections();
          }),
      });
    }) as Server;
    server.prependListener('request', lingerAfterEarlyAnswer);
    server.once('error', reject);
  });
}
