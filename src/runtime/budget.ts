import { BudgetExceededError } from '../errors.js';
import type { Budget, BudgetLedger } from '../model/types.js';

/**
 * The token ledger of one run, shared by its nested workflows and every branch, charged at once (not staged:
 * tokens spent are spent). A soft cap: a charge is accepted while anything remains, even if it goes over;
 * once nothing remains, every further charge is refused.
 */
export class RunBudget {
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
    if (this.limit !== null && this.spent >= this.limit) {
      this.onExceeded(executorId, path, true);
      throw new BudgetExceededError(this.limit, this.spent, { runId: this.runId, executorId });
    }
    this.record(executorId, path, tokens);
  }

  /** Records usage of work that was already under way: never refused, so the ledger stays true. */
  record(executorId: string, path: readonly string[], tokens: number): void {
    this.check(executorId, tokens);
    const before = this.spent;
    this.spent += tokens;
    if (this.limit !== null && before < this.limit && this.spent >= this.limit) this.onExceeded(executorId, path, false);
  }

  private check(executorId: string, tokens: number): void {
    if (!(Number.isFinite(tokens) && tokens >= 0)) throw new TypeError(`Executor "${executorId}" charged ${tokens} tokens; charge a finite number ≥ 0.`);
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
      get remaining(): number {
        return ledger.remaining;
      },
      get spent(): number {
        return ledger.spent;
      },
    });
  }
}
