#!/usr/bin/env node
// `npm run package:check`: packs the package once, as `npm publish` would send it, and lints that tarball with
// publint (--strict) and Are the Types Wrong (node16 profile). It packs with --ignore-scripts: `attw --pack` runs a
// plain `npm pack`, whose `prepack` script builds everything again, and `npm test` has just built dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('package:check: dist/ is not built, so there is no package to check. Run "npm run build" first.');
  process.exit(1);
}

const folder = mkdtempSync(join(tmpdir(), 'weft-pack-'));
try {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: root, encoding: 'utf8' }),
  );
  const tarball = join(folder, packed[0].filename);
  const bin = (name) => join(root, 'node_modules/.bin', name);
  execFileSync(bin('publint'), ['--strict', tarball], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('attw'), [tarball, '--profile', 'node16'], { cwd: root, stdio: 'inherit' });
} catch (error) {
  // The tools have printed their findings; a failure to run one at all says why here.
  if (error.status === undefined) console.error(`package:check: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(folder, { recursive: true, force: true });
}
