/** Reads `read()` and turns a throw into `fallback`: for values whose getters, toString or Proxy traps may throw. */
function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** A one-line description of any thrown value, even one with no prototype, a throwing getter or a Proxy; never throws. */
export function describeThrown(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const message = attempt(() => (value instanceof Error ? String(value.message) : undefined), undefined);
  if (message !== undefined) return message;
  if (typeof value !== 'object' && typeof value !== 'function') return attempt(() => String(value), typeof value);
  const text = attempt(() => String(value), undefined);
  if (text !== undefined && text !== '[object Object]') return text;
  return attempt(
    () => (Object.getPrototypeOf(value) === null ? 'an object with a null prototype' : `an object (${Object.prototype.toString.call(value)})`),
    'an object that cannot be read',
  );
}
