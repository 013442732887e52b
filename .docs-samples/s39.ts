import { isEventType } from 'weft';
import { workflow } from './refund.js';   // the workflow above

const run = workflow.start({ orderId: 'A-1042', amount: 249 });
run.events$.subscribe((event) => {
  if (isEventType('request.created')(event)) {
    // show event.request.payload to someone; here, approve at once
    void run.respond(event.request.id, { approved: true, note: 'looks right' });
  }
});
const result = await run.result;   // { status: 'completed', outputs: ['paid $249 for A-1042'], … }