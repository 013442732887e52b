/**
 * Runs the example's two processes over one Postgres database and checks what they print:
 *
 *   DATABASE_URL=postgres://… npx tsx examples/distributed/main.ts
 *
 * An author process starts a run and follows it; a reviewer process, another OS process with its own connections,
 * answers the run's review and so drives it to its end, while the author sees every event live.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.env['DATABASE_URL'] === undefined)
  throw new Error('Set DATABASE_URL to a Postgres URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres.');
const node = fileURLToPath(new URL('./node.ts', import.meta.url));

const children = new Set<ChildProcess>();

/** Runs node.ts with these arguments as its own process; resolves with what it printed. */
function start(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', node, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`node.ts ${args.join(' ')} exited with ${code}`))));
  });
}

let reviewer: string;
let author: string;
try {
  [reviewer, author] = await Promise.all([start('reviewer'), start('author', 'durable workflows')]);
} catch (error) {
  for (const child of children) child.kill(); // one failed: stop the other
  throw error;
}

const check = (condition: boolean, message: string): void => {
  if (!condition) throw new Error(`example check failed: ${message}`);
};
check(
  /run completed: \["A short note on durable workflows\. \(approved by node \d+\)"\]/.test(author),
  'the author sees the run complete with the reviewed note',
);
check(/#\d+ run\.waiting/.test(author) && /#\d+ run\.completed/.test(author), 'the author follows the run live, waiting then completed');
check(/answering run/.test(reviewer) && /run completed/.test(reviewer), 'the reviewer answers the run and sees it complete');
console.log('ok: two processes shared one run through Postgres');
