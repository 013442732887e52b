// docs/state.md "Immutability and cost": committed state is frozen unless NODE_ENV is "production", where weft
// skips the freeze so an update costs the objects on its path, not the state's size. Either way an update never
// changes a value a handler was given, and a shared-state recipe runs once when nothing else wrote the key.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

type Weft = typeof import('../../src/index.js');

/** A fresh copy of weft, loaded with NODE_ENV set to `mode` (the setting is read once, when weft loads). */
async function loadWeft(mode: string): Promise<Weft> {
  vi.resetModules();
  vi.stubEnv('NODE_ENV', mode);
  return import('../../src/index.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

interface Seen {
  before: { values: Record<string, number> };
  after: { values: Record<string, number> };
  shared: { values: Record<string, number> };
  frozen: { state: boolean; shared: boolean; initial: boolean };
}

/** `seed` sets a shared object; `start` updates a key of its state and of the shared object; `reader` reads it. */
async function observe(weft: Weft): Promise<{ seen: Seen; shared: unknown; recipeCalls: number }> {
  const { executor, WorkflowBuilder } = weft;
  let recipeCalls = 0;
  const seen: Partial<Seen> = {};
  const initialState = { values: { a: 1, b: 2 } };
  const start = executor({
    id: 'start',
    input: z.number(),
    output: z.number(),
    initialState,
    handle: (n, ctx) => {
      seen.before = ctx.state;
      ctx.setState((draft) => {
        draft.values['a'] = n;
      });
      seen.after = ctx.state;
      ctx.shared.update<{ values: Record<string, number> }>('table', (draft) => {
        recipeCalls++;
        draft.values['b'] = n;
      });
      ctx.send(n);
    },
  });
  const reader = executor({
    id: 'reader',
    input: z.number(),
    handle: (_, ctx) => {
      seen.shared = ctx.shared.get('table') as Seen['shared'];
      ctx.output(1);
    },
  });
  const seed = executor({
    id: 'seed',
    input: z.number(),
    output: z.number(),
    handle: (n, ctx) => {
      ctx.shared.set('table', { values: { a: 0, b: 0 } });
      ctx.send(n);
    },
  });
  const workflow = new WorkflowBuilder({ name: 'freeze', start: seed }).addEdge(seed, start).addEdge(start, reader).build();
  const result = await workflow.run(7);
  seen.frozen = {
    state: Object.isFrozen(seen.after?.values),
    shared: Object.isFrozen(seen.shared?.values),
    initial: Object.isFrozen(start.initialState),
  };
  return { seen: seen as Seen, shared: result.shared, recipeCalls };
}

describe.each([
  ['development', true],
  ['test', true],
  ['production', false],
])('NODE_ENV=%s', (mode, frozen) => {
  it(`${frozen ? 'freezes' : 'does not freeze'} committed state; updates never change what a handler was given; a shared recipe runs once`, async () => {
    const { seen, shared, recipeCalls } = await observe(await loadWeft(mode)); // one load per mode: each costs seconds under load

    expect(seen.frozen).toEqual({ state: frozen, shared: frozen, initial: frozen });
    expect(seen.before).toEqual({ values: { a: 1, b: 2 } });
    expect(seen.after).toEqual({ values: { a: 7, b: 2 } });
    expect(seen.before.values).not.toBe(seen.after.values);
    expect(seen.shared).toEqual({ values: { a: 0, b: 7 } });
    expect(shared).toEqual({ table: { values: { a: 0, b: 7 } } });
    expect(recipeCalls).toBe(1); // no other invocation wrote the key, so the commit reuses the handler's result
  });
});
