// Every example runs the way a user runs it (`npx tsx examples/<name>.ts`). Each checks its own results and
// exits non-zero when one is wrong.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const examples = readdirSync(new URL('../../examples', import.meta.url))
  .filter((file) => file.endsWith('.ts'))
  .sort();

function run(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('examples', () => {
  it('has examples to run', () => expect(examples.length).toBeGreaterThan(0));
  it.each(examples)('examples/%s runs and checks its own results', async (file) => {
    const { code, output } = await run(file);
    expect(code, output).toBe(0);
  });
});
