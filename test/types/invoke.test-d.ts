// One "invoke and wait" shape on the runtime and the client: `{ wait: true }` answers `{ runId, run }`, otherwise `{ runId }`.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { MemoryRunStore, WorkflowBuilder, createRuntime, executor, type InvokeOptions, type RunRecord } from 'weft';
import { createClient, type ClientRun, type InvokeOptions as ClientInvokeOptions } from 'weft/client';

const echo = executor({ id: 'echo', input: z.number(), handle: (n, ctx) => ctx.output(n) });
const workflow = new WorkflowBuilder({ name: 'echo', start: echo, output: z.number() }).build();
const runtime = createRuntime({ workflows: { echo: workflow }, store: new MemoryRunStore() });
const client = createClient<{ echo: typeof workflow }>({ baseUrl: 'http://127.0.0.1:1' });

describe('invoke', () => {
  it('answers { runId } without wait, and { runId, run } with wait: true, on the runtime', () => {
    expectTypeOf(runtime.invoke('echo', 1)).resolves.toEqualTypeOf<{ readonly runId: string }>();
    expectTypeOf(runtime.invoke('echo', 1, { wait: false })).resolves.toEqualTypeOf<{ readonly runId: string }>();
    expectTypeOf(runtime.invoke('echo', 1, { wait: true })).resolves.toEqualTypeOf<{ readonly runId: string; readonly run: RunRecord }>();
    const options: InvokeOptions = { wait: Math.random() > 0.5 };
    expectTypeOf(runtime.invoke('echo', 1, options)).resolves.toEqualTypeOf<{ readonly runId: string; readonly run?: RunRecord }>();
  });

  it('answers the same shape on the client, with the run typed', () => {
    expectTypeOf(client.workflows.invoke('echo', 1)).resolves.toEqualTypeOf<{ readonly runId: string }>();
    expectTypeOf(client.workflows.invoke('echo', 1, { wait: true })).resolves.toEqualTypeOf<{
      readonly runId: string;
      readonly run: ClientRun<'echo', number, number>;
    }>();
  });

  it('shares one options type between the runtime and the client', () => {
    expectTypeOf<ClientInvokeOptions>().toEqualTypeOf<InvokeOptions>();
    // @ts-expect-error the old value: wait is a boolean now
    void runtime.invoke('echo', 1, { wait: 'result' });
    // @ts-expect-error the old value: wait is a boolean now
    void client.workflows.invoke('echo', 1, { wait: 'result' });
  });
});
