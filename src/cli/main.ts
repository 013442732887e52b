#!/usr/bin/env node
// The `weft` command. Each command lives in its own file; this one dispatches and turns errors into exit codes.
import { readFileSync } from 'node:fs';
import { CommandError, UsageError } from './args.js';
import { EXIT, processIo, type Io } from './io.js';

const HELP = `Usage: weft <command> [options]

Run, serve and inspect weft workflows.

Commands:
  weft run <module>[#export] --input <json|@file>   run a workflow, show its progress, print the result
  weft serve <module>                                serve workflows over HTTP, runs in SQLite
  weft dev <module>                                  serve them with the web console at /ui/
  weft graph <module>[#export]                       print a workflow as Mermaid (--json: describe())
  weft worker <module> --redis redis://…             run invocations from a BullMQ queue (weft/bullmq)
  weft runs list|show|events|resume                  read recorded runs, answer and continue them

Options:
  -h, --help      help for weft or for a command ("weft run --help")
  -v, --version   the version of weft

Modules are TypeScript (loaded through tsx) or JavaScript files that export workflows.
Runs are recorded in ./weft.db unless --db says otherwise. Docs: docs/guides/cli.md
`;

type Command = (argv: readonly string[], io: Io) => Promise<number>;

// Loaded on demand: `weft graph` need not load the HTTP server, and `weft --help` loads nothing.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import('./run-command.js')).runCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  dev: async () => {
    const { serveCommand } = await import('./serve-command.js');
    return (argv, io) => serveCommand(argv, io, 'dev');
  },
  graph: async () => (await import('./graph-command.js')).graphCommand,
  runs: async () => (await import('./runs-command.js')).runsCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
};

/** A WeftError, from any copy of weft (the brand `isWeftError` checks), without loading the core for it. */
const weftCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for('weft.error')] === true
    ? String((error as { code?: unknown }).code)
    : undefined;

function version(): string {
  // src/cli/main.ts and dist/cli.js sit at different depths below package.json.
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'weft' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not here: try one level up
    }
  }
  return 'unknown';
}

/** Runs the command line `argv` (without node and the script) and resolves with the exit code. */
async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === 'help' && rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0])) return await main([rest[0], '--help'], io);
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      (name === undefined ? io.stderr : io.stdout).write(HELP);
      return name === undefined ? EXIT.usage : 0;
    }
    if (name === '-v' || name === '--version') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined)
      throw new UsageError(`Unknown command "${name}". The commands are run, serve, dev, graph, runs and worker; see "weft --help".`);
    return await (await command())(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`weft: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CommandError) {
      io.stderr.write(`weft: ${error.message}\n`);
      return EXIT.failed;
    }
    const code = weftCode(error);
    // One line, no stack trace (WEFT_DEBUG=1 shows it): the message says what failed and how to go on.
    const debug = io.env['WEFT_DEBUG'] !== undefined && io.env['WEFT_DEBUG'] !== '' && io.env['WEFT_DEBUG'] !== '0';
    const text = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message.split('\n')[0]) : String(error);
    io.stderr.write(
      `weft: ${code !== undefined ? `${text} [${code}]` : text}${debug || code !== undefined ? '' : ' (WEFT_DEBUG=1 shows the stack trace)'}\n`,
    );
    return EXIT.failed;
  }
}

// `weft runs list | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
