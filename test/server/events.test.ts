// GET /runs/:id/events: Server-Sent Events, stored then live, resumable with Last-Event-ID, closed at the run's end.
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerializedEvent } from 'weft';
import { eventually, Gates, http, readFrames, start, type Frame, type Served } from './helpers.js';
import { approval, counter, double } from './workflows.js';

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
});

const serve = async (options: Parameters<typeof start>[0] = {}): Promise<Served> => {
  const served = await start(options);
  servers.push(served);
  return served;
};

const eventFrames = (frames: readonly Frame[]): Frame[] => frames.filter((frame) => frame.id !== undefined);
const ended = (frames: readonly Frame[]): boolean => frames.some((frame) => frame.event === 'stream.ended');

describe('GET /runs/:id/events', () => {
  it('replays an ended run: one frame per event (id = seq, event = type, data = the event), then stream.ended, then closes', async () => {
    const { url, store } = await serve();
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 5 }, wait: true } });
    const response = await fetch(`${url}/runs/${body.runId}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const frames = await readFrames(response); // ends by itself: the server closes the stream
    const stored = await store.readEvents(body.runId);
    expect(eventFrames(frames)).toEqual(
      stored.map((event) => ({ id: String(event.seq), event: event.type, data: JSON.parse(JSON.stringify(event)) })),
    );
    expect(frames.at(-1)).toEqual({ event: 'stream.ended', data: { status: 'completed' } });
    expect(frames[0]).toEqual({ comment: 'weft events' });
  });

  it('follows a live run: stored events first, then those of each superstep as it commits', async () => {
    const gates = new Gates();
    const { url } = await serve({ workflows: { counter: counter((n) => gates.wait(`step ${n}`)), double, approval } });
    const { body } = await http(`${url}/workflows/counter`, { body: { input: { n: 1, to: 3 } } });
    const response = await fetch(`${url}/runs/${body.runId}/events`);
    const frames: Frame[] = [];
    const reading = readFrames(response, (so) => {
      frames.splice(0, frames.length, ...so);
      return ended(so);
    });
    await eventually(() => frames.some((frame) => frame.event === 'run.started'));
    // Step 1 is held at its gate: nothing of its superstep is committed, so nothing of it is sent.
    expect(frames.some((frame) => frame.event === 'executor.invoked' || frame.event === 'output')).toBe(false);
    for (const n of [1, 2, 3]) gates.open(`step ${n}`);
    const all = await reading;
    const events = eventFrames(all);
    expect(events.filter((frame) => frame.event === 'output').map((frame) => frame.data.value)).toEqual([1, 2, 3]);
    expect(events.map((frame) => Number(frame.id))).toEqual(events.map((_, index) => index));
    expect(events.at(-1)?.event).toBe('run.completed');
    expect(all.at(-1)).toEqual({ event: 'stream.ended', data: { status: 'completed' } });
  });

  it('resumes after Last-Event-ID, or ?after=; the header wins over the query', async () => {
    const { url } = await serve();
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true } });
    const seqs = async (init: { query?: string; lastEventId?: string }): Promise<number[]> => {
      const response = await fetch(`${url}/runs/${body.runId}/events${init.query ?? ''}`, {
        headers: init.lastEventId === undefined ? {} : { 'last-event-id': init.lastEventId },
      });
      return eventFrames(await readFrames(response)).map((frame) => Number(frame.id));
    };
    const all = await seqs({});
    expect(all.length).toBeGreaterThan(5);
    expect(await seqs({ lastEventId: '3' })).toEqual(all.slice(4));
    expect(await seqs({ query: '?after=3' })).toEqual(all.slice(4));
    expect(await seqs({ query: '?after=1', lastEventId: '4' })).toEqual(all.slice(5));
    expect(await seqs({ lastEventId: String(all.at(-1)) })).toEqual([]);
    expect(await http(`${url}/runs/${body.runId}/events?after=x`)).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    expect((await fetch(`${url}/runs/${body.runId}/events`, { headers: { 'last-event-id': '-5' } })).status).toBe(400);
  });

  it('stays open while the run waits, sending heartbeats, and follows it once answered', async () => {
    const { url } = await serve({ heartbeatMs: 20 });
    const { body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 9 }, wait: true } });
    const response = await fetch(`${url}/runs/${body.runId}/events`);
    const frames: Frame[] = [];
    const reading = readFrames(response, (so) => {
      frames.splice(0, frames.length, ...so);
      return ended(so);
    });
    await eventually(() => frames.filter((frame) => frame.comment === 'heartbeat').length >= 2);
    expect(frames.some((frame) => frame.event === 'run.waiting')).toBe(true);
    expect(ended(frames)).toBe(false);
    await http(`${url}/runs/${body.runId}/responses`, { body: { requestId: body.run.pendingRequests[0].id, value: { approved: false } } });
    const all = await reading;
    const types = eventFrames(all).map((frame) => frame.event);
    expect(types.indexOf('run.waiting')).toBeLessThan(types.indexOf('request.answered'));
    expect(eventFrames(all).find((frame) => frame.event === 'output')?.data.value).toBe('rejected 9');
    expect(all.at(-1)).toEqual({ event: 'stream.ended', data: { status: 'completed' } });
  });

  it('ends with the run when it is cancelled', async () => {
    const { url } = await serve();
    const { body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 1 }, wait: true } });
    const response = await fetch(`${url}/runs/${body.runId}/events`);
    const reading = readFrames(response);
    await http(`${url}/runs/${body.runId}/cancel`, { method: 'POST' });
    const all = await reading;
    expect(eventFrames(all).at(-1)?.event).toBe('run.cancelled');
    expect(all.at(-1)).toEqual({ event: 'stream.ended', data: { status: 'cancelled' } });
  });

  it('lets go of the run when the client goes away, and HEAD opens no stream', async () => {
    const { url, runtime } = await serve();
    let following = 0;
    const events = runtime.events.bind(runtime);
    (runtime as { events: typeof runtime.events }).events = (runId, options) => {
      const source = events(runId, options) as Observable<SerializedEvent>;
      return new (source.constructor as typeof import('rxjs').Observable<SerializedEvent>)((subscriber) => {
        following++;
        const subscription = source.subscribe(subscriber);
        return () => {
          following--;
          subscription.unsubscribe();
        };
      });
    };
    const { body } = await http(`${url}/workflows/approval`, { body: { input: { amount: 1 }, wait: true } });
    const head = await fetch(`${url}/runs/${body.runId}/events`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(following).toBe(0);

    const abort = new AbortController();
    const response = await fetch(`${url}/runs/${body.runId}/events`, { signal: abort.signal });
    await eventually(() => following === 1);
    abort.abort();
    await response.body?.cancel().catch(() => undefined);
    await eventually(() => following === 0);
  });

  it('sends bigint values as strings instead of failing the stream', async () => {
    const { url, runtime } = await serve();
    const { body } = await http(`${url}/workflows/double`, { body: { input: { n: 1 }, wait: true } });
    const events = runtime.events.bind(runtime);
    (runtime as { events: typeof runtime.events }).events = (runId, options) =>
      events(runId, options).pipe(
        (source) =>
          new (source.constructor as typeof import('rxjs').Observable<SerializedEvent>)((subscriber) =>
            source.subscribe({
              ...subscriber,
              next: (event) => subscriber.next(event.type === 'output' ? ({ ...event, value: 10n } as SerializedEvent) : event),
              error: (e: unknown) => subscriber.error(e),
              complete: () => subscriber.complete(),
            }),
          ),
      );
    const frames = await readFrames(await fetch(`${url}/runs/${body.runId}/events`));
    expect(frames.find((frame) => frame.event === 'output')?.data.value).toBe('10');
    expect(frames.at(-1)?.event).toBe('stream.ended');
  });
});
