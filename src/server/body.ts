import type { Context } from 'hono';
import { checkJsonDepth } from './json-depth.js';
import { HttpProblem } from './problem.js';

const tooLarge = (limit: number): HttpProblem =>
  new HttpProblem(413, 'body_too_large', `The request body is larger than ${limit} bytes; send less, or raise createApp({ maxBodyBytes }).`);

/** What a request body may be: at most `bytes` long, nested at most `depth` levels deep. */
export interface BodyLimits {
  readonly bytes: number;
  readonly depth: number;
}

/**
 * Reads the body as JSON, refusing it with 413 once it is larger than `limits.bytes` (by its Content-Length or as it
 * streams in), and with 400 when it nests deeper than `limits.depth`: a value no later step can choke on.
 */
export async function readJson(c: Context, limits: BodyLimits): Promise<unknown> {
  const value = await readJsonBody(c, limits.bytes);
  const tooDeep = checkJsonDepth(value, limits.depth);
  if (tooDeep !== undefined) {
    const at = tooDeep.path.length > 80 ? `${tooDeep.path.slice(0, 80)}…` : tooDeep.path;
    throw new HttpProblem(
      400,
      'body_too_deep',
      `The request body nests deeper than ${limits.depth} levels (at "${at}"); send flatter data, or raise createApp({ maxDepth }).`,
    );
  }
  return value;
}

async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const raw = c.req.raw;
  let bytes: Uint8Array;
  if (raw.bodyUsed) {
    bytes = new Uint8Array(await c.req.arrayBuffer()); // a policy read it first (Hono caches what it read)
    if (bytes.byteLength > limit) throw tooLarge(limit);
  } else {
    bytes = new Uint8Array(0);
    if (raw.body !== null) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = raw.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limit) {
          // Not cancel(): that destroys the socket before the 413 is written. serve() drops the rest once it is sent.
          reader.releaseLock();
          throw tooLarge(limit);
        }
        chunks.push(value);
      }
      bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
    }
  }
  if (bytes.byteLength === 0) throw new HttpProblem(400, 'invalid_json', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (error) {
    throw new HttpProblem(400, 'invalid_json', `The request body is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
