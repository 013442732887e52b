// The rules of a `listRuns` page that every run store follows, written once: the cursor format, the page size and how a
// summary cuts an error message. The core's MemoryRunStore and the SQL stores (src/sql/, for weft/sqlite and
// weft/postgres) import this module directly: it is no entry of its own and not exported from `weft`, so it adds no
// public API. It holds no state and no class, so the copy a bundler may give each entry behaves the same.

/** The position of a run in newest-first order: its creation time and id. */
export interface RunPosition {
  readonly createdAt: number;
  readonly id: string;
}

/** The cursor that points after `run` (a page's `nextCursor`). */
export const runCursor = (run: RunPosition): string => `${run.createdAt}:${run.id}`;

/** The position a cursor encodes; a TypeError for anything {@link runCursor} did not make. */
export function parseCursor(cursor: string): RunPosition {
  const split = cursor.indexOf(':');
  const createdAt = split > 0 ? Number(cursor.slice(0, split)) : Number.NaN;
  if (!Number.isFinite(createdAt))
    throw new TypeError(`listRuns: cursor ${JSON.stringify(cursor)} is not one listRuns returned; pass a page's nextCursor as it is.`);
  return { createdAt, id: cursor.slice(split + 1) };
}

/** The page size `listRuns` was given, checked: an integer from 1 to 500, 50 when absent; a TypeError otherwise. */
export function checkLimit(limit: number | undefined): number {
  const value = limit ?? 50;
  if (!(Number.isInteger(value) && value >= 1 && value <= 500))
    throw new TypeError(`listRuns: limit must be an integer from 1 to 500, got ${limit}.`);
  return value;
}

/** The longest error message a run summary carries; longer ones are cut and end with "…". */
export const SUMMARY_MESSAGE_LENGTH = 1000;

/** An error as a run summary carries it: its message cut at {@link SUMMARY_MESSAGE_LENGTH} characters. */
export function summaryError<TError extends { readonly message: string }>(error: TError | undefined): TError | undefined {
  if (error === undefined || error.message.length <= SUMMARY_MESSAGE_LENGTH) return error;
  return { ...error, message: `${error.message.slice(0, SUMMARY_MESSAGE_LENGTH - 1)}…` };
}
