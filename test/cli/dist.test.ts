// The built bin, as npm links it: `dist/cli.js` with its shebang, run by plain node (no tsx preloaded).
// The `dist` test project builds the package first when dist/ is missing or stale (test/support/build-dist.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, root } from './helpers.js';

const cli = join(root, 'dist/cli.js');
const bin = (args: readonly string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });

describe('dist/cli.js', () => {
  it('is the "weft" bin: an executable ESM file with a node shebang', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(manifest.bin).toEqual({ weft: './dist/cli.js' });
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(cli).mode & 0o111).not.toBe(0);
    const help = bin(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: weft <command>');
  });

  it('runs a JavaScript module with import() and a TypeScript one through tsx', () => {
    const plain = bin(['run', fixture('plain.mjs'), '--input', '"three small words"', '--memory']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ workflow: 'word-count', status: 'completed', outputs: [3] });
    const typescript = bin(['run', fixture('single.ts'), '--input', '"dist"', '--memory']);
    expect(typescript.status, typescript.stderr).toBe(0);
    expect(JSON.parse(typescript.stdout)).toMatchObject({ outputs: ['hello, dist'] });
  });
});
