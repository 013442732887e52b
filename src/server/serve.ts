import type { Server } from 'node:http';
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
    server.once('error', reject);
  });
}
