// A test's child process that reports as JSON lines on stdout (see report-line.ts for the other side): the reports
// are collected as they arrive, and the test waits for the next one it needs (never for a time). `onReport` hears
// each report at once, so a test can SIGKILL this child or another one at a report (no sleep, no acknowledgement).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How a reporting child ended. */
export interface ReportedChild<TReport> {
  /** Every report the child wrote; lines after the fatal one were written before the signal landed: still facts. */
  readonly reports: TReport[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** A running child that reports JSON lines. */
export interface ReportingChild<TReport> {
  readonly child: ChildProcessWithoutNullStreams;
  /** The reports so far, in the order written. */
  readonly reports: TReport[];
  /** Resolves with the first report (already written or to come) that `accept` takes; rejects if the child ends first. */
  next<T extends TReport>(accept: (report: TReport) => report is T): Promise<T>;
  next(accept: (report: TReport) => boolean): Promise<TReport>;
  /** Calls `listener` after every report and once when the child has ended; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Writes `line` and a newline to the child's stdin (started with `stdin: 'pipe'`). */
  writeLine(line: string): void;
  /** Sends `signal` unless the child has already ended. */
  kill(signal: NodeJS.Signals): void;
  /** Whether the child is still running (it has neither exited nor been ended by a signal). */
  alive(): boolean;
  stderr(): string;
  /** Resolves once the child has ended and its output is read. */
  readonly done: Promise<ReportedChild<TReport>>;
}

export interface ReportingOptions<TReport> {
  /** The working directory; the test process's by default. */
  readonly cwd?: string;
  /** 'pipe' for a child that reads stdin; by default its stdin is closed at once (it reads end of file). */
  readonly stdin?: 'pipe' | 'ignore';
  /** Hears each report the moment it is parsed, before any `next` resolves. */
  readonly onReport?: (report: TReport, reports: readonly TReport[]) => void;
}

/** Starts `node <script> …args` and collects its reports until it ends (or the test kills it). */
export function startReporting<TReport>(script: string, args: readonly string[], options: ReportingOptions<TReport> = {}): ReportingChild<TReport> {
  const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const piped = options.stdin === 'pipe';
  if (!piped) child.stdin.end();
  const reports: TReport[] = [];
  const listeners = new Set<() => void>();
  let pending = '';
  let stderr = '';
  let ended = false;
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      let report: TReport;
      try {
        report = JSON.parse(line) as TReport;
      } catch {
        throw new Error(`${script} wrote a line on stdout that is not a JSON report: ${line}`);
      }
      reports.push(report);
      options.onReport?.(report, reports);
      notify();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<ReportedChild<TReport>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      notify();
      resolve({ reports, code, signal, stderr });
    });
  });
  const next = (accept: (report: TReport) => boolean): Promise<TReport> =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = (): void => {
        // Each report is offered once, in order: those already in, then each as it arrives.
        for (; seen < reports.length; seen++) {
          const report = reports[seen] as TReport;
          if (!accept(report)) continue;
          listeners.delete(check);
          resolve(report);
          return;
        }
        if (!ended) return;
        listeners.delete(check);
        reject(
          new Error(
            `${script} ${args[0] ?? ''} ended before the report the test waits for.\nreports: ${JSON.stringify(reports)}\nstderr:\n${stderr}`,
          ),
        );
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    reports,
    next: next as ReportingChild<TReport>['next'],
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    writeLine(line) {
      if (!piped) throw new Error(`${script} was started without a stdin pipe: pass { stdin: 'pipe' } to startReporting.`);
      child.stdin.write(`${line}\n`);
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    alive: () => !ended && child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    done,
  };
}

/** Runs `node <script> …args` in `cwd` until it ends, SIGKILLing it the first time `killWhen` returns true. */
export function runReporting<TReport>(
  script: string,
  args: readonly string[],
  cwd: string,
  killWhen?: (report: TReport, reports: readonly TReport[]) => boolean,
): Promise<ReportedChild<TReport>> {
  let killed = false;
  const reporting: ReportingChild<TReport> = startReporting<TReport>(script, args, {
    cwd,
    onReport: (report, reports) => {
      if (killed || killWhen?.(report, reports) !== true) return;
      killed = true;
      reporting.child.kill('SIGKILL');
    },
  });
  return reporting.done;
}
