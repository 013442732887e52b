// A test's child process that reports as JSON lines on stdout: the reports are collected as they arrive, and
// `killWhen` can SIGKILL the child at once at the first report it accepts (no sleep, no acknowledgement).
import { spawn } from 'node:child_process';

export interface ReportedChild<TReport> {
  /** Every report the child wrote; lines after the fatal one were written before the signal landed: still facts. */
  readonly reports: TReport[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs `node <script> …args` in `cwd` until it ends, SIGKILLing it the first time `killWhen` returns true. */
export function runReporting<TReport>(
  script: string,
  args: readonly string[],
  cwd: string,
  killWhen?: (report: TReport, reports: readonly TReport[]) => boolean,
): Promise<ReportedChild<TReport>> {
  return new Promise((resolve, reject) => {
    const subprocess = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const reports: TReport[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    subprocess.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const report = JSON.parse(pending.slice(0, newline)) as TReport;
        pending = pending.slice(newline + 1);
        reports.push(report);
        if (!killed && killWhen?.(report, reports) === true) {
          killed = true;
          subprocess.kill('SIGKILL');
        }
      }
    });
    subprocess.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    subprocess.on('error', reject);
    subprocess.on('close', (code, signal) => resolve({ reports, code, signal, stderr }));
  });
}
