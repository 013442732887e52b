/** A command line the user got wrong: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure to report as it is, without weft's own stack: exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** `string` takes a value, `strings` takes one each time it is given, `boolean` takes none. */
export type FlagType = 'string' | 'strings' | 'boolean';
export type FlagSpec = Readonly<Record<string, FlagType>>;

export type FlagValues<S extends FlagSpec> = {
  readonly [K in keyof S]?: S[K] extends 'boolean' ? boolean : S[K] extends 'strings' ? readonly string[] : string;
};

export interface ParsedArgs<S extends FlagSpec> {
  readonly flags: FlagValues<S> & { readonly help?: boolean };
  readonly positionals: readonly string[];
}

/**
 * Parses `--name value`, `--name=value`, boolean `--name`, `-h`, and `--` (everything after it is positional).
 * Unknown options and missing values are usage errors naming `command`.
 */
export function parseArgs<S extends FlagSpec>(argv: readonly string[], spec: S, command: string): ParsedArgs<S> {
  const flags: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      flags['help'] = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`Unknown option ${arg} for "${command}". Options are spelled out: see "${command} --help".`);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const type = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (type === undefined) {
      const known = Object.keys(spec).map((flag) => `--${flag}`);
      throw new UsageError(
        `Unknown option --${name} for "${command}".${known.length === 0 ? ' It takes no options.' : ` Its options: ${known.join(', ')}.`} See "${command} --help".`,
      );
    }
    if (type === 'boolean') {
      if (equals >= 0) throw new UsageError(`Option --${name} of "${command}" takes no value; write just --${name}.`);
      flags[name] = true;
      continue;
    }
    let value: string;
    if (equals >= 0) value = arg.slice(equals + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new UsageError(`Option --${name} of "${command}" needs a value: --${name} <value>.`);
      value = next;
      i++;
    }
    if (type === 'strings') (flags[name] = (flags[name] as string[] | undefined) ?? []).push(value);
    else if (Object.hasOwn(flags, name)) throw new UsageError(`Option --${name} of "${command}" is given twice; give it once.`);
    else flags[name] = value;
  }
  return { flags: flags as ParsedArgs<S>['flags'], positionals };
}

/** Checks the number of positionals; `names` describe them for the message. */
export function expectPositionals(positionals: readonly string[], names: readonly string[], command: string, optional = 0): void {
  const required = names.length - optional;
  if (positionals.length < required) {
    throw new UsageError(
      `"${command}" needs ${names
        .slice(positionals.length, required)
        .map((n) => `<${n}>`)
        .join(' ')}. See "${command} --help".`,
    );
  }
  if (positionals.length > names.length) {
    throw new UsageError(`"${command}" got an unexpected argument "${positionals[names.length]}". See "${command} --help".`);
  }
}

/** A whole number from an option, or a usage error. */
export function integerFlag(
  value: string | undefined,
  name: string,
  command: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max)
    throw new UsageError(`Option --${name} of "${command}" must be a whole number from ${min} to ${max}, got "${value}".`);
  return number;
}
