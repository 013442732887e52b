// Builds the web console (src/console) into static files: console.js (one minified browser bundle, no
// dependencies), console.css and index.html. tsup.config.ts runs it into dist/ui; the console tests run it too.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Writes the console's files into `outdir`; resolves with esbuild's metafile (for sizes). */
export async function buildConsole(outdir) {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src/console/main.ts')],
    outfile: join(outdir, 'console.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'console.css']) await copyFile(join(root, 'src/console/public', file), join(outdir, file));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? join(root, 'dist/ui');
  await buildConsole(outdir);
  console.log(`console built into ${outdir}`);
}
