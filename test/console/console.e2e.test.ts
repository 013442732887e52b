// The console end to end, in a real headless Chromium: start a run from the form, watch it live, answer its
// approval, see it complete and a superstep's state diff; a failing run shows its error where it happened. Each
// page is photographed: into docs/images for the README and docs/guides/console.md with `npm run screenshots`, else
// into a temporary folder (so that a test run leaves the working tree as it was).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launch } from './browser.js';
import { serveConsole, TOKEN, type ServedConsole } from './serve-console.js';

const shots = process.env['WEFT_SCREENSHOTS'];
const images = `${shots === undefined || shots === '' ? mkdtempSync(join(tmpdir(), 'weft-console-')) : resolve(shots)}/`;
// A loaded 2-core machine runs the browser beside other suites: only a hang reaches these timeouts.
const WAIT = { timeout: 240_000 };
/** Generous: a browser on a loaded 2-core machine; each step waits for what it needs, never for a fixed time. */
const TEST_TIMEOUT = 180_000;

describe.runIf(browserAvailable())('the console in Chromium', () => {
  let served: ServedConsole;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    process.env['WEFT_EXAMPLE_PAUSE_MS'] = '300'; // long enough to watch the run go, short enough for a test
    const { workflows } = await import('../../examples/console.js');
    served = await serveConsole(workflows);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(240_000);
    page.on('pageerror', (error) => errors.push(error.message));
    mkdirSync(images, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  const shoot = (name: string): Promise<Buffer> => page.screenshot({ path: `${images}console-${name}.png`, fullPage: false });

  it(
    'draws the workflow graph with the nested check expanded in place, and executor details',
    async () => {
      await page.goto(`${served.url}/ui/#token=${TOKEN}`);
      await page.locator('svg.graph').waitFor(WAIT);
      // The token moved from the address into the tab's session storage.
      expect(new URL(page.url()).hash).toBe('#/');
      await expect.poll(() => page.locator('[data-executor="checks/fraud-score"]').count(), WAIT).toBe(1);
      expect(await page.locator('svg.graph [data-executor]').count()).toBe(8); // 4 of refund, 4 inside checks
      await page.locator('[data-executor="approver"]').click();
      await expect
        .poll(() => page.locator('[data-testid="executor-panel"]').textContent(), WAIT)
        .toContain('response: { approved: boolean, note?: string }');
      await shoot('workflows');
      // Collapsing the nested graph leaves one node for it.
      await page.locator('[data-toggle="checks"]').click();
      await expect.poll(() => page.locator('svg.graph [data-executor]').count(), WAIT).toBe(4);
      await page.locator('[data-toggle="checks"]').click();
    },
    TEST_TIMEOUT,
  );

  it(
    'starts a run from the form, follows it live, takes the approval from the form and shows the state diff',
    async () => {
      const form = page.locator('[data-testid="start-form"]');
      await form.locator('input[name="orderId"]').fill('A-1042');
      await form.locator('input[name="customer"]').fill('Ada Lovelace');
      await form.locator('input[name="amount"]').fill('249');
      await form.locator('input[name="reason"]').fill('arrived broken');
      await form.locator('button[type="submit"]').click();
      await page.waitForURL(/#\/runs\/[0-9a-f-]+$/, WAIT);
      const runId = decodeURIComponent(new URL(page.url()).hash.split('/')[2] as string);

      // Live: the run is seen running, the retried fraud score shows as a bar with two attempts, then it waits.
      await page.locator('.run-header .badge.status-running').waitFor(WAIT);
      const retried = page.locator('.bar-row[data-path="checks/fraud-score"]');
      await retried.waitFor(WAIT);
      await expect.poll(() => retried.locator('.bar.attempt').count(), WAIT).toBe(2);
      await page.locator('.run-header .badge.status-waiting').waitFor(WAIT);
      expect(await page.locator('.request-card .question').textContent()).toContain('Refund $249.00 to Ada Lovelace');
      await shoot('run-waiting');

      // The form is built from the approver's response schema: a checkbox for approved, a text field for note.
      const card = page.locator('.request-card');
      await card.locator('input[name="approved"]').check();
      await card.locator('input[name="note"]').fill('photos of the damage attached');
      await card.locator('button[type="submit"]').click();
      await page.locator('.run-header .badge.status-completed').waitFor(WAIT);
      expect((await served.runtime.getRun(runId))?.outputs).toEqual([
        { orderId: 'A-1042', status: 'refunded', amount: 249, by: 'a person', note: 'photos of the damage attached' },
      ]);
      await page.locator('.step header').first().waitFor(WAIT);
      await shoot('run');

      await page.locator('[data-tab="outputs"]').click();
      await expect.poll(() => page.locator('.tab-body').textContent(), WAIT).toContain('"status": "refunded"');

      // The state diff of the superstep in which the approver asked: its state took the refund it waits for.
      await page.locator('[data-tab="state"]').click();
      await page.locator('.checkpoint-list li').first().waitFor(WAIT);
      const asked = page.locator('.checkpoint-list li', { hasText: 'waiting' }).first();
      await asked.click();
      const diff = page.locator('[data-testid="state-diff"]');
      // The approver's state is new in that superstep: added whole, with the refund it waits for.
      await expect.poll(() => diff.textContent(), WAIT).toContain('state of approver');
      expect(await diff.textContent()).toContain('{"waitingFor":{"orderId":"A-1042","amount":249,"risk":0.4}}');
      expect(await diff.textContent()).toContain('shared › refund.stage');
      await page.locator('button', { hasText: 'Full state' }).click();
      await expect.poll(() => page.locator('.full-state').textContent(), WAIT).toContain('"waitingFor"');
      await shoot('state');

      await page.locator('[data-tab="graph"]').click();
      await page.locator('svg.graph .node.status-completed[data-executor="settle"]').waitFor(WAIT);
      await page.locator('[data-tab="events"]').click();
      await expect.poll(() => page.locator('.event-log .log-toolbar').textContent(), WAIT).toMatch(/\d+ of \d+ events/);
      await page.locator('.log-viewport').evaluate((viewport) => (viewport.scrollTop = 0)); // it follows the end at first
      await page.locator('.log-row.type-executor-retried').first().click();
      await expect.poll(() => page.locator('.log-detail').textContent(), WAIT).toContain('fraud service timed out for order A-1042');
      await shoot('events');
      await page.locator('.event-log input[type="search"]').fill('request.');
      await page.locator('.log-row.type-request-answered').waitFor(WAIT);
      expect(await page.locator('.log-row').count()).toBe(2);
    },
    TEST_TIMEOUT,
  );

  it(
    'lists runs with their status, filtered by workflow and status',
    async () => {
      await page.goto(`${served.url}/ui/#/runs`);
      await page.locator('tr.run-row').first().waitFor(WAIT);
      expect(await page.locator('tr.run-row .badge.status-completed').count()).toBeGreaterThanOrEqual(1);
      await page.locator('select[aria-label="status"]').selectOption('failed');
      await page.waitForURL(/status=failed/, WAIT);
      await expect.poll(() => page.locator('tbody').textContent(), WAIT).toContain('No runs yet');
      await page.locator('select[aria-label="status"]').selectOption('');
      await page.locator('tr.run-row').first().waitFor(WAIT);
    },
    TEST_TIMEOUT,
  );

  it(
    "shows a failing run's error where it happened: the header, and the failed bar in its superstep",
    async () => {
      const { runId } = await served.runtime.invoke('nightly-report', { day: '2026-12-01' });
      await page.goto(`${served.url}/ui/#/runs/${runId}`);
      const error = page.locator('[data-testid="run-error"]');
      await error.waitFor(WAIT);
      expect(await error.textContent()).toContain('at render');
      expect(await error.textContent()).toContain('the report template for 2026-12-01 is missing the "totals" section');
      const bar = page.locator('.step.failed .bar-row.status-failed[data-path="render"]');
      await bar.waitFor(WAIT);
      expect(await bar.locator('.bar-error').textContent()).toContain('missing the "totals" section');
      await shoot('failed');
    },
    TEST_TIMEOUT,
  );

  it(
    'forks a run from one of its checkpoints into a new run',
    async () => {
      const page1 = await served.runtime.listRuns({ workflow: 'refund', status: 'completed' });
      const original = page1.runs[0]?.id as string;
      await page.goto(`${served.url}/ui/#/runs/${original}`);
      await page.locator('[data-tab="state"]').click();
      await page.locator('.checkpoint-list li').first().click();
      await page.locator('button.fork').click();
      await page.waitForURL((url) => url.hash.startsWith('#/runs/') && !url.hash.endsWith(original), WAIT);
      const fork = decodeURIComponent(new URL(page.url()).hash.split('/')[2] as string);
      // From after superstep 0 on: the fork checks and then asks again, as the original did.
      await page.locator('.run-header .badge.status-waiting').waitFor(WAIT);
      const events = await new Promise<unknown[]>((resolve, reject) => {
        const seen: unknown[] = [];
        served.runtime.events(fork).subscribe({ next: (event) => seen.push(event), error: reject });
        setImmediate(() => resolve(seen));
      });
      expect(events.length).toBeGreaterThan(0);

      // The list now holds every kind of run this file made.
      await page.goto(`${served.url}/ui/#/runs`);
      await page.locator('tr.run-row .badge.status-failed').waitFor(WAIT);
      await page.locator('tr.run-row .badge.status-waiting').waitFor(WAIT);
      await shoot('runs');
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
