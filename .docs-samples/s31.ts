import { BudgetExceededError, WorkflowBuilder, executor } from 'weft';
import { z } from 'zod';

const summarize = executor({
  id: 'summarize',
  input: z.array(z.string()),
  handle: (chapters, ctx) => {
    for (const chapter of chapters) {
      ctx.budget.charge({ tokens: chapter.length * 10 }); // what the model call used; throws once the budget is spent
      ctx.output(chapter.slice(0, 5));
    }
  },
});
const workflow = new WorkflowBuilder({ name: 'book', start: summarize }).build();

const result = await workflow.run(['Once upon a time', 'The end'], { budget: { tokens: 500 } });
console.log(result.outputs, result.budget); // ['Once ', 'The e'] { limit: 500, spent: 230 }

const failed = await workflow.run(['Once upon a time', 'The end'], { budget: { tokens: 100 } }).catch((error: Error) => error);
console.log(failed instanceof Error && failed.cause instanceof BudgetExceededError); // true: 160 accepted (a soft cap), then refused