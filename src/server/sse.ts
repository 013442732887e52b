import type { Observable } from 'rxjs';
import type { SerializedEvent } from '../index.js';
import { errorBody } from './problem.js';

/** Serializes what JSON.stringify would refuse (bigint) instead of failing the stream. */
function toJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  } catch {
    const event = value as SerializedEvent;
    return JSON.stringify({
      type: event.type,
      runId: event.runId,
      seq: event.seq,
      superstep: event.superstep,
      path: event.path,
      at: event.at,
      unserializable: true,
    });
  }
}

/** One Server-Sent Events frame; JSON never holds a raw newline, so `data` fits on one line. */
export const frame = (event: SerializedEvent): string => `id: ${event.seq}\nevent: ${event.type}\ndata: ${toJson(event)}\n\n`;

export interface EventStreamOptions {
  readonly heartbeatMs: number;
  /** The run's status once its events end, for the closing `stream.ended` frame. */
  readonly finalStatus: () => Promise<string | undefined>;
  /** Told of a failure to read the events (the client is told only that it failed). */
  readonly report: (error: unknown) => void;
}

export const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no', // nginx: do not buffer the stream
} as const;

/**
 * The run's events as a `text/event-stream` response: one frame per event (`id` = seq), a comment line every
 * `heartbeatMs`, then a `stream.ended` frame and the end of the body once the run has ended. A client that goes
 * away unsubscribes.
 */
export function eventStreamResponse(events: Observable<SerializedEvent>, options: EventStreamOptions): Response {
  const encoder = new TextEncoder();
  let subscription: { unsubscribe(): void } | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const stop = (): void => {
    closed = true;
    clearInterval(heartbeat);
    subscription?.unsubscribe();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Frames sent in one turn (a long run's stored events arrive all at once) go out as one chunk.
      let pending = '';
      const flush = (): void => {
        if (pending === '' || closed) return;
        const text = pending;
        pending = '';
        controller.enqueue(encoder.encode(text));
      };
      const send = (text: string): void => {
        if (closed) return;
        if (pending === '') queueMicrotask(flush);
        pending += text;
      };
      const end = (last: string): void => {
        send(last);
        flush();
        if (closed) return;
        stop();
        controller.close();
      };
      send(': weft events\n\n'); // flushes the headers at once, through proxies too
      heartbeat = setInterval(() => send(': heartbeat\n\n'), options.heartbeatMs);
      (heartbeat as { unref?: () => void }).unref?.();
      subscription = events.subscribe({
        next: (event) => send(frame(event)),
        error: (error: unknown) => {
          options.report(error);
          const body = errorBody(
            'stream_failed',
            "Reading the run's events failed; the server's log has the details. Reconnect with Last-Event-ID to go on.",
          );
          end(`event: stream.failed\ndata: ${JSON.stringify(body)}\n\n`);
        },
        complete: () => {
          options.finalStatus().then(
            (status) => end(`event: stream.ended\ndata: ${JSON.stringify(status === undefined ? {} : { status })}\n\n`),
            () => end('event: stream.ended\ndata: {}\n\n'),
          );
        },
      });
      if (closed) subscription.unsubscribe();
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { status: 200, headers: sseHeaders });
}
