import { z } from 'zod';
import { ExecutorError, WorkflowBuilder, executor, isWeftError } from 'weft';

const risky = executor({ id: 'risky', input: z.string(), handle: () => { throw new Error('upstream is down'); } });
const workflow = new WorkflowBuilder({ name: 'risky', start: risky }).build();

try {
  await workflow.run('go');
} catch (error) {
  if (isWeftError(error) && error.code === 'executor_failed') {
    console.log(error.executorId, error.superstep, (error as ExecutorError).attempts, (error.cause as Error).message); // risky 1 1 upstream is down
  }
}