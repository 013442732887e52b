import type { WireIssue } from '../index.js';

/** One schema issue as the server sends it. */
export type HttpIssue = WireIssue;

/** The server refused a request (or failed): its status and the `{ error: { code, message, issues? } }` it answered. */
export class WeftHttpError extends Error {
  readonly status: number;
  /** The server's error code: `not_found`, `workflow_input_invalid`, `run_not_waiting`, `unauthorized` … */
  readonly code: string;
  /** What failed validation, for 422 answers. */
  readonly issues: readonly HttpIssue[];

  constructor(status: number, code: string, message: string, issues: readonly HttpIssue[] = []) {
    super(message);
    this.name = 'WeftHttpError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/** Reads the error out of a response body, whatever the server (or a proxy in front of it) sent. */
export function toHttpError(status: number, statusText: string, text: string): WeftHttpError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; issues?: unknown } };
    const error = body.error;
    if (typeof error === 'object' && error !== null && typeof error.code === 'string' && typeof error.message === 'string') {
      return new WeftHttpError(status, error.code, error.message, Array.isArray(error.issues) ? (error.issues as HttpIssue[]) : []);
    }
  } catch {
    // not JSON: a proxy's page, a policy's plain-text refusal
  }
  const detail = text.trim().slice(0, 200);
  return new WeftHttpError(
    status,
    `http_${status}`,
    `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}${detail === '' ? '' : `: ${detail}`}`,
  );
}
