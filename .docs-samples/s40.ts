import { SqliteCheckpointStore } from 'weft/sqlite';
import { workflow } from './refund.js';

// Process 1: run until the run waits, and tell someone.
const store = new SqliteCheckpointStore({ path: 'weft.db' });
const waiting = await workflow.run({ orderId: 'A-1042', amount: 249 }, { checkpoints: store, durability: 'exit' });
const [request] = waiting.pendingRequests;   // keep waiting.checkpointId and request.id (a database row, a Slack message…)

// Process 2, days later: the same workflow, the same file, and the answer.
const later = new SqliteCheckpointStore({ path: 'weft.db' });
const result = await workflow.resume(waiting.checkpointId as string, {
  checkpoints: later,
  responses: { [request?.id as string]: { approved: true } },
});
console.log(result.status, result.outputs);   // completed ['paid $249 for A-1042']