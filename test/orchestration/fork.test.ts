// See docs/concepts/checkpoints.md — forkCheckpoint: edit state or queue messages before resuming, validated, in the lineage.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CheckpointError, MemoryCheckpointStore, WorkflowBuilder, executor, forkCheckpoint } from 'weft';
import { caught } from '../support/async.js';

/** counter adds its input to its state and passes the total on; report outputs it. */
function counting() {
  const counter = executor({
    id: 'counter',
    input: z.number(),
    output: z.number(),
    initialState: { total: 0 },
    handle: (n, ctx) => {
      const total = ctx.state.total + n;
      ctx.setState(() => ({ total }));
      ctx.send(total);
    },
  });
  const report = executor({ id: 'report', input: z.number(), handle: (n, ctx) => ctx.output(n) });
  return new WorkflowBuilder({ name: 'counting', start: counter }).addEdge(counter, report).build();
}

describe('forkCheckpoint', () => {
  it('resumes with the edited state and the queued message, recorded as a child of the original', async () => {
    const workflow = counting();
    const store = new MemoryCheckpointStore();
    const { runId } = await workflow.run(5, { checkpoints: store });
    const first = (await store.list(runId))[0];
    expect(first?.superstep).toBe(0);
    const forked = await forkCheckpoint(workflow, store, first?.id as string, { state: { counter: { total: 100 } } });
    expect((await store.get(forked))?.parentId).toBe(first?.id);
    expect((await workflow.resume(forked, { checkpoints: store })).outputs).toEqual([105]);

    const done = await store.latest(runId);
    const more = await forkCheckpoint(workflow, store, done?.id as string, { messages: [{ to: 'counter', payload: 1 }] });
    expect((await workflow.resume(more, { checkpoints: store })).outputs).toEqual([5, 6]);
  });

  it('refuses an unknown executor, a message its target rejects, and state that is not JSON', async () => {
    const workflow = counting();
    const store = new MemoryCheckpointStore();
    const { runId } = await workflow.run(1, { checkpoints: store });
    const id = (await store.latest(runId))?.id as string;
    const refusal = async (edit: Parameters<typeof forkCheckpoint>[3]): Promise<string> => {
      const error = await caught(() => forkCheckpoint(workflow, store, id, edit));
      expect(error).toBeInstanceOf(CheckpointError);
      return (error as Error).message;
    };
    expect(await refusal({ state: { ghost: {} } })).toContain('has no executor "ghost"');
    expect(await refusal({ messages: [{ to: 'counter', payload: 'one' }] })).toContain('does not match its input schema');
    expect(await refusal({ shared: { when: new Date() as unknown } })).toContain('not plain JSON');
  });
});
