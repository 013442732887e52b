import type { MiddlewareHandler } from 'hono';
import type { ServerEnv } from 'weft/server';

const ownRunsOnly: MiddlewareHandler<ServerEnv & { Variables: { user: { id: string } } }> = async (c, next) => {
  const run = c.get('run');                       // undefined for GET /runs (listing) and invocations
  if (run !== undefined && (run.input as { userId?: string }).userId !== c.get('user').id) {
    return c.json({ error: { code: 'not_found', message: 'No such run.' } }, 404);
  }
  await next();
};