import { AgentError, isWeftError } from '../index.js';

const PERMANENT = new Set([
  'AI_LoadAPIKeyError',
  'AI_LoadSettingError',
  'AI_InvalidPromptError',
  'AI_NoSuchModelError',
  'AI_UnsupportedFunctionalityError',
  'AI_InvalidArgumentError',
  'AI_NoSuchProviderError',
  'AI_NoSuchToolError',
]);

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly isRetryable?: unknown;
  readonly statusCode?: unknown;
  readonly lastError?: unknown;
}

const fieldsOf = (error: unknown): ErrorFields => (typeof error === 'object' && error !== null ? (error as ErrorFields) : {});

/**
 * Whether a failed AI SDK call may succeed when tried again: rate limits, overload, timeouts, 5xx and a model's bad
 * output are; a bad request, a missing key or an unknown model are not. Unknown errors (the network) count as retryable.
 */
export function isRetryableAiError(error: unknown): boolean {
  const fields = fieldsOf(error);
  if (fields.name === 'AI_RetryError' && fields.lastError !== undefined) return isRetryableAiError(fields.lastError);
  if (typeof fields.isRetryable === 'boolean') return fields.isRetryable;
  return !(typeof fields.name === 'string' && PERMANENT.has(fields.name));
}

function fixFor(name: unknown, status: number | undefined): string {
  if (name === 'AI_LoadAPIKeyError' || status === 401 || status === 403) return "Check the provider's API key and its permissions.";
  if (name === 'AI_NoSuchModelError' || status === 404) return 'Check the model id.';
  if (name === 'AI_UnsupportedFunctionalityError') return 'Use a model that supports this feature, or leave it out of the call.';
  return 'Fix the prompt or the call settings.';
}

/** Rethrows a retryable failure as it is (weft's `retry` tries again) and a permanent one as an AgentError (no retry). */
export function classifyAiError(error: unknown, agent: string): unknown {
  if (isWeftError(error) || isRetryableAiError(error)) return error;
  const fields = fieldsOf(lastErrorOf(error));
  const status = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const reason = typeof fields.message === 'string' ? fields.message.replace(/[.\s]+$/, '') : String(error);
  return new AgentError(`The model call of agent "${agent}" failed and a retry would not help (${reason}). ${fixFor(fields.name, status)}`, status, {
    executorId: agent,
    cause: error,
  });
}

/** The error that ended an AI SDK retry loop, or the error itself. */
function lastErrorOf(error: unknown): unknown {
  const fields = fieldsOf(error);
  return fields.name === 'AI_RetryError' && fields.lastError !== undefined ? fields.lastError : error;
}
