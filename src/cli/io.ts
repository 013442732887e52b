import { readFileSync } from 'node:fs';
import type { RunRecord, RunStatus } from '../index.js';

/** The process as the commands see it; `main` passes the real one. */
export interface Io {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });

/** Exit codes: also the contract scripts rely on (docs/guides/cli.md). */
export const EXIT = { completed: 0, failed: 1, usage: 2, waiting: 3, cancelled: 130 } as const;

export function exitCodeOf(status: RunStatus): number {
  switch (status) {
    case 'completed':
      return EXIT.completed;
    case 'waiting':
      return EXIT.waiting;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.failed;
  }
}

/** Whether to draw the live status block: stderr is a terminal that can move its cursor. */
export const isLive = (io: Io): boolean => io.stderr.isTTY === true && io.env['TERM'] !== 'dumb';

/** Whether to ask for answers: a person at a terminal on both ends of the conversation. */
export const isInteractive = (io: Io): boolean => io.stderr.isTTY === true && io.stdin.isTTY === true;

export const readStdin = (): string => readFileSync(0, 'utf8');

/** A run as `weft run` prints it: the record without the input the caller just gave. */
export function resultOf(record: RunRecord): Omit<RunRecord, 'input'> {
  const { input: _input, ...rest } = record;
  return rest;
}

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Wraps `text` in single quotes for a POSIX shell. */
export const shellQuote = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);

/** The command line that answers a request of a recorded run, for the hint printed when a run waits. */
export function answerCommand(module: string, db: string | undefined): (runId: string, requestId: string) => string {
  const dbArgs = db === undefined ? [] : ['--db', db];
  return (runId, requestId) =>
    `${['weft', 'runs', 'resume', runId, module, ...dbArgs, '--respond'].map(shellQuote).join(' ')} ${shellQuote(`${requestId}=`)}'<json>'`;
}
