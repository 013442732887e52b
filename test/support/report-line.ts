// The other side of reporting-child.ts: a child process reports one JSON line on stdout, written synchronously so
// that a line is out before a SIGKILL that follows it lands. A pipe takes a long line in pieces and may be full for
// a moment (EAGAIN): the write goes on until all of the line is out.
import { writeSync } from 'node:fs';

/** Writes `value` as one JSON line on stdout, synchronously. */
export function reportLine(value: unknown): void {
  const bytes = Buffer.from(`${JSON.stringify(value)}\n`);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
