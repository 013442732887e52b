// Why this file exists: V8 gives every object a hidden class ("map"), and a class instance reaches its final map
// through one transition per field. Those maps live only as long as some object has them: the transitions that
// lead to them are weak. Between runs no engine, slot or context object is alive, so a full GC frees their maps,
// and every optimized function that embedded one of them is thrown away ("weak objects" in --trace-deopt): the
// next run goes back through the interpreter and pays the warm-up again. Keeping one object of each kind alive for
// the life of the process keeps the maps, and the optimized code survives a GC.
import { FanInBatcher } from '../routing/fan-in.js';
import { MessageRouter } from '../routing/router.js';
import type { FanInEdgeDefinition } from '../model/types.js';
import { Checkpointer } from './checkpointer.js';
import { ExecutorSlot, InvocationContext } from './context.js';
import { RunEngine, type CompiledWorkflow } from './run.js';

/** One inert object of each per-run kind, made once per process; never run, never read. */
let witnesses: readonly object[] | undefined;

/**
 * Makes, once per process, one object of each kind a run creates over and over (the engine and what it owns, a
 * slot, a context, a checkpointer, a message router and a fan-in buffer), through the same constructors, and keeps them. Cheap: a few small objects.
 */
export function keepRunShapes(compiled: CompiledWorkflow): void {
  if (witnesses !== undefined) return;
  const first = compiled.nodes.values().next().value;
  if (first === undefined) return;
  const engine = new RunEngine(compiled, { runId: 'weft-shape-witness' }, undefined);
  engine.scope.dispose();
  const slot = new ExecutorSlot(first, undefined);
  const context = new InvocationContext(engine, slot, 0, 0, undefined);
  context.close();
  const checkpointer = new Checkpointer(
    { save: () => Promise.resolve() } as never,
    'sync',
    50,
    { runId: engine.runId, workflow: compiled.definition.name, signature: compiled.definition.signature },
    () => undefined,
    undefined,
  );
  // The router of a superstep's messages and a fan-in buffer, made per superstep too (the buffer of a one-source edge).
  const router = new MessageRouter(compiled.routing, {}, {});
  const fanIn = new FanInBatcher(
    { kind: 'fan-in', id: 'weft-shape-witness', sources: [first.id], target: first.id } as unknown as FanInEdgeDefinition,
    undefined,
  );
  witnesses = [engine, slot, context, checkpointer, router, fanIn];
}
