// Global setup of the `dist` tests: they load the package as users get it, so build it first when dist/ is missing
// or older than src/ (`npm test` has just built it; `npx vitest run` alone has not).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(directory: string): number {
  let time = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

export default function setup(): void {
  const built = join(root, 'dist/cli.js');
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);
  if (stale) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
