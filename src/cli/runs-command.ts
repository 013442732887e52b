import { createRuntime, type RunStatus, type RunSummary, type SerializedEvent } from '../index.js';
import { expectPositionals, integerFlag, parseArgs, UsageError } from './args.js';
import { answerCommand, EXIT, json, shellQuote, type Io } from './io.js';
import { importModule, parseJson, parseModuleRef, workflowForRun } from './load.js';
import { formatEvent } from './progress.js';
import { answer, driveRun, reportRun, settle, type Session } from './session.js';
import { DEFAULT_DB, leaseMsOf, openStore, WatchedStore } from './store.js';

export const RUNS_HELP = `Usage: weft runs <list|show|events|resume> … [--db <file|url>]

Reads and continues the runs recorded by "weft run" and "weft serve" in a SQLite file (default ${DEFAULT_DB})
or, with --db postgres://…, a Postgres database.

  weft runs list [--workflow <name>] [--status <status>] [--limit <n>] [--cursor <c>] [--json]
  weft runs show <runId>
  weft runs events <runId> [--follow] [--json]
  weft runs resume <runId> <module>[#export] [--respond <requestId>=<json>]...

Run "weft runs <command> --help" for the details of one.
`;

const LIST_HELP = `Usage: weft runs list [--workflow <name>] [--status <status>] [--limit <n>] [--cursor <c>] [--json] [--db <file|url>]

Lists recorded runs, newest first: a table on a terminal, otherwise (or with --json) one run record
as JSON per line. When there are more, the command for the next page goes to stderr.

  --workflow <name>   only runs of this workflow
  --status <status>   only runs that are running, waiting, completed, failed or cancelled
  --limit <n>         runs per page, 1 to 500 (default 50)
  --cursor <c>        the page after the one that printed this cursor
  --json              JSON lines even on a terminal
  --db <file|url>     the SQLite file (default ${DEFAULT_DB}) or a postgres:// URL
`;

const SHOW_HELP = `Usage: weft runs show <runId> [--db <file|url>]

Prints one run record as JSON: status, input, outputs, pending requests, error, latest checkpoint.
Exit code 1 when there is no such run.
`;

const EVENTS_HELP = `Usage: weft runs events <runId> [--follow] [--json] [--db <file|url>]

Prints a run's stored events: readable lines on a terminal, otherwise (or with --json) one event as
JSON per line.

  --follow     keep printing new events as they are stored (the store is read every 250 ms, so it
               works across processes) until the run completes, fails or is cancelled; a waiting
               run is followed until someone answers it and it ends
  --json       JSON lines even on a terminal
  --db <file|url>  the SQLite file (default ${DEFAULT_DB}) or a postgres:// URL
`;

const RESUME_HELP = `Usage: weft runs resume <runId> <module>[#export] [--respond <requestId>=<json>]... [--db <file|url>]

Continues a recorded run with the workflow from <module> (the one recorded under the run's workflow
name, or the one #export picks), shows its progress like "weft run", and prints it as JSON.

  - A waiting run: each --respond answers one pending request (the runtime checks the answer against
    the request's schema). Without --respond, on a terminal, weft asks for the answers.
  - A run left "running" by a process that died: continues it from its latest checkpoint. Only do
    this when no other process (a "weft serve", another "weft run") is still running it.
  - A completed, failed or cancelled run: prints it, nothing to continue.

  --respond <id>=<json>   an answer, e.g. --respond 3f2…='{"approved":true}'; repeat for several
  --db <file|url>         the SQLite file (default ${DEFAULT_DB}) or a postgres:// URL

Exit codes as for "weft run": 0 completed, 1 failed, 2 usage error (also a refused answer),
3 still waiting, 130 cancelled.
`;

const STATUSES: readonly RunStatus[] = ['running', 'waiting', 'completed', 'failed', 'cancelled'];
const TERMINAL: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

export async function runsCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list':
      return list(rest, io);
    case 'show':
      return show(rest, io);
    case 'events':
      return events(rest, io);
    case 'resume':
      return resume(rest, io);
    case undefined:
    case '-h':
    case '--help':
      io.stdout.write(RUNS_HELP);
      return sub === undefined ? EXIT.usage : 0;
    default:
      throw new UsageError(`Unknown command "weft runs ${sub}": it is list, show, events or resume. See "weft runs --help".`);
  }
}

const pad = (text: string, width: number): string => text.padEnd(width);
const time = (ms: number): string => {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
};

function table(runs: readonly RunSummary[]): string {
  const rows = [
    ['RUN', 'WORKFLOW', 'STATUS', 'CREATED', 'UPDATED', 'PENDING'],
    ...runs.map((r) => [r.id, r.workflow, r.status, time(r.createdAt), time(r.updatedAt), String(r.pendingRequests)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => pad(cell, widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

async function list(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft runs list';
  const { flags, positionals } = parseArgs(
    argv,
    { workflow: 'string', status: 'string', limit: 'string', cursor: 'string', json: 'boolean', db: 'string' },
    command,
  );
  if (flags.help === true) {
    io.stdout.write(LIST_HELP);
    return 0;
  }
  expectPositionals(positionals, [], command);
  const status = flags.status;
  if (status !== undefined && !STATUSES.includes(status as RunStatus))
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}; got "${status}".`);
  const limit = integerFlag(flags.limit, 'limit', command, { min: 1, max: 500 });
  const opened = await openStore(flags.db ?? DEFAULT_DB, io.cwd, { mustExist: true });
  try {
    const page = await opened.store
      .listRuns({
        ...(flags.workflow === undefined ? {} : { workflow: flags.workflow }),
        ...(status === undefined ? {} : { status: status as RunStatus }),
        ...(limit === undefined ? {} : { limit }),
        ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
      })
      .catch((error: unknown) => {
        // The store refuses a cursor it did not make with a TypeError: the caller's mistake, said in their terms.
        if (error instanceof TypeError && flags.cursor !== undefined)
          throw new UsageError(
            `--cursor "${flags.cursor}" is not a cursor "weft runs list" printed; copy it from the "More runs:" line, or leave it out for the first page.`,
          );
        throw error;
      });
    if (io.stdout.isTTY === true && flags.json !== true) io.stdout.write(page.runs.length === 0 ? 'No runs.\n' : table(page.runs));
    else for (const run of page.runs) io.stdout.write(`${JSON.stringify(run)}\n`);
    if (page.nextCursor !== undefined) {
      const again = [
        'weft',
        'runs',
        'list',
        ...argv.filter((_, i) => argv[i] !== '--cursor' && argv[i - 1] !== '--cursor' && !argv[i]!.startsWith('--cursor=')),
        '--cursor',
        page.nextCursor,
      ];
      io.stderr.write(`More runs: ${again.map(shellQuote).join(' ')}\n`);
    }
    return 0;
  } finally {
    await opened.close();
  }
}

async function show(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft runs show';
  const { flags, positionals } = parseArgs(argv, { db: 'string' }, command);
  if (flags.help === true) {
    io.stdout.write(SHOW_HELP);
    return 0;
  }
  expectPositionals(positionals, ['runId'], command);
  const runId = positionals[0] as string;
  const opened = await openStore(flags.db ?? DEFAULT_DB, io.cwd, { mustExist: true });
  try {
    const record = await opened.store.getRun(runId);
    if (record === undefined) return noRun(io, runId, opened.location);
    io.stdout.write(json(record));
    return 0;
  } finally {
    await opened.close();
  }
}

function noRun(io: Io, runId: string, location: string): number {
  io.stderr.write(`weft: no run "${runId}" in ${location}. "weft runs list" shows the runs there.\n`);
  return EXIT.failed;
}

const POLL_MS = 250;

async function events(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft runs events';
  const { flags, positionals } = parseArgs(argv, { follow: 'boolean', json: 'boolean', db: 'string' }, command);
  if (flags.help === true) {
    io.stdout.write(EVENTS_HELP);
    return 0;
  }
  expectPositionals(positionals, ['runId'], command);
  const runId = positionals[0] as string;
  const opened = await openStore(flags.db ?? DEFAULT_DB, io.cwd, { mustExist: true });
  const readable = io.stdout.isTTY === true && flags.json !== true;
  const print = (event: SerializedEvent): void => {
    io.stdout.write(
      readable ? `${String(event.seq).padStart(5)}  ${time(event.at).slice(11)}  ${formatEvent(event)}\n` : `${JSON.stringify(event)}\n`,
    );
  };
  let stop = false;
  const onSigint = (): void => {
    stop = true;
  };
  process.on('SIGINT', onSigint);
  try {
    if ((await opened.store.getRun(runId)) === undefined) return noRun(io, runId, opened.location);
    let last = -1;
    for (;;) {
      // The status first: events stored before a terminal status are all there when it is read.
      const status = (await opened.store.getRun(runId))?.status;
      for (const event of await opened.store.readEvents(runId, last)) {
        print(event);
        last = event.seq;
      }
      if (flags.follow !== true || status === undefined || TERMINAL.has(status)) return 0;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (stop) return EXIT.cancelled;
    }
  } finally {
    process.off('SIGINT', onSigint);
    await opened.close();
  }
}

/** `--respond id=json`, split at the first `=`. */
function parseRespond(value: string): { requestId: string; value: unknown } {
  const equals = value.indexOf('=');
  if (equals <= 0) throw new UsageError(`--respond takes <requestId>=<json>, e.g. --respond abc='{"approved":true}'; got "${value}".`);
  const requestId = value.slice(0, equals);
  return {
    requestId,
    value: parseJson(
      value.slice(equals + 1),
      `The answer to request "${requestId}"`,
      `write --respond ${requestId}=<json>, e.g. ${requestId}='{"approved":true}' (a string needs its quotes: ${requestId}='"yes"')`,
    ),
  };
}

async function resume(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft runs resume';
  const { flags, positionals } = parseArgs(argv, { respond: 'strings', db: 'string' }, command);
  if (flags.help === true) {
    io.stdout.write(RESUME_HELP);
    return 0;
  }
  expectPositionals(positionals, ['runId', 'module'], command);
  const [runId, moduleArg] = positionals as [string, string];
  const answers = (flags.respond ?? []).map(parseRespond);
  const ref = parseModuleRef(moduleArg);
  const opened = await openStore(flags.db ?? DEFAULT_DB, io.cwd, { mustExist: true });
  try {
    const record = await opened.store.getRun(runId);
    if (record === undefined) return noRun(io, runId, opened.location);
    const workflow = workflowForRun(await importModule(ref.path, io.cwd), ref, record.workflow, runId);
    const watched = new WatchedStore(opened.store);
    const leaseMs = leaseMsOf(io.env);
    const runtime = createRuntime({
      workflows: { [record.workflow]: workflow },
      store: watched.store,
      leaseMs,
      onStoreError: (error, runId) => watched.storeFailed(runId, error),
    });
    const session: Session = {
      io,
      runtime,
      watched,
      workflow: record.workflow,
      answerCommand: answerCommand(moduleArg, flags.db),
    };
    try {
      if (TERMINAL.has(record.status)) {
        if (answers.length > 0) throw new UsageError(`Run "${runId}" is ${record.status}: it has no requests to answer.`);
        io.stderr.write(`Run ${runId} is already ${record.status}; nothing to continue.\n`);
        return await reportRun(session, runId);
      }
      if (record.status === 'running') {
        if (answers.length > 0) throw new UsageError(`Run "${runId}" is running, not waiting: it has no requests to answer yet.`);
        io.stderr.write(`Run ${runId} was left running by a process that stopped; continuing it from its latest checkpoint.\n`);
        watched.onlyRecover([runId]);
        return await driveRun(session, async () => {
          // A process that died holds the run until its lease expires (at most leaseMs); one still alive keeps renewing it.
          for (let told = false, deadline = Date.now() + 2 * leaseMs; ; ) {
            if ((await runtime.recover()).length > 0) return runId;
            const now = (await opened.store.getRun(runId))?.status;
            if (now !== 'running') return runId; // ended or waits meanwhile: report it as it is
            if (Date.now() > deadline)
              throw new UsageError(`Run "${runId}" is still driven by another process (it keeps renewing its lease); stop that process first.`);
            if (!told)
              io.stderr.write(
                `Run ${runId} is still leased by the process that drove it; waiting up to ${Math.ceil(leaseMs / 1000)} s for the lease to expire.\n`,
              );
            told = true;
            await new Promise((resolve) => setTimeout(resolve, Math.min(250, leaseMs / 4)));
          }
        });
      }
      // Waiting: the answers given, in order; each continues the run until it stops again.
      let status: RunStatus = record.status;
      for (const [i, { requestId, value }] of answers.entries()) {
        if (status !== 'waiting') {
          io.stderr.write(
            `Run ${runId} is ${status}: the remaining answers (${answers
              .slice(i)
              .map((a) => a.requestId)
              .join(', ')}) were not given.\n`,
          );
          break;
        }
        status = await answer(session, runId, requestId, value);
      }
      return await settle(session, runId);
    } finally {
      await runtime.close();
    }
  } finally {
    await opened.close();
  }
}
