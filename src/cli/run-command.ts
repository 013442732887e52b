import { createRuntime, isWeftError } from '../index.js';
import { expectPositionals, parseArgs, UsageError } from './args.js';
import { answerCommand, readStdin, type Io } from './io.js';
import { importModule, parseModuleRef, pickWorkflow, readInput } from './load.js';
import { driveRun } from './session.js';
import { DEFAULT_DB, leaseMsOf, memoryStore, openStore, WatchedStore } from './store.js';

export const RUN_HELP = `Usage: weft run <module>[#export] [--input <json|@file|@->] [--db <file|url> | --memory]

Runs a workflow from a TypeScript or JavaScript module and prints the run as JSON on stdout.

  <module>[#export]   the file and, when it exports several workflows, which one (an export name,
                      or a key of an exported "workflows" record). Default: the default export if it
                      is a Workflow, else the module's only Workflow. .ts files load through tsx.
  --input <value>     the input: JSON ('{"text":"hi"}', '"a string"'), @file to read JSON from a file,
                      or @- to read it from stdin. Without it the input is undefined.
  --db <file|url>     the SQLite file the run is recorded in (default ${DEFAULT_DB}), or a postgres:// URL
                      (needs "npm install pg"); "weft runs" reads it
  --memory            record the run in memory only (nothing to list or resume later)

Progress goes to stderr: a live status block on a terminal, one plain line per event otherwise
(also with TERM=dumb).
When the run waits for answers on a terminal, weft asks for them (JSON) and goes on.

Exit codes: 0 completed, 1 failed, 2 usage error (bad arguments or input), 3 waiting for answers
(answer with "weft runs resume"), 130 cancelled (Ctrl+C cancels the run).

Example:
  weft run examples/triage.ts --input @examples/tickets.json --db .weft/weft.db
`;

const FLAGS = { input: 'string', db: 'string', memory: 'boolean' } as const;

export async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft run';
  const { flags, positionals } = parseArgs(argv, FLAGS, command);
  if (flags.help === true) {
    io.stdout.write(RUN_HELP);
    return 0;
  }
  expectPositionals(positionals, ['module'], command);
  if (flags.memory === true && flags.db !== undefined) throw new UsageError('Give --db <file|url> or --memory, not both.');
  const input = readInput(flags.input, io.cwd, readStdin);
  const moduleArg = positionals[0] as string;
  const ref = parseModuleRef(moduleArg);
  const { name, workflow } = pickWorkflow(await importModule(ref.path, io.cwd), ref);

  const opened = flags.memory === true ? memoryStore() : await openStore(flags.db ?? DEFAULT_DB, io.cwd);
  const watched = new WatchedStore(opened.store);
  const runtime = createRuntime({
    workflows: { [name]: workflow },
    store: watched.store,
    leaseMs: leaseMsOf(io.env),
    onStoreError: (error, runId) => watched.storeFailed(runId, error),
  });
  try {
    return await driveRun(
      {
        io,
        runtime,
        watched,
        workflow: name,
        answerCommand: flags.memory === true ? undefined : answerCommand(moduleArg, flags.db),
      },
      async () => {
        try {
          const { runId } = await runtime.invoke(name, input);
          io.stderr.write(`run ${runId} of workflow "${name}" recorded in ${opened.location}\n`);
          return runId;
        } catch (error) {
          if (isWeftError(error) && error.code === 'workflow_input_invalid') throw new UsageError(`${error.message} (the input comes from --input)`);
          throw error;
        }
      },
    );
  } finally {
    await runtime.close();
    await opened.close();
  }
}
