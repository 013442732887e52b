import { z } from 'zod';
import { ExecutorError, StateValidationError, WorkflowBuilder, executor } from 'weft';

const stamp = executor({
  id: 'stamp',
  input: z.string(),
  initialState: { at: null as string | null },
  handle: (_text, ctx) => {
    ctx.setState((state) => {
      state.at = new Date() as unknown as string;   // a Date is not JSON: store new Date().toISOString()
    });
  },
});

try {
  await new WorkflowBuilder({ name: 'stamp', start: stamp }).build().run('now');
} catch (error) {
  if (error instanceof ExecutorError && error.cause instanceof StateValidationError) {
    console.log(error.cause.key);   // 'state.at'
  }
}