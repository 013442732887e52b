import { MAX_JSON_DEPTH } from './json-limits.js';
import { describeThrown } from './thrown.js';

/**
 * Finds the first value in `next` that is not plain JSON, looking only where `next` differs from `previous`
 * (immer shares unchanged subtrees by reference, so the cost follows the size of the change).
 * Returns the path and a description of the offending value, or undefined when all is plain. A value nested deeper
 * than MAX_JSON_DEPTH, one with a `toJSON` method, and one that throws when read (a getter, a Proxy) are not plain.
 */
export function findNonJson(next: unknown, previous: unknown, path: string): { path: string; found: string } | undefined {
  const trail: (string | number)[] = [];
  const found = scan(next, previous, trail, []);
  if (found === undefined) return undefined;
  // Build the path only now: on the happy path no key string is ever concatenated.
  let at = path;
  // A path hundreds of levels deep is shown by its ends, so that messages stay readable.
  const shown = trail.length > 16 ? [...trail.slice(0, 8), `…${trail.length - 12} more…`, ...trail.slice(-4)] : trail;
  for (const step of shown) at = at === '' ? String(step) : `${at}.${step}`;
  return { path: at, found };
}

function scan(next: unknown, previous: unknown, trail: (string | number)[], ancestors: unknown[]): string | undefined {
  if (next === previous) return undefined;
  try {
    return scanValue(next, previous, trail, ancestors);
  } catch (error) {
    // A getter, a toJSON or a Proxy trap threw: JSON.stringify would throw there too.
    return `a value that throws when read (${describeThrown(error)})`;
  }
}

function scanValue(next: unknown, previous: unknown, trail: (string | number)[], ancestors: unknown[]): string | undefined {
  switch (typeof next) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(next) ? undefined : String(next);
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (next === null) return undefined;
  if (ancestors.includes(next)) return 'a reference cycle';
  if (ancestors.length >= MAX_JSON_DEPTH) return `a value nested deeper than ${MAX_JSON_DEPTH} levels`;
  const proto = Object.getPrototypeOf(next) as unknown;
  if (Array.isArray(next)) {
    ancestors.push(next);
    const prior = Array.isArray(previous) ? previous : undefined;
    for (let i = 0; i < next.length; i++) {
      const item: unknown = next[i];
      const found = item === undefined ? 'undefined in an array (JSON would turn it into null)' : scan(item, prior?.[i], trail, ancestors);
      if (found !== undefined) {
        trail.unshift(i);
        ancestors.pop();
        return found;
      }
    }
    ancestors.pop();
    return undefined;
  }
  if (proto !== Object.prototype && proto !== null) {
    const name = (next as { constructor?: { name?: string } }).constructor?.name;
    return name === undefined || name === '' ? 'a class instance' : `a ${name}`;
  }
  if ((next as { toJSON?: unknown }).toJSON !== undefined) return 'an object with a toJSON method';
  ancestors.push(next);
  const prior = typeof previous === 'object' && previous !== null ? (previous as Record<string, unknown>) : undefined;
  const record = next as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = record[key];
    // Most values are unchanged or primitive: decide those without a call.
    if (
      typeof value !== 'object' &&
      typeof value !== 'function' &&
      typeof value !== 'bigint' &&
      typeof value !== 'symbol' &&
      (typeof value !== 'number' || Number.isFinite(value))
    )
      continue;
    if (prior !== undefined && value === prior[key]) continue;
    const found = scan(value, prior?.[key], trail, ancestors);
    if (found !== undefined) {
      trail.unshift(key);
      ancestors.pop();
      return found;
    }
  }
  ancestors.pop();
  return undefined;
}

/** The size in bytes of a string encoded as UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
