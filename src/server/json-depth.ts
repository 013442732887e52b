/**
 * Walks a parsed JSON value without recursion (a million levels cost no stack) and reports the first place where
 * it nests deeper than `maxDepth`.
 */
export function checkJsonDepth(value: unknown, maxDepth: number): { readonly path: string } | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (typeof current !== 'object' || current === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return { path: item.path };
    const keys = Array.isArray(current) ? current.keys() : Object.keys(current);
    for (const key of keys) {
      const child = (current as Record<string | number, unknown>)[key];
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, depth, path: item.path === '' ? String(key) : `${item.path}.${key}` });
    }
  }
  return undefined;
}
