// Invocation records in one process: ctx.invocationId, what is recorded and dropped, and replay on resume. The
// cross-process version (a real SIGKILL) is test/crash/records.test.ts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryCheckpointStore, WorkflowBuilder, executor, type CheckpointStore, type StoredInvocation } from 'weft';
import { deferred, until } from '../support/async.js';

const num = z.number();

/** A memory store that keeps a copy of every record saved, even after it is dropped. */
class WatchedStore extends MemoryCheckpointStore {
  readonly saved: StoredInvocation[] = [];
  override async saveInvocation(record: StoredInvocation): Promise<void> {
    this.saved.push(record);
    await super.saveInvocation(record);
  }
}

/** start broadcasts n to four workers; each runs `work` and sends its id; a fan-in outputs the four. */
function fourWorkers(work: (id: string, n: number, invocationId: string) => void | Promise<void>) {
  const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => ctx.send(n) });
  const workers = ['w1', 'w2', 'w3', 'w4'].map((id) =>
    executor({
      id,
      input: num,
      output: z.string(),
      initialState: { runs: 0 },
      handle: async (n, ctx) => {
        await work(id, n, ctx.invocationId);
        ctx.setState((state) => void (state.runs += 1));
        ctx.shared.update<string[]>(id, (list) => [...(list ?? []), `${id}:${n}`]);
        ctx.send(id);
      },
    }),
  );
  const join = executor({ id: 'join', input: z.array(z.string()), handle: (ids, ctx) => ctx.output(ids) });
  return new WorkflowBuilder({ name: 'four', start }).addFanOut(start, workers).addFanIn(workers, join).build();
}

describe('ctx.invocationId', () => {
  it('names run, superstep, executor and delivery index, and stays the same across retries', async () => {
    const seen: string[] = [];
    let failures = 1;
    const flaky = executor({
      id: 'flaky',
      input: num,
      retry: { attempts: 2 },
      handle: (n, ctx) => {
        seen.push(ctx.invocationId);
        if (failures-- > 0) throw new Error('transient');
        ctx.output(n);
      },
    });
    const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => (ctx.send(n), ctx.send(n + 1)) });
    const workflow = new WorkflowBuilder({ name: 'ids', start }).addEdge(start, flaky).build();
    await workflow.run(1, { runId: 'r' });
    expect(seen).toEqual(['r/2:flaky:0', 'r/2:flaky:0', 'r/2:flaky:1']);
  });

  it('nests under the id of the invocation that runs a nested workflow', async () => {
    const seen: string[] = [];
    const inner = executor({ id: 'inner', input: num, handle: (n, ctx) => (seen.push(ctx.invocationId), ctx.output(n)) });
    const child = new WorkflowBuilder({ name: 'child', start: inner }).build();
    const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => ctx.send(n) });
    const outer = new WorkflowBuilder({ name: 'outer', start }).addEdge(start, child.asExecutor({ id: 'nested', outputs: 'output' })).build();
    await outer.run(1, { runId: 'r' });
    expect(seen).toEqual(['r/2:nested:0/1:inner:0']);
  });
});

describe('invocation records', () => {
  it('records the invocations of a superstep with several, and drops them once its checkpoint is saved', async () => {
    const store = new WatchedStore();
    const result = await fourWorkers(() => undefined).run(0, { runId: 'run', checkpoints: store });
    expect(result.outputs).toEqual([['w1', 'w2', 'w3', 'w4']]);
    expect(store.saved.map((r) => [r.superstep, r.invocationId])).toEqual(['w1', 'w2', 'w3', 'w4'].map((id) => [2, `run/2:${id}:0`]));
    const record = JSON.parse(store.saved[0]?.data as string) as Record<string, unknown>;
    expect(record).toMatchObject({
      executorId: 'w1',
      index: 0,
      sends: [{ source: 'w1', payload: 'w1' }],
      state: [{ op: 'replace', path: ['runs'], value: 1 }],
    });
    for (const superstep of [1, 2, 3]) expect(await store.listInvocations(result.runId, superstep)).toEqual([]);
  });

  it('records nothing with durability exit, or with a store that has no record methods', async () => {
    const store = new WatchedStore();
    await fourWorkers(() => undefined).run(0, { checkpoints: store, durability: 'exit' });
    expect(store.saved).toEqual([]);
    const memory = new MemoryCheckpointStore();
    const bare: CheckpointStore = {
      save: (c) => memory.save(c),
      get: (id) => memory.get(id),
      list: (id) => memory.list(id),
      latest: (id) => memory.latest(id),
      deleteRun: (id) => memory.deleteRun(id),
    };
    const result = await fourWorkers(() => undefined).run(0, { checkpoints: bare });
    expect(result.outputs).toEqual([['w1', 'w2', 'w3', 'w4']]);
  });

  it('replays the recorded invocations of an interrupted superstep on resume and runs only the others', async () => {
    const store = new WatchedStore();
    const ran: string[] = [];
    const stuck = deferred();
    const first = fourWorkers(async (id, n) => {
      ran.push(`${id}:${n}`);
      if (id === 'w3') await stuck.promise; // never finishes in this run
    });
    const controller = new AbortController();
    const running = first.run(5, { runId: 'run', checkpoints: store, signal: controller.signal });
    await until(() => store.saved.length === 3);
    controller.abort(); // the process "dies": w3 never finished, no checkpoint of superstep 2
    await expect(running).rejects.toMatchObject({ code: 'run_cancelled' });
    expect((await store.listInvocations('run', 2)).length).toBe(3);

    const latest = await store.latest('run');
    expect(latest?.superstep).toBe(1);
    ran.length = 0;
    const again = fourWorkers((id, n) => void ran.push(`${id}:${n}`));
    const result = await again.resume(latest?.id as string, { checkpoints: store });
    expect(ran).toEqual(['w3:5']);
    const reference = await fourWorkers(() => undefined).run(5);
    expect(result.outputs).toEqual(reference.outputs);
    expect(result.shared).toEqual(reference.shared);
    expect(await store.listInvocations('run', 2)).toEqual([]);
  });
});
