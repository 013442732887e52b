/** How deeply a value may nest inside a run (objects and arrays), so that no serialisation can exhaust the stack. */
export const MAX_JSON_DEPTH = 256;

/** How far a value goes beyond the limits, or undefined when it stays within them. */
export interface JsonLimitProblem {
  readonly limit: 'depth';
  /** The dotted path at which the limit was crossed. */
  readonly path: string;
}

/**
 * Walks a parsed JSON value without recursion (a million levels cost no stack) and reports the first place where
 * it nests deeper than `maxDepth`.
 */
export function checkJsonDepth(value: unknown, maxDepth: number): JsonLimitProblem | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (typeof current !== 'object' || current === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return { limit: 'depth', path: item.path };
    const keys = Array.isArray(current) ? current.keys() : Object.keys(current);
    for (const key of keys) {
      const child = (current as Record<string | number, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth, path: item.path === '' ? String(key) : `${item.path}.${key}` });
    }
  }
  return undefined;
}
