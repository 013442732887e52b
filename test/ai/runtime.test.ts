// Token deltas in a durable runtime: live followers see them, the store keeps only the final text (unless asked).
import { MockLanguageModelV4 } from 'ai/test';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemoryRunStore, createRuntime, type SerializedEvent } from 'weft';
import { aiAgent, isTextCompleted, isTextDelta } from 'weft/ai';
import { deferred } from '../support/async.js';
import { textParts } from './helpers.js';

/** A model whose stream waits for `release` after its first piece, so a follower can subscribe while it writes. */
function gatedModel(release: Promise<void>): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    doStream: async () => ({
      stream: new ReadableStream({
        async start(controller) {
          const [first, ...rest] = textParts(['one ', 'two ', 'three']);
          controller.enqueue(first as never);
          await release;
          for (const part of rest) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  });
}

async function runOnce(storeTransientEvents: boolean | undefined): Promise<{ live: SerializedEvent[]; stored: readonly SerializedEvent[] }> {
  const release = deferred();
  const store = new MemoryRunStore();
  const writer = aiAgent({ id: 'writer', model: gatedModel(release.promise) });
  const runtime = createRuntime({
    workflows: { writer: writer.toWorkflow() },
    store,
    ...(storeTransientEvents === undefined ? {} : { storeTransientEvents }),
  });
  const { runId } = await runtime.invoke('writer', 'go');
  const following = firstValueFrom(runtime.events(runId).pipe(toArray()));
  release.resolve();
  const live = await following;
  const stored = await store.readEvents(runId);
  await runtime.close();
  return { live, stored };
}

describe('token deltas in a runtime', () => {
  it('reach live followers, in seq order, and are not stored by default', async () => {
    const { live, stored } = await runOnce(undefined);
    expect(live.filter(isTextDelta).map((e) => e.data.delta)).toEqual(['one ', 'two ', 'three']);
    const kept = live.filter((e) => !isTextDelta(e));
    expect(kept.map((e) => e.seq)).toEqual(kept.map((_, index) => index));
    expect(stored.filter(isTextDelta)).toEqual([]);
    expect(stored.filter(isTextCompleted).map((e) => e.data.text)).toEqual(['one two three']);
    expect(stored.at(-1)?.type).toBe('run.completed');
    // Everything but the deltas is stored, with the same seq as it was sent live.
    expect(stored.map((e) => e.seq)).toEqual(live.filter((e) => !isTextDelta(e)).map((e) => e.seq));
  });

  it('are stored too with storeTransientEvents', async () => {
    const { live, stored } = await runOnce(true);
    expect(stored.filter(isTextDelta).map((e) => e.data.delta)).toEqual(['one ', 'two ', 'three']);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, index) => index));
    expect(live.filter(isTextDelta)).toHaveLength(3);
  });
});
