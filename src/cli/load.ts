import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Workflow } from '../index.js';
import { CommandError, UsageError } from './args.js';

type AnyWorkflow = Workflow<any, any, any>;

/** `path/to/module.ts#export` split into the file and the export (when given). */
export interface ModuleRef {
  readonly path: string;
  readonly exportName: string | undefined;
}

export function parseModuleRef(ref: string): ModuleRef {
  const hash = ref.lastIndexOf('#');
  if (hash < 0) return { path: ref, exportName: undefined };
  const exportName = ref.slice(hash + 1);
  if (exportName === '') throw new UsageError(`"${ref}" ends with "#" but names no export: write <module>#<export>, or leave out the "#".`);
  return { path: ref.slice(0, hash), exportName };
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
let tsxRegistered = false;

/** Registers tsx's loader once, so that `.ts` modules (and the `.ts` files they import) load. */
async function registerTypeScript(path: string): Promise<void> {
  if (tsxRegistered) return;
  let api: { register: () => unknown };
  try {
    api = (await import('tsx/esm/api')) as { register: () => unknown };
  } catch (error) {
    throw new UsageError(
      `Loading the TypeScript module "${path}" needs tsx, which is not installed here: run "npm i -D tsx", or point weft at compiled JavaScript. (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  api.register();
  tsxRegistered = true;
}

/** Imports a module by path (relative to `cwd`): `.js`/`.mjs` with plain import(), TypeScript through tsx. */
export async function importModule(path: string, cwd: string): Promise<Record<string, unknown>> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`No module at "${path}" (looked for ${file}).`);
  if (TYPESCRIPT.has(extname(file))) await registerTypeScript(path);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    // The module's own error: its stack points into the user's code, which is what they need to see.
    throw new CommandError(`Loading module "${path}" failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, {
      cause: error,
    });
  }
}

/** A Workflow, also one built by another copy of weft (the module's own `weft` import may not be the CLI's). */
export function isWorkflow(value: unknown): value is AnyWorkflow {
  if (value instanceof Workflow) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof AnyWorkflow, unknown>>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.signature === 'string' &&
    typeof candidate.definition === 'object' &&
    typeof candidate.stream === 'function' &&
    typeof candidate.resumeStream === 'function' &&
    typeof candidate.toMermaid === 'function'
  );
}

/** A workflow picked from a module, with the name runs record it under. */
export interface PickedWorkflow {
  readonly name: string;
  readonly workflow: AnyWorkflow;
  /** How to point at it on the command line: `module#export`. */
  readonly ref: string;
}

/** The `workflows` record a module exports, if any. */
function workflowsRecord(module: Record<string, unknown>): Record<string, AnyWorkflow> | undefined {
  const record = module['workflows'];
  if (typeof record !== 'object' || record === null || isWorkflow(record)) return undefined;
  const entries = Object.entries(record as Record<string, unknown>);
  if (entries.length === 0 || !entries.every(([, value]) => isWorkflow(value))) return undefined;
  return Object.fromEntries(entries) as Record<string, AnyWorkflow>;
}

/** Every workflow a module offers: its exported Workflows (recorded under their names), and the entries of a `workflows` record (under their keys). */
export function workflowsOf(module: Record<string, unknown>, path: string): PickedWorkflow[] {
  const found: PickedWorkflow[] = [];
  for (const [key, value] of Object.entries(module)) {
    if (isWorkflow(value) && !found.some((f) => f.workflow === value))
      found.push({ name: value.name, workflow: value, ref: key === 'default' ? path : `${path}#${key}` });
  }
  for (const [key, value] of Object.entries(workflowsRecord(module) ?? {})) {
    const exported = found.findIndex((f) => f.workflow === value);
    if (exported >= 0) found.splice(exported, 1); // the record's key names it
    found.push({ name: key, workflow: value, ref: `${path}#${key}` });
  }
  return found;
}

function listed(workflows: readonly PickedWorkflow[]): string {
  const width = Math.max(...workflows.map((w) => w.ref.length));
  return workflows.map((w) => `  ${w.ref.padEnd(width)}   workflow "${w.name}"`).join('\n');
}

/**
 * The one workflow `ref` means: `#export` (an export, or a key of the `workflows` record); else the default export
 * if it is a Workflow; else the only workflow the module has.
 */
export function pickWorkflow(module: Record<string, unknown>, ref: ModuleRef): PickedWorkflow {
  const all = workflowsOf(module, ref.path);
  if (ref.exportName !== undefined) {
    const name = ref.exportName;
    const exported = Object.hasOwn(module, name) ? module[name] : undefined;
    if (isWorkflow(exported))
      return all.find((w) => w.workflow === exported) ?? { name: exported.name, workflow: exported, ref: `${ref.path}#${name}` };
    const keyed = all.find((w) => w.ref === `${ref.path}#${name}`);
    if (keyed !== undefined) return keyed;
    const why = exported === undefined ? 'has no export' : 'exports something that is not a Workflow as';
    throw new UsageError(
      `Module "${ref.path}" ${why} "${name}".${all.length === 0 ? ' It exports no Workflow.' : ` Its workflows:\n${listed(all)}`}`,
    );
  }
  if (isWorkflow(module['default'])) return all.find((w) => w.workflow === module['default']) as PickedWorkflow;
  if (all.length === 1) return all[0] as PickedWorkflow;
  if (all.length === 0) {
    throw new UsageError(
      `Module "${ref.path}" exports no Workflow. Export one (export const workflow = builder.build()), or a record of them as "workflows".`,
    );
  }
  throw new UsageError(`Module "${ref.path}" exports ${all.length} workflows; pick one with <module>#<export>:\n${listed(all)}`);
}

/** Every workflow of a module by the name runs are recorded under (for `serve`); names must be unique. */
export function pickWorkflows(module: Record<string, unknown>, ref: ModuleRef): Record<string, AnyWorkflow> {
  const picked = ref.exportName === undefined ? workflowsOf(module, ref.path) : [pickWorkflow(module, ref)];
  if (picked.length === 0) {
    throw new UsageError(
      `Module "${ref.path}" exports no Workflow. Export workflows (export const triage = builder.build()), or a record of them as "workflows".`,
    );
  }
  const byName: Record<string, AnyWorkflow> = {};
  for (const { name, workflow, ref: where } of picked) {
    if (Object.hasOwn(byName, name)) {
      throw new UsageError(
        `Module "${ref.path}" has two workflows named "${name}" (one is ${where}). Give them different names, or export a "workflows" record whose keys name them.`,
      );
    }
    byName[name] = workflow;
  }
  return byName;
}

/** The workflow a stored run belongs to: the module's workflow recorded under `name`, or the one `#export` picks. */
export function workflowForRun(module: Record<string, unknown>, ref: ModuleRef, name: string, runId: string): AnyWorkflow {
  if (ref.exportName !== undefined) return pickWorkflow(module, ref).workflow;
  const all = workflowsOf(module, ref.path);
  const match = all.find((w) => w.name === name);
  if (match !== undefined) return match.workflow;
  throw new UsageError(
    `Run "${runId}" belongs to workflow "${name}", and module "${ref.path}" has no workflow of that name.${all.length === 0 ? ' It exports no Workflow.' : ` Its workflows:\n${listed(all)}\nPick the right one with <module>#<export>.`}`,
  );
}

/** `--input`: JSON text, `@file` (JSON in a file) or `@-` (JSON on stdin); undefined when not given. */
export function readInput(value: string | undefined, cwd: string, readStdin: () => string): unknown {
  if (value === undefined) return undefined;
  let text = value;
  let source = '--input';
  if (value.startsWith('@')) {
    const path = value.slice(1);
    if (path === '-') {
      text = readStdin();
      source = 'The input on stdin';
    } else {
      const file = resolve(cwd, path);
      if (!existsSync(file)) throw new UsageError(`--input ${value}: no file at "${path}" (looked for ${file}).`);
      if (statSync(file).isDirectory())
        throw new UsageError(`--input ${value}: "${path}" is a directory; give a file that holds JSON (--input @input.json).`);
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new UsageError(`--input ${value}: cannot read "${path}" (${error instanceof Error ? error.message : String(error)}).`);
      }
      source = `The input file "${path}"`;
    }
  }
  return parseJson(
    text,
    source,
    'pass JSON, e.g. --input \'{"text":"hi"}\' (a string needs its quotes: --input \'"hi"\'), or @file to read it from a file',
  );
}

/** JSON.parse with a usage error that says where the text came from and what to do. */
export function parseJson(text: string, source: string, hint: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}): ${hint}.`);
  }
}
