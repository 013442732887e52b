import { describe, expectTypeOf, it } from 'vitest';
import {
  isWeftError,
  type AnyWeftError,
  type BudgetExceededError,
  type CheckpointError,
  type ExecutorError,
  type InternalError,
  type OutputValidationError,
  type TimeoutError,
  type UnknownExecutorError,
  type WeftErrorCode,
} from 'weft';

describe('weft error types', () => {
  it('has one class for every code, and no code without a class', () => {
    expectTypeOf<AnyWeftError['code']>().toEqualTypeOf<WeftErrorCode>();
  });

  it('narrows isWeftError and then code to the class', () => {
    const error: unknown = undefined;
    if (isWeftError(error)) {
      expectTypeOf(error).toEqualTypeOf<AnyWeftError>();
      switch (error.code) {
        case 'executor_failed':
          expectTypeOf(error).toEqualTypeOf<ExecutorError>();
          break;
        case 'unknown_executor':
          expectTypeOf(error).toEqualTypeOf<UnknownExecutorError>();
          break;
        case 'output_invalid':
          expectTypeOf(error).toEqualTypeOf<OutputValidationError>();
          break;
        case 'timeout':
          expectTypeOf(error).toEqualTypeOf<TimeoutError>();
          break;
        case 'internal':
          expectTypeOf(error).toEqualTypeOf<InternalError>();
          break;
        case 'budget_exceeded':
          expectTypeOf(error.spent).toBeNumber();
          expectTypeOf(error).toEqualTypeOf<BudgetExceededError>();
          break;
        case 'checkpoint_invalid':
          expectTypeOf(error.reason).toExtend<string>();
          expectTypeOf(error).toEqualTypeOf<CheckpointError>();
          break;
      }
    }
  });
});
