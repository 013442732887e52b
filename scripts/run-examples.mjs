// Runs every example the way a user would (`tsx examples/<name>.ts`) and fails on the first that fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = readdirSync(new URL('../examples', import.meta.url)).filter((f) => f.endsWith('.ts')).sort();
let failed = 0;
for (const file of examples) {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', `examples/${file}`], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WEFT_EXAMPLE_CHECK: '1' },
    timeout: 120_000,
  });
  const ok = result.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} examples/${file} (${Date.now() - started} ms)`);
  if (!ok) console.log(result.stdout, result.stderr);
}
console.log(`${examples.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
