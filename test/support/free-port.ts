// A free loopback port for a server a test starts itself (Redis, Postgres).
import { createServer } from 'node:net';

/** A port nothing listens on at 127.0.0.1 just now: the OS picks it, and it is released at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
