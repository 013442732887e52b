import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';

const ticket = z.object({ id: z.string(), text: z.string() });
const finding = z.object({ id: z.string(), note: z.string() });

const intake = executor({ id: 'intake', input: ticket, output: ticket, handle: (t, ctx) => ctx.send(t) });
const analyst = (id: string) =>
  executor({ id, input: ticket, output: finding, handle: async (t, ctx) => ctx.send({ id: t.id, note: `${id} looked at it` }) });
const [security, ux] = [analyst('security'), analyst('ux')];
const report = executor({
  id: 'report',
  input: z.tuple([finding, finding]),                 // one element per fan-in source, in source order
  handle: ([fromSecurity, fromUx], ctx) => ctx.output(`${fromSecurity.note}; ${fromUx.note}`),
});
const spam = executor({ id: 'spam', input: ticket, handle: () => {} });
const review = executor({ id: 'review', input: ticket, output: ticket, handle: (t, ctx) => ctx.send(t) });

const workflow = new WorkflowBuilder({ name: 'review', start: intake })
  .addSwitch(intake, [
    { when: (t) => t.text.includes('free money'), to: spam },
    { otherwise: review },
  ])
  .addFanOut(review, [security, ux])
  .addFanIn([security, ux], report)
  .build();