import { ApiError, setToken } from '../api.js';
import { h, preview } from '../h.js';
import type { JsonSchema, RunStatus } from '../types.js';

/** A status as a coloured badge. */
export const badge = (status: RunStatus | string): HTMLElement => h('span', { class: `badge status-${status}` }, status);

/** JSON, pretty-printed in a scrollable block. */
export const json = (value: unknown, className = 'json-block'): HTMLElement => {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  } catch {
    text = String(value);
  }
  return h('pre', { class: className }, text);
};

/** A value in a table cell: short, with the whole of it on hover. */
export const cell = (value: unknown): HTMLElement => h('code', { class: 'value', title: preview(value, 2000) }, preview(value));

/** What went wrong while loading a page; a 401 asks for the token instead. */
export function problem(error: unknown, retry: () => void): HTMLElement {
  if (error instanceof ApiError && error.status === 401) {
    const input = h('input', { type: 'password', placeholder: 'token', autocomplete: 'off', 'aria-label': 'token' }) as HTMLInputElement;
    const form = h(
      'form',
      { class: 'login' },
      h('h2', null, 'This server needs a token'),
      h('p', null, 'Paste the bearer token the server was started with (WEFT_TOKEN). It is kept in this tab only.'),
      input,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      setToken(input.value.trim());
      retry();
    });
    return form;
  }
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('strong', null, error instanceof ApiError ? `${error.code}: ` : 'Error: '),
    error instanceof Error ? error.message : String(error),
  );
}

/** A JSON Schema from the server (typed `unknown` there) as the subset the console reads; undefined for none. */
export const schemaOf = (value: unknown): JsonSchema | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;

/** A short summary of a JSON Schema: `{ orderId: string, amount: number }`. */
export function schemaSummary(schema: JsonSchema | undefined): string {
  if (schema === undefined) return 'no schema';
  const type = typeof schema.type === 'string' || schema.type === undefined ? schema.type : schema.type.join(' | ');
  if (schema.properties !== undefined) {
    const fields = Object.entries(schema.properties).map(
      ([key, value]) => `${key}${schema.required?.includes(key) === true ? '' : '?'}: ${schemaSummary(value)}`,
    );
    return `{ ${fields.join(', ')} }`;
  }
  if (schema.enum !== undefined) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (type === 'array') return `${schemaSummary(schema.items)}[]`;
  if (schema.anyOf !== undefined) return schema.anyOf.map(schemaSummary).join(' | ');
  return type ?? 'any';
}
