import { enablePatches, freeze, Immer, type Patch } from 'immer';

/**
 * Whether weft freezes the state it commits (executor state, shared state, initial states), so a handler that
 * writes to `ctx.state` or to what `ctx.shared.get` returns fails with a TypeError instead of corrupting the run.
 * On unless `NODE_ENV` is `"production"`, read once when weft loads. Freezing an object costs its size, and on
 * Node 20 copying a frozen object with many keys is 20–100× slower than copying an unfrozen one, so with freezing
 * on an update of a large state costs the state's size; with it off it costs the objects on the changed path.
 * See docs/state.md "Immutability and cost".
 */
export const FREEZE_STATE: boolean =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NODE_ENV'] !== 'production';

// weft's own immer instance, so its settings never touch (nor are touched by) the application's immer.
const immer = new Immer({ autoFreeze: FREEZE_STATE });

let patchesEnabled = false;

/** Applies an immer recipe; the result shares every unchanged subtree with `base`, and is frozen when FREEZE_STATE. */
export function produceState(base: unknown, recipe: (draft: any) => unknown): unknown {
  return immer.produce(base, recipe);
}

/** `produceState`, also returning the immer patches that describe the change. */
export function produceStateWithPatches(base: unknown, recipe: (draft: any) => unknown): [unknown, Patch[]] {
  if (!patchesEnabled) {
    enablePatches();
    patchesEnabled = true;
  }
  const [value, patches] = immer.produceWithPatches(base, recipe);
  return [value, patches];
}

/** Deep-freezes a value handed to weft as state (`shared.set`, `initialState`) when FREEZE_STATE; returns it. */
export function freezeState<T>(value: T): T {
  return FREEZE_STATE ? freeze(value, true) : value;
}

/** Applies immer patches to a state (loading a delta checkpoint); frozen like a commit's result when FREEZE_STATE. */
export function applyStatePatches<T>(base: T, patches: readonly Patch[]): T {
  if (!patchesEnabled) {
    enablePatches();
    patchesEnabled = true;
  }
  return immer.applyPatches(base as object, patches) as T;
}
