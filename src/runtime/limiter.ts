/** Options of {@link createLimiter}. */
export interface LimiterOptions {
  /** At most this many invocations hold the limiter at once. */
  readonly concurrency: number;
  /** At most this many invocations start in any one-second window. */
  readonly perSecond?: number;
}

/** A limit shared by every run and executor given it (a provider's rate limit, say); the scheduler honours it. */
export interface Limiter {
  readonly concurrency: number;
  readonly perSecond: number | undefined;
  /** Invocations holding the limiter right now. */
  readonly active: number;
  /** Undefined when a slot was taken at once; otherwise resolves once one is. */
  acquire(): Promise<void> | undefined;
  release(): void;
}

/**
 * Creates a limiter to share between runs and executors: pass it as `limiter` to `run()` / `start()` (every
 * invocation of the run) or to `executor({ limiter })` (every invocation of that executor, in any run).
 * @example
 * const openai = createLimiter({ concurrency: 8, perSecond: 20 });
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const { concurrency, perSecond } = options;
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new TypeError(`createLimiter: concurrency must be an integer ≥ 1, got ${concurrency}.`);
  if (perSecond !== undefined && !(perSecond > 0)) throw new TypeError(`createLimiter: perSecond must be a positive number, got ${perSecond}.`);
  const waiting: (() => void)[] = [];
  const starts: number[] = []; // start times within the last second, oldest first
  let active = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const rateDelay = (): number => {
    if (perSecond === undefined) return 0;
    const now = Date.now();
    while (starts.length > 0 && (starts[0] as number) <= now - 1000) starts.shift();
    return starts.length < perSecond ? 0 : (starts[0] as number) + 1000 - now;
  };
  const take = (): void => {
    active++;
    if (perSecond !== undefined) starts.push(Date.now());
  };
  const drain = (): void => {
    while (waiting.length > 0 && active < concurrency) {
      const delay = rateDelay();
      if (delay > 0) {
        if (timer === undefined) {
          timer = setTimeout(() => {
            timer = undefined;
            drain();
          }, delay);
        }
        return;
      }
      take();
      (waiting.shift() as () => void)();
    }
  };

  return {
    concurrency,
    perSecond,
    get active() {
      return active;
    },
    acquire() {
      if (waiting.length === 0 && active < concurrency && rateDelay() === 0) {
        take();
        return undefined;
      }
      const slot = new Promise<void>((resolve) => waiting.push(resolve));
      drain();
      return slot;
    },
    release() {
      active--;
      drain();
    },
  };
}
