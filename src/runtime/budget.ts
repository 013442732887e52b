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
    private readonly onExceeded: (executorId: string, refused: boolean) => void,
    private readonly runId: string,
  ) {}

  get remaining(): number {
    return this.limit === null ? Infinity : Math.max(0, this.limit - this.spent);
  }

  charge(executorId: string, tokens: number): void {
    if (!(Number.isFinite(tokens) && tokens >= 0)) throw new TypeError(`Executor "${executorId}" charged ${tokens} tokens; charge a finite number ≥ 0.`);
    if (this.limit !== null && this.spent >= this.limit) {
      this.onExceeded(executorId, true);
      throw new BudgetExceededError(this.limit, this.spent, { runId: this.runId, executorId });
    }
    this.spent += tokens;
    if (this.limit !== null && this.spent >= this.limit) this.onExceeded(executorId, false);
  }

  ledger(): BudgetLedger {
    return { limit: this.limit, spent: this.spent };
  }

  /** The view a handler gets as `ctx.budget`. */
  view(executorId: string): Budget {
    const ledger = this;
    return Object.freeze({
      limit: ledger.limit,
      charge: (usage: { readonly tokens: number }): void => ledger.charge(executorId, usage.tokens),
      get remaining(): number {
        return ledger.remaining;
      },
      get spent(): number {
        return ledger.spent;
      },
    });
  }
}
