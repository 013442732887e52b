// A real headless Chromium for the console tests: Debian's /usr/bin/chromium driven by playwright-core, never a
// downloaded browser. Without it the tests skip locally (with how to install it) and fail on CI.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here; on CI a missing browser is a failure, not a skip. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '')
    throw new Error(`The console tests need Chromium at ${CHROMIUM} on CI: apt-get install -y chromium (see .ci/run).`);
  console.log(`Skipping the console browser tests: no ${CHROMIUM}. Install it with: sudo apt-get update && sudo apt-get install -y chromium`);
  return false;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
