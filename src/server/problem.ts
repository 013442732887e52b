import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isWeftError, type RequestError, type SchemaIssue, type WireErrorBody, type WireIssue, type WorkflowInputError } from '../index.js';

/** One issue as served: the path with symbols spelled out, so it survives JSON (the same type the client reads). */
export type ServedIssue = WireIssue;

/** The body of every error response (the same type the client reads). */
export type ErrorBody = WireErrorBody;

/** A refusal with its HTTP status, thrown inside handlers and answered by the app's error handler. */
export class HttpProblem extends Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500;
  readonly code: string;
  readonly issues: readonly SchemaIssue[] | undefined;
  constructor(status: HttpProblem['status'], code: string, message: string, issues?: readonly SchemaIssue[]) {
    super(message);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/** The same answer whether the workflow or run is unknown or only hidden, so that existence never leaks. */
export const notFound = (kind: 'workflow' | 'run', id: string): HttpProblem => new HttpProblem(404, 'not_found', `No ${kind} "${id}".`);

const servedIssues = (issues: readonly SchemaIssue[]): ServedIssue[] =>
  issues.map((issue) => ({ message: issue.message, path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)) }));

export function errorBody(code: string, message: string, issues?: readonly SchemaIssue[]): ErrorBody {
  return { error: { code, message, ...(issues === undefined ? {} : { issues: servedIssues(issues) }) } };
}

const statusCodes: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  429: 'too_many_requests',
};

/** Maps anything thrown in a handler to a response; what is not a known refusal is a 500 that shows nothing of the error. */
export function problemResponse(c: Context, error: unknown, report: (error: unknown) => void): Response {
  if (error instanceof HttpProblem) {
    const response = c.json(errorBody(error.code, error.message, error.issues), error.status);
    // The rest of a refused body was never read: say that the connection ends, rather than keep-alive and then close it.
    if (error.status === 413) response.headers.set('Connection', 'close');
    return response;
  }
  if (error instanceof HTTPException) {
    // A policy's own refusal (hono/bearer-auth, hono/basic-auth …) keeps its headers, such as WWW-Authenticate.
    if (error.res !== undefined) return error.getResponse();
    const status = error.status;
    return new Response(JSON.stringify(errorBody(statusCodes[status] ?? 'http_error', error.message || `HTTP ${status}`)), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  }
  if (isWeftError(error)) {
    switch (error.code) {
      case 'workflow_input_invalid':
        return c.json(errorBody(error.code, error.message, (error as WorkflowInputError).issues), 422);
      case 'request_invalid': {
        const refused = error as RequestError;
        if (refused.reason === 'invalid_response') return c.json(errorBody(refused.reason, refused.message, refused.issues), 422);
        return c.json(errorBody(refused.reason, refused.message), 409);
      }
      case 'not_found':
        return c.json(errorBody('not_found', error.message), 404);
      default:
    }
  }
  report(error);
  return c.json(errorBody('internal_error', 'The server failed to handle the request; its log has the details.'), 500);
}
