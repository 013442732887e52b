import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/** Where Redis is: a `redis://` (or `rediss://`) URL, or ioredis options. */
export type BullmqConnection = string | RedisOptions;

/** The queue every placement and worker uses unless told otherwise. */
export const DEFAULT_QUEUE = 'weft';

/** Checks the options every BullMQ part of weft shares; throws a TypeError naming the fix. */
export function checkQueueOptions(what: string, connection: unknown, queue: string, prefix: string | undefined): void {
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null))
    throw new TypeError(`${what} needs a connection: a Redis URL ("redis://127.0.0.1:6379") or ioredis options ({ host, port }).`);
  if (typeof connection === 'string' && !/^rediss?:\/\//.test(connection))
    throw new TypeError(`${what}: connection "${connection}" is not a Redis URL; write it as redis://host:port (or rediss:// for TLS).`);
  if (typeof queue !== 'string' || queue === '' || queue.includes(':'))
    throw new TypeError(`${what}: queue ${JSON.stringify(queue)} must be a non-empty name without ":" (BullMQ uses ":" to build its keys).`);
  if (prefix !== undefined && (typeof prefix !== 'string' || prefix === ''))
    throw new TypeError(`${what}: prefix ${JSON.stringify(prefix)} must be a non-empty string (or left out for BullMQ's "bull").`);
}

/** The connection as BullMQ takes it; BullMQ's blocking connections need `maxRetriesPerRequest: null`. */
export const bullmqConnection = (connection: BullmqConnection): ConnectionOptions =>
  (typeof connection === 'string'
    ? { url: connection, maxRetriesPerRequest: null }
    : { maxRetriesPerRequest: null, ...connection }) as ConnectionOptions;

/** A Redis client of weft's own (the cancel channel, reading the events stream), on the same server as the queue. */
export const openRedis = (connection: BullmqConnection): Redis =>
  typeof connection === 'string' ? new Redis(connection, { maxRetriesPerRequest: null }) : new Redis({ maxRetriesPerRequest: null, ...connection });

/** The pub/sub channel on which coordinators tell workers to abort jobs of cancelled runs. */
export const cancelChannel = (prefix: string | undefined, queue: string): string => `${prefix ?? 'bull'}:${queue}:weft-cancel`;
