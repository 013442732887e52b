import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryRunStore, type RunStore } from 'weft';
import { openSqliteRunStore } from 'weft/sqlite';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../src/', import.meta.url));
const sources = (directory: string): string[] =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(directory, entry.name)) : entry.name.endsWith('.ts') ? [join(directory, entry.name)] : [],
  );

/** The files in src/ that hold `text`. */
const holding = (text: string): string[] =>
  sources(root)
    .filter((file) => readFileSync(file, 'utf8').includes(text))
    .map((file) => relative(root, file));

const run = (id: string, createdAt: number, message: string) =>
  ({
    id,
    workflow: 'w',
    status: 'failed',
    input: null,
    outputs: [],
    pendingRequests: [],
    error: { name: 'Error', code: undefined, message },
    checkpointId: undefined,
    createdAt,
    updatedAt: createdAt,
  }) as const;

describe('the rules of a listRuns page', () => {
  it('are written once in src/, for the memory store and the SQL stores alike', () => {
    for (const rule of ['is not one listRuns returned', 'limit must be an integer from 1 to 500', 'SUMMARY_MESSAGE_LENGTH = ', ':${run.id}`'])
      expect(holding(rule), rule).toEqual(['internal/run-page.ts']);
  });

  it('hold the same in MemoryRunStore and SqliteRunStore: a cursor of one pages the other, the same errors, the same cut', async () => {
    const sqlite = openSqliteRunStore(':memory:');
    try {
      const stores: RunStore[] = [new MemoryRunStore(), sqlite];
      const long = 'x'.repeat(1500);
      for (const store of stores) for (const [index, id] of ['a', 'b', 'c'].entries()) await store.createRun(run(id, 10 + index, long));
      const [memory, file] = stores as [RunStore, RunStore];
      const first = await memory.listRuns({ limit: 1 });
      expect(first.runs.map((r) => r.id)).toEqual(['c']);
      expect((await file.listRuns({ limit: 1, cursor: first.nextCursor as string })).runs.map((r) => r.id)).toEqual(['b']);
      const firstOfFile = await file.listRuns({ limit: 2 });
      expect(firstOfFile.nextCursor).toBe('11:b');
      expect((await memory.listRuns({ limit: 2, cursor: firstOfFile.nextCursor as string })).runs.map((r) => r.id)).toEqual(['a']);

      const messages = async (store: RunStore) => [
        await store.listRuns({ limit: 0 }).catch((error: Error) => `${error.name}: ${error.message}`),
        await store.listRuns({ cursor: 'garbage' }).catch((error: Error) => `${error.name}: ${error.message}`),
      ];
      expect(await messages(file)).toEqual(await messages(memory));
      expect(await messages(memory)).toEqual([
        'TypeError: listRuns: limit must be an integer from 1 to 500, got 0.',
        'TypeError: listRuns: cursor "garbage" is not one listRuns returned; pass a page\'s nextCursor as it is.',
      ]);

      const cut = (await memory.listRuns()).runs[0]?.error?.message as string;
      expect(cut).toHaveLength(1000);
      expect(cut.endsWith('…')).toBe(true);
      expect((await file.listRuns()).runs[0]?.error).toEqual((await memory.listRuns()).runs[0]?.error);
    } finally {
      sqlite.close();
    }
  });
});
