import { expectPositionals, parseArgs } from './args.js';
import { json, type Io } from './io.js';
import { importModule, parseModuleRef, pickWorkflow } from './load.js';

export const GRAPH_HELP = `Usage: weft graph <module>[#export] [--json]

Prints a workflow's graph as a Mermaid flowchart (paste it into https://mermaid.live or a Markdown
\`\`\`mermaid block).

  <module>[#export]   the file and, when it exports several workflows, which one
  --json              print workflow.describe() instead: executors with their JSON Schemas, and edges

Example:
  weft graph examples/triage.ts > triage.mmd
`;

export async function graphCommand(argv: readonly string[], io: Io): Promise<number> {
  const command = 'weft graph';
  const { flags, positionals } = parseArgs(argv, { json: 'boolean' }, command);
  if (flags.help === true) {
    io.stdout.write(GRAPH_HELP);
    return 0;
  }
  expectPositionals(positionals, ['module'], command);
  const ref = parseModuleRef(positionals[0] as string);
  const { workflow } = pickWorkflow(await importModule(ref.path, io.cwd), ref);
  io.stdout.write(flags.json === true ? json(workflow.describe()) : `${workflow.toMermaid()}\n`);
  return 0;
}
