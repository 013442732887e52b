import { RequestError } from 'weft';
import { workflow } from './refund.js';

const run = workflow.start({ orderId: 'A-1042', amount: 249 });
await new Promise<void>((resolve) => run.events$.subscribe((event) => event.type === 'run.waiting' && resolve()));
const [request] = run.pendingRequests;

try {
  await run.respond(request?.id as string, { approved: 'yes' });
} catch (error) {
  if (error instanceof RequestError) console.log(error.reason, error.issues[0]?.path);   // invalid_response ['approved']
}
run.cancel();