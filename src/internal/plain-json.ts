/**
 * Finds the first value in `next` that is not plain JSON, looking only where `next` differs from `previous`
 * (immer shares unchanged subtrees by reference, so the cost follows the size of the change).
 * Returns the path and a description of the offending value, or undefined when all is plain.
 */
export function findNonJson(next: unknown, previous: unknown, path: string, ancestors: unknown[] = []): { path: string; found: string } | undefined {
  if (next === previous) return undefined;
  switch (typeof next) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(next) ? undefined : { path, found: String(next) };
    case 'bigint':
      return { path, found: 'a bigint' };
    case 'symbol':
      return { path, found: 'a symbol' };
    case 'function':
      return { path, found: 'a function' };
  }
  if (next === null) return undefined;
  if (ancestors.includes(next)) return { path, found: 'a reference cycle' };
  const proto = Object.getPrototypeOf(next) as unknown;
  const isArray = Array.isArray(next);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    const name = (next as { constructor?: { name?: string } }).constructor?.name;
    return { path, found: name === undefined || name === '' ? 'a class instance' : `a ${name}` };
  }
  if (isArray && (next as unknown[]).some((item) => item === undefined)) {
    return { path: `${path}[${(next as unknown[]).indexOf(undefined)}]`, found: 'undefined in an array (JSON would turn it into null)' };
  }
  ancestors.push(next);
  const prior = typeof previous === 'object' && previous !== null ? (previous as Record<string, unknown>) : undefined;
  const record = next as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const found = findNonJson(record[key], prior?.[key], path === '' ? key : `${path}.${key}`, ancestors);
    if (found !== undefined) {
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
