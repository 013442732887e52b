import { BudgetExceededError } from '../errors.js';
import type { Budget, BudgetLedger, BudgetReservation } from '../model/types.js';

/** A call waiting for its hold. */
interface Waiting {
  readonly executorId: string;
  readonly path: readonly string[];
  readonly tokens: number | undefined;
  readonly admit: (reservation: BudgetReservation) => void;
  readonly refuse: (error: unknown) => void;
}

/**
 * The token ledger of one run, shared by its nested workflows and every branch, charged at once (not staged:
 * tokens spent are spent). A soft cap: a charge is accepted while anything remains, even if it goes over;
 * once nothing remains, every further charge is refused. Calls about to start hold tokens first (`reserve`), in
 * order, so that many calls started at once overspend by at most about one call.
 */
export class RunBudget {
  /** Tokens held by calls in flight. */
  private reserved = 0;
  private holds = 0;
  /** The largest usage a settled hold charged: what a hold without an estimate takes. */
  private largest: number | undefined;
  private readonly waiting: Waiting[] = [];

  constructor(
    readonly limit: number | null,
    public spent: number,
    private readonly onExceeded: (executorId: string, path: readonly string[], refused: boolean) => void,
    private readonly runId: string,
  ) {}

  get remaining(): number {
    return this.limit === null ? Infinity : Math.max(0, this.limit - this.spent);
  }

  charge(executorId: string, path: readonly string[], tokens: number): void {
    this.check(executorId, tokens);
    if (this.limit !== null && this.spent >= this.limit) throw this.refusal(executorId, path);
    this.record(executorId, path, tokens);
  }

  /** Records usage of work that was already under way: never refused, so the ledger stays true. */
  record(executorId: string, path: readonly string[], tokens: number): void {
    this.check(executorId, tokens);
    const before = this.spent;
    this.spent += tokens;
    if (this.limit !== null && before < this.limit && this.spent >= this.limit) this.onExceeded(executorId, path, false);
  }

  /** Holds tokens for a call about to start; see `Budget.reserve`. */
  reserve(executorId: string, path: readonly string[], tokens: number | undefined, signal: AbortSignal | undefined): Promise<BudgetReservation> {
    if (tokens !== undefined) this.check(executorId, tokens);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<BudgetReservation>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
        this.pump(); // a call that gave up may have held up the queue
      };
      const entry: Waiting = {
        executorId,
        path,
        tokens,
        admit: (reservation) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(reservation);
        },
        refuse: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.pump();
    });
  }

  /** Admits waiting calls in order while the remainder covers their holds; refuses them once nothing remains. */
  private pump(): void {
    for (let next = this.waiting[0]; next !== undefined; next = this.waiting[0]) {
      if (this.limit !== null && this.spent >= this.limit) {
        this.waiting.shift();
        next.refuse(this.refusal(next.executorId, next.path));
        continue;
      }
      const free = this.limit === null ? Infinity : this.limit - this.spent - this.reserved;
      let tokens: number;
      if (this.limit === null) tokens = 0;
      // Nothing says what the call costs: it goes alone, holding all that remains, and its usage tells the next ones.
      else if (next.tokens === undefined && this.largest === undefined) tokens = this.holds > 0 ? Infinity : free;
      else tokens = Math.max(next.tokens ?? 0, this.largest ?? 0);
      // Alone, a call may start with whatever remains (the soft cap); beside others, only if its hold fits.
      if (this.holds > 0 && tokens > free) return;
      this.waiting.shift();
      next.admit(this.hold(next.executorId, next.path, Math.max(0, tokens)));
    }
  }

  private hold(executorId: string, path: readonly string[], tokens: number): BudgetReservation {
    this.reserved += tokens;
    this.holds += 1;
    let open = true;
    const free = (): void => {
      if (!open) return;
      open = false;
      this.reserved -= tokens;
      this.holds -= 1;
    };
    return Object.freeze({
      tokens,
      settle: (usage: { readonly tokens: number }): void => {
        if (!open) return;
        free();
        try {
          this.record(executorId, path, usage.tokens);
          this.largest = Math.max(this.largest ?? 0, usage.tokens);
        } finally {
          this.pump();
        }
      },
      release: (): void => {
        free();
        this.pump();
      },
    });
  }

  private refusal(executorId: string, path: readonly string[]): BudgetExceededError {
    this.onExceeded(executorId, path, true);
    return new BudgetExceededError(this.limit as number, this.spent, { runId: this.runId, executorId });
  }

  private check(executorId: string, tokens: number): void {
    if (!(Number.isFinite(tokens) && tokens >= 0))
      throw new TypeError(`Executor "${executorId}" charged ${tokens} tokens; charge a finite number ≥ 0.`);
  }

  ledger(): BudgetLedger {
    return { limit: this.limit, spent: this.spent };
  }

  /** The view a handler gets as `ctx.budget`. */
  view(executorId: string, path: readonly string[], onTokens?: (tokens: number) => void): Budget {
    const ledger = this;
    return Object.freeze({
      limit: ledger.limit,
      charge: (usage: { readonly tokens: number }): void => {
        ledger.charge(executorId, path, usage.tokens);
        onTokens?.(usage.tokens);
      },
      record: (usage: { readonly tokens: number }): void => {
        ledger.record(executorId, path, usage.tokens);
        onTokens?.(usage.tokens);
      },
      reserve: async (usage?: { readonly tokens?: number }, options?: { readonly signal?: AbortSignal }): Promise<BudgetReservation> => {
        const hold = await ledger.reserve(executorId, path, usage?.tokens, options?.signal);
        if (onTokens === undefined) return hold;
        // What a hold settles is charged by this invocation too (its record replays it).
        return Object.freeze({
          tokens: hold.tokens,
          settle: (spent: { readonly tokens: number }): void => {
            hold.settle(spent);
            onTokens(spent.tokens);
          },
          release: (): void => hold.release(),
        });
      },
      get remaining(): number {
        return ledger.remaining;
      },
      get spent(): number {
        return ledger.spent;
      },
    });
  }
}
