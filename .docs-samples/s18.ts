import { ExecutorError, isWeftError } from 'weft';

function explain(error: unknown): string {
  if (error instanceof ExecutorError && isWeftError(error.cause)) return `${error.executorId} misused weft: ${error.cause.code}`;
  if (isWeftError(error)) return `${error.code}: ${error.message}`;
  return String(error);
}