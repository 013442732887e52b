import type { Schema } from '../model/types.js';

/** How many requests' own response schemas one workflow remembers; the oldest go first (runs nobody answers). */
const REMEMBERED = 10_000;

/**
 * The response schemas requests were asked with (`ctx.request(payload, { response })`), by request id, for every run
 * of one workflow in this process: an answer given to a later engine (`workflow.resume`, a runtime's `respond`) is
 * checked against the request's own schema, as `handle.respond()` checks it. Another process knows only the
 * executor's `response` schema.
 */
export class ResponseSchemas extends Map<string, Schema> {
  override set(requestId: string, schema: Schema): this {
    super.set(requestId, schema);
    if (this.size > REMEMBERED) this.delete(this.keys().next().value as string);
    return this;
  }
}
