// The CLI's failures read as one line that says what went wrong and how to go on: no stack trace, a documented
// exit code, never a silent exit.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, tempDir, weft } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const single = fixture('single.ts');

/** stderr as one line `weft: …` without a stack frame. */
function expectOneLine(stderr: string, text: RegExp): void {
  const lines = stderr.split('\n').filter((line) => line.startsWith('weft:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(text);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('weft errors', { timeout: 180_000 }, () => {
  it('--input @<directory> is a usage error naming the directory', async () => {
    mkdirSync(dir.file('inputs'));
    const finished = await weft(['run', single, '--input', `@${dir.file('inputs')}`, '--memory']);
    expect(finished.code).toBe(2);
    expectOneLine(finished.stderr, /is a directory; give a file that holds JSON/);
  });

  it('--db <directory> and --db <a file that is not a database> are usage errors', async () => {
    mkdirSync(dir.file('folder'));
    const folder = await weft(['run', single, '--input', '"x"', '--db', dir.file('folder')]);
    expect(folder.code).toBe(2);
    expectOneLine(folder.stderr, /--db .*folder is a directory; give the path of a database file/);

    writeFileSync(dir.file('notes.txt'), 'these are notes, not a database '.repeat(200));
    for (const args of [
      ['run', single, '--input', '"x"'],
      ['runs', 'list'],
    ]) {
      const garbage = await weft([...args, '--db', dir.file('notes.txt')]);
      expect(garbage.code).toBe(2);
      expectOneLine(garbage.stderr, /cannot be opened as a weft database \(file is not a database\)/);
    }
  });

  it('runs list --cursor garbage is a usage error about the cursor', async () => {
    const db = dir.file('cursor.db');
    expect((await weft(['run', single, '--input', '"x"', '--db', db])).code).toBe(0);
    const finished = await weft(['runs', 'list', '--db', db, '--cursor', 'garbage']);
    expect(finished.code).toBe(2);
    expectOneLine(finished.stderr, /--cursor "garbage" is not a cursor "weft runs list" printed/);
  });

  it('a run store that fails under a run exits 1 with one line saying so, instead of exiting silently', async () => {
    const db = dir.file('breaks.db');
    const finished = await weft(['run', fixture('store-breaks.ts'), '--db', db], { env: { WEFT_TEST_DB: db } });
    expect(finished.code).toBe(1);
    expectOneLine(finished.stderr, /writing run .* to the run store failed \(the disk is full \(test\)\); the run stopped .* still "running"/);
  });
});
