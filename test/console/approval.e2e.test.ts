// withApproval in the console, in a real headless Chromium: the request shows Approve and Reject with a reason, and
// the answer reaches the run (a rejection becomes the run's output, with the reason kept); cancel and resume.
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowBuilder, executor, withApproval } from 'weft';
import { browserAvailable, launch } from './browser.js';
import { serveConsole, TOKEN, type ServedConsole } from './serve-console.js';

// A loaded 2-core machine runs the browser beside other suites: only a hang reaches these timeouts.
const WAIT = { timeout: 240_000 };

const payout = executor({
  id: 'payout',
  input: z.number(),
  output: z.object({ paid: z.number() }),
  handle: (amount, ctx) => ctx.output({ paid: amount }),
});
const guarded = withApproval(payout, { describe: (amount) => `Pay out $${amount}?` });
const payouts = new WorkflowBuilder({ name: 'payouts', start: guarded }).build();

describe.runIf(browserAvailable())('approvals in the console', () => {
  let served: ServedConsole;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    served = await serveConsole({ payouts });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(240_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${served.url}/ui/#token=${TOKEN}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  const waitingRun = async (amount: number): Promise<string> => {
    const { runId, run: result } = await served.runtime.invoke('payouts', amount, { wait: true });
    expect(result?.status).toBe('waiting');
    await page.goto(`${served.url}/ui/#/runs/${runId}`);
    await page.locator('.request-card').waitFor(WAIT);
    expect(await page.locator('.request-card').textContent()).toContain(`Pay out $${amount}?`);
    return runId;
  };

  it('rejects with a reason: the run ends with the rejection as its output', async () => {
    // The run's events are held back until the reason is typed: their arrival redraws the page, and the reason
    // being typed must survive that (it was lost once, and the rejection arrived without it).
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/runs/*/events?*', async (route) => {
      await held;
      await route.continue();
    });
    const runId = await waitingRun(900);
    await page.locator('.request-card input[name="reason"]').fill('over the monthly limit');
    release();
    await page.locator('[data-tab="events"]', { hasText: /^events \([1-9]\d*\)$/ }).waitFor(WAIT);
    await page.unroute('**/runs/*/events?*');
    expect(await page.locator('.request-card input[name="reason"]').inputValue()).toBe('over the monthly limit');
    await page.locator('.request-card button.reject').click();
    await page.locator('.run-header .badge.status-completed').waitFor(WAIT);
    expect((await served.runtime.getRun(runId))?.outputs).toEqual([
      { kind: 'approval.rejected', executorId: 'payout', input: 900, reason: 'over the monthly limit' },
    ]);
    await page.locator('[data-tab="outputs"]').click();
    await expect.poll(() => page.locator('.tab-body').textContent(), WAIT).toContain('over the monthly limit');
  });

  it('cancels a waiting run, then resumes it from its last checkpoint, where it asks again', async () => {
    const runId = await waitingRun(75);
    await page.locator('button', { hasText: 'Cancel run' }).click();
    await page.locator('.run-header .badge.status-cancelled').waitFor(WAIT);
    expect((await served.runtime.getRun(runId))?.status).toBe('cancelled');
    await page.locator('button', { hasText: 'Resume from last checkpoint' }).click();
    await page.locator('.run-header .badge.status-waiting').waitFor(WAIT);
    expect(await page.locator('.request-card').textContent()).toContain('Pay out $75?');
    expect((await served.runtime.getRun(runId))?.pendingRequests).toHaveLength(1);
  });

  it('approves: the guarded executor runs', async () => {
    const runId = await waitingRun(40);
    await page.locator('.request-card button.approve').click();
    await page.locator('.run-header .badge.status-completed').waitFor(WAIT);
    expect((await served.runtime.getRun(runId))?.outputs).toEqual([{ paid: 40 }]);
    expect(errors).toEqual([]);
  });
});
