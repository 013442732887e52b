// Extracts the ```ts samples of docs/**/*.md, for test/docs/samples.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One ```ts block: where it is, its code, whether it is marked to run (```ts run), and the module name other samples import it by (```ts file=refund.ts). */
export interface Sample {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly run: boolean;
  readonly module: string | undefined;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? markdownFiles(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
  );
}

/** Every ```ts block (```ts no-check blocks left out: fragments that continue an earlier sample). */
export function samplesOf(root: string): Sample[] {
  const samples: Sample[] = [];
  for (const path of markdownFiles(join(root, 'docs')).sort()) {
    const lines = readFileSync(path, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const fence = /^```ts(?:\s+(.*))?$/.exec(lines[i] as string);
      if (fence === null) continue;
      const flags = (fence[1] ?? '').split(/\s+/);
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end] !== '```') end++;
      const module = flags.find((flag) => flag.startsWith('file='))?.slice('file='.length);
      if (!flags.includes('no-check'))
        samples.push({ file: relative(root, path), line: start, code: lines.slice(start, end).join('\n'), run: flags.includes('run'), module });
      i = end;
    }
  }
  return samples;
}
