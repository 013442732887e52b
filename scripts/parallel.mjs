#!/usr/bin/env node
// Runs npm scripts at the same time: `node scripts/parallel.mjs typecheck lint build`. Each script's output is held
// back and printed in one piece when it ends, with how long it took, so that the outputs never interleave. Every
// script runs to its end (one failure does not hide another's); the exit code is non-zero if any of them failed.
import { spawn } from 'node:child_process';

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error('usage: node scripts/parallel.mjs <npm script> [<npm script> …]');
  process.exit(2);
}

/** Runs `npm run <name>`; resolves with its exit code (1 when it could not start), its output and its duration. */
function run(name) {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks = [];
    const child = spawn('npm', ['run', name], { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    const end = (code, note = '') =>
      resolve({ name, code, output: Buffer.concat(chunks).toString('utf8') + note, seconds: (performance.now() - started) / 1000 });
    child.on('error', (error) => end(1, `could not start npm: ${error.message}\n`));
    child.on('close', (code, signal) => end(code ?? 1, signal === null ? '' : `ended by ${signal}\n`));
  });
}

const results = await Promise.all(
  names.map((name) =>
    run(name).then((result) => {
      const verdict = result.code === 0 ? 'passed' : `FAILED (exit code ${result.code})`;
      process.stdout.write(`\n> ${name}: ${verdict} in ${result.seconds.toFixed(1)} s\n${result.output}`);
      return result;
    }),
  ),
);
const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
if (failed.length > 0) {
  console.error(`\n${failed.join(', ')} failed (of ${names.join(', ')}).`);
  process.exit(1);
}
