/** Why a count limit (maxSupersteps, maxConcurrency) is unusable, or undefined when it is an integer ≥ 1 or Infinity. */
export function limitProblem(name: string, value: number | undefined): string | undefined {
  if (value === undefined || value === Infinity || (Number.isInteger(value) && value >= 1)) return undefined;
  return `${name} must be an integer ≥ 1 (or Infinity), got ${value}.`;
}
