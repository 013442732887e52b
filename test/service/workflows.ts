// Workflows the runtime tests share. Each is a factory: calling it again builds the same graph anew, as another
// process would after a restart (same signature, so checkpoints of one resume in the other).
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

/** Called at the start of every invocation of `step`; may return a promise to hold it there. */
export type Hold = (superstep: number) => void | Promise<void>;

/** `step` loops on itself: input n runs supersteps 1..n, each keeping a count in its state and outputting `step <count>/<n>`. */
export function counter(hold?: Hold) {
  const step = executor({
    id: 'step',
    input: z.number().int().positive(),
    output: z.number().int().positive(),
    initialState: { count: 0, total: 0 },
    handle: async (remaining, ctx) => {
      await hold?.(ctx.superstep);
      ctx.setState((draft) => {
        draft.count += 1;
        if (draft.total === 0) draft.total = remaining;
      });
      ctx.output(`step ${ctx.state.count}/${ctx.state.total}`);
      if (remaining > 1) ctx.send(remaining - 1);
    },
  });
  return new WorkflowBuilder({ name: 'counter', start: step }).addEdge(step, step).build();
}

/** ask → publish: `ask` requests an approval of its text (answers must be `{ approved: boolean }`); publish outputs the verdict. */
export function approval() {
  const ask = executor({
    id: 'ask',
    input: z.string(),
    output: z.string(),
    response: z.object({ approved: z.boolean() }),
    handle: (text, ctx) => {
      ctx.request({ text });
    },
    onResponse: (answer, request, ctx) => {
      ctx.send(`${(request.payload as { text: string }).text}: ${answer.approved ? 'approved' : 'rejected'}`);
    },
  });
  const publish = executor({ id: 'publish', input: z.string(), handle: (text, ctx) => ctx.output(text) });
  return new WorkflowBuilder({ name: 'approval', start: ask, output: z.string() }).addEdge(ask, publish).build();
}

/** One executor that outputs whatever it is given, or throws when given `{ fail: message }`. */
export function echo() {
  const repeat = executor({
    id: 'echo',
    input: z.unknown(),
    handle: (message, ctx) => {
      if (typeof message === 'object' && message !== null && 'fail' in message) throw new Error(String(message.fail));
      ctx.output(message);
    },
  });
  return new WorkflowBuilder({ name: 'echo', start: repeat }).build();
}
