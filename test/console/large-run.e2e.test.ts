// A run of more than 10,000 events in the console: its page opens with its tabs, the log keeps only the rows in view
// in the DOM, the timeline shows the last supersteps until asked for all, and a late superstep's diff is shown.
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowBuilder, executor } from 'weft';
import { browserAvailable, launch } from './browser.js';
import { serveConsole, TOKEN, type ServedConsole } from './serve-console.js';

// A loaded 2-core machine runs the browser beside other suites: only a hang reaches these timeouts.
const WAIT = { timeout: 240_000 };
const SUPERSTEPS = 50;
const PER_STEP = 200;

/** Emits PER_STEP custom events a superstep, for SUPERSTEPS supersteps. */
const chatty = executor({
  id: 'chatty',
  input: z.number(),
  output: z.number(),
  initialState: { step: 0 },
  handle: (step, ctx) => {
    for (let i = 0; i < PER_STEP; i++) ctx.emit('progress', { step, i });
    ctx.setState((state) => {
      state.step = step;
    });
    if (step < SUPERSTEPS) ctx.send(step + 1);
    else ctx.output('done');
  },
});
const noisy = new WorkflowBuilder({ name: 'noisy', start: chatty }).addEdge(chatty, chatty).build();

describe.runIf(browserAvailable())('a run of 10,000 events in the console', () => {
  let served: ServedConsole;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    served = await serveConsole({ noisy });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(240_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  // Opened straight from the token address, as `weft dev` prints it: the workflows page it starts on must not draw
  // over the run page once its own calls answer (the regression that hid this page's tabs).
  it('shows the tabs, pages the event log, and the state diff of a late superstep', async () => {
    const { runId, run: result } = await served.runtime.invoke('noisy', 1, { wait: true });
    expect(result?.status).toBe('completed');
    const total = (await served.store.readEvents(runId)).length;
    expect(total).toBeGreaterThan(SUPERSTEPS * PER_STEP);

    const started = Date.now();
    await page.goto(`${served.url}/ui/#token=${TOKEN}`);
    await page.goto(`${served.url}/ui/#/runs/${runId}`);
    for (const tab of ['timeline', 'graph', 'events', 'state', 'outputs', 'budget'])
      await page.locator(`[data-tab="${tab}"]`).waitFor({ state: 'visible', ...WAIT });
    await page.locator('.run-header .badge.status-completed').waitFor(WAIT);
    expect(await page.locator('.split').count()).toBe(0); // no workflows page drawn over it

    // The log holds every event, with only the rows in view in the DOM.
    await page.locator('[data-tab="events"]').click();
    await expect.poll(() => page.locator('.event-log .log-toolbar').textContent(), WAIT).toContain(`${total} of ${total} events`);
    console.log(`console: ${total} events of one run loaded and shown in ${Date.now() - started} ms (headless Chromium, this machine)`);
    expect(await page.locator('.log-row').count()).toBeLessThan(100);
    await page.locator('.log-viewport').evaluate((viewport) => (viewport.scrollTop = 0));
    await page.locator('.log-row[data-seq="0"]').waitFor(WAIT);
    expect(await page.locator(`.log-row[data-seq="${total - 1}"]`).count()).toBe(0);
    // Scrolled to the end, the last event is in view; filtered, only the matching ones count.
    await page.locator('.log-viewport').evaluate((viewport) => (viewport.scrollTop = viewport.scrollHeight));
    await page.locator(`.log-row[data-seq="${total - 1}"]`).waitFor(WAIT);
    expect(await page.locator('.log-row[data-seq="0"]').count()).toBe(0);
    await page.locator('.event-log input[type="search"]').fill('run.completed');
    await expect.poll(() => page.locator('.event-log .log-toolbar').textContent(), WAIT).toContain(`1 of ${total} events`);

    // The timeline shows the last supersteps until asked for all.
    await page.locator('[data-tab="timeline"]').click();
    await expect.poll(() => page.locator('.timeline .step').count(), WAIT).toBe(40);
    await page.locator('.timeline button.link').click();
    await expect.poll(() => page.locator('.timeline .step').count(), WAIT).toBe(SUPERSTEPS);

    // The state diff of the last superstep, asked of the server for that checkpoint alone.
    await page.locator('[data-tab="state"]').click();
    const stored = await served.runtime.checkpoints.list(runId);
    await expect.poll(() => page.locator('.checkpoint-list li').count(), WAIT).toBe(stored.length);
    // Superstep s handles the number s: the last one took the state from 49 to 50.
    const late = stored.find((checkpoint) => checkpoint.superstep === SUPERSTEPS);
    expect(late).toBeDefined();
    await page.locator(`.checkpoint-list li[data-checkpoint="${late?.id}"]`).click();
    const diff = page.locator('[data-testid="state-diff"]');
    await expect.poll(() => diff.textContent(), WAIT).toContain('state of chatty › step');
    expect(await diff.locator('td.before').textContent()).toBe(String(SUPERSTEPS - 1));
    expect(await diff.locator('td.after').textContent()).toBe(String(SUPERSTEPS));
  });
});
