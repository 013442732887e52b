// The workflow of the BullMQ example: the same module is loaded by the coordinator and by every worker.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

/** split → digest × documents: each digest is CPU-bound work, run on whichever worker takes it. */
export function digests() {
  const split = executor({
    id: 'split',
    input: z.object({ documents: z.array(z.string()), rounds: z.number().int().min(1) }),
    output: z.object({ document: z.string(), rounds: z.number() }),
    handle: ({ documents, rounds }, ctx) => {
      for (const document of documents) ctx.send({ document, rounds });
    },
  });
  const digest = executor({
    id: 'digest',
    input: z.object({ document: z.string(), rounds: z.number() }),
    // All of a superstep's invocations may run at once: as many as there are workers to take them.
    concurrency: 1_000,
    handle: ({ document, rounds }, ctx) => {
      let hash = document;
      for (let round = 0; round < rounds; round++) hash = createHash('sha256').update(hash).digest('hex');
      ctx.shared.set(`digest:${document}`, hash.slice(0, 12));
      ctx.output({ document, digest: hash.slice(0, 12), worker: process.pid });
    },
  });
  return new WorkflowBuilder({ name: 'digests', start: split }).addEdge(split, digest).build();
}

export const workflow = digests();
