/**
 * Counts free slots; `acquire` stays synchronous while a slot is free, so sync handlers never wait on a promise.
 * With a parent, a slot is taken from both: a nested run honours its own cap and every cap above it.
 */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(
    limit: number,
    private readonly parent?: Semaphore | undefined,
  ) {
    this.free = limit;
  }

  /** Undefined when a slot was taken at once; otherwise a promise that resolves once one is. */
  acquire(): Promise<void> | undefined {
    if (this.free > 0) {
      this.free--;
      return this.parent?.acquire();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.parent?.acquire());
  }

  release(): void {
    this.parent?.release();
    const next = this.waiting.shift();
    if (next === undefined) this.free++;
    else next();
  }
}
