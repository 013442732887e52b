import type { Schema } from '../model/types.js';

/**
 * A conservative, build-time check that a source's output schema can ever satisfy a target's input schema.
 * It understands zod 4 schemas (through their public `_zod.def`); for anything it cannot read it says "compatible".
 */

interface ZodLike {
  /** `optional` or `defaulted` when a missing key is accepted. */
  readonly _zod: { readonly def: ZodDef; readonly optin?: 'optional' | 'defaulted' };
}
interface ZodDef {
  readonly type: string;
  readonly [key: string]: unknown;
}

type Kinds = ReadonlySet<string> | 'any';
const ANY = 'any' as const;

function zodOf(schema: unknown): ZodLike | undefined {
  return typeof schema === 'object' && schema !== null && '_zod' in schema ? (schema as ZodLike) : undefined;
}

function kindOfValue(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

const merge = (...sets: Kinds[]): Kinds => {
  const out = new Set<string>();
  for (const set of sets) {
    if (set === ANY) return ANY;
    for (const kind of set) out.add(kind);
  }
  return out;
};

/** The JSON-ish kinds of value a schema accepts (`side: 'in'`) or produces (`'out'`). */
function kinds(schema: unknown, side: 'in' | 'out'): Kinds {
  const zod = zodOf(schema);
  if (zod === undefined) return ANY;
  const def = zod._zod.def;
  if (side === 'in' && def['coerce'] === true) return ANY; // z.coerce.* accepts anything it can convert
  const inner = (): Kinds => kinds(def['innerType'], side);
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return new Set(['string']);
    case 'number':
    case 'int':
    case 'nan':
      return new Set(['number']);
    case 'bigint':
    case 'boolean':
    case 'symbol':
    case 'undefined':
    case 'null':
    case 'date':
    case 'map':
    case 'set':
    case 'promise':
    case 'file':
      return new Set([def.type === 'date' || def.type === 'map' || def.type === 'set' || def.type === 'file' ? `object:${def.type}` : def.type]);
    case 'void':
      return new Set(['undefined']);
    case 'object':
    case 'record':
      return new Set(['object']);
    case 'array':
    case 'tuple':
      return new Set(['array']);
    case 'literal':
      return new Set((def['values'] as unknown[]).map(kindOfValue));
    case 'enum':
      return new Set(Object.values(def['entries'] as Record<string, unknown>).map(kindOfValue));
    case 'optional':
      return merge(inner(), new Set(['undefined']));
    case 'nullable':
      return merge(inner(), new Set(['null']));
    case 'default':
    case 'prefault':
      return side === 'in' ? merge(inner(), new Set(['undefined'])) : inner();
    case 'readonly':
    case 'nonoptional':
      return inner();
    case 'pipe':
      return side === 'in' ? kinds(def['in'], side) : kinds(def['out'], side);
    case 'union':
      return merge(...(def['options'] as unknown[]).map((option) => kinds(option, side)));
    default:
      return ANY; // any, unknown, custom, transform, lazy, intersection, catch, …: cannot tell
  }
}

function literalValues(schema: unknown): ReadonlySet<unknown> | undefined {
  const def = zodOf(schema)?._zod.def;
  if (def?.type === 'literal') return new Set(def['values'] as unknown[]);
  if (def?.type === 'enum') return new Set(Object.values(def['entries'] as Record<string, unknown>));
  return undefined;
}

const describeKinds = (set: ReadonlySet<string>): string => [...set].map((k) => k.replace('object:', '')).join(' | ');

/** Why `output` can never satisfy `input`, or undefined when it may. */
export function incompatibility(output: Schema | undefined, input: Schema | undefined, path = ''): string | undefined {
  if (output === undefined || input === undefined) return undefined;
  const sent = kinds(output, 'out');
  const accepted = kinds(input, 'in');
  if (sent === ANY || accepted === ANY) return undefined;
  const at = path === '' ? '' : ` at "${path}"`;
  if (![...sent].some((kind) => accepted.has(kind))) {
    return `sends ${describeKinds(sent)}${at} but the target accepts ${describeKinds(accepted)}`;
  }
  const sentValues = literalValues(output);
  const acceptedValues = literalValues(input);
  if (sentValues !== undefined && acceptedValues !== undefined && ![...sentValues].some((v) => acceptedValues.has(v))) {
    return `sends only ${[...sentValues].map((v) => JSON.stringify(v)).join(' | ')}${at} but the target accepts only ${[...acceptedValues].map((v) => JSON.stringify(v)).join(' | ')}`;
  }
  const outDef = zodOf(output)?._zod.def;
  const inDef = zodOf(input)?._zod.def;
  if (outDef?.type === 'object' && inDef?.type === 'object') {
    const outShape = outDef['shape'] as Record<string, unknown>;
    const inShape = inDef['shape'] as Record<string, unknown>;
    const open = outDef['catchall'] !== undefined && zodOf(outDef['catchall'])?._zod.def.type !== 'never';
    for (const [key, target] of Object.entries(inShape)) {
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (!(key in outShape)) {
        if (!open && zodOf(target)?._zod.optin === undefined) return `never sends the key "${keyPath}", which the target requires`;
        continue;
      }
      const nested = incompatibility(outShape[key] as Schema, target as Schema, keyPath);
      if (nested !== undefined) return nested;
    }
  }
  if (outDef?.type === 'array' && inDef?.type === 'array') {
    return incompatibility(outDef['element'] as Schema, inDef['element'] as Schema, `${path}[]`);
  }
  return undefined;
}

/** For a fan-in target: the schema of one element of the array it accepts, when it is a plain array schema. */
export function arrayElement(input: Schema | undefined, index: number): Schema | undefined {
  const def = zodOf(input)?._zod.def;
  if (def?.type === 'array') return def['element'] as Schema;
  if (def?.type === 'tuple') return (def['items'] as Schema[])[index] ?? (def['rest'] as Schema | undefined);
  return undefined;
}

/** True when the schema can never accept an array (a fan-in target must). */
export function rejectsArrays(input: Schema | undefined): boolean {
  const accepted = kinds(input, 'in');
  return accepted !== ANY && !accepted.has('array');
}
