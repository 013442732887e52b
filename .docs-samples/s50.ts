import { createRuntime } from 'weft';
import { openSqliteRunStore } from 'weft/sqlite';
import { allow, createApp, serve } from 'weft/server';
import { bearerAuth } from 'hono/bearer-auth';
import { triage, refund } from './workflows.js';

const store = openSqliteRunStore('weft.db');
const runtime = createRuntime({ workflows: { triage, refund }, store });
await runtime.recover();                              // continue what a previous process left running

const staff = bearerAuth({ token: process.env.WEFT_TOKEN ?? '' });
const app = createApp({
  runtime,
  expose: {
    triage: { route: allow, runs: staff },            // anyone may file a ticket; staff read the runs
    refund: { route: staff, runs: staff },
  },
});
const server = await serve(app, { port: 8787 });      // hostname defaults to 127.0.0.1
console.log(`listening on ${server.url}`);

process.once('SIGTERM', async () => {
  await server.close();    // stop taking requests, drop open connections (event streams resume elsewhere)
  await runtime.close();   // stop the runs in progress without marking them: the next recover() continues them
  store.close();
});