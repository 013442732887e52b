/** Children `h` accepts: nodes, text, and nothing (skipped), nested in arrays. */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

type Attributes = Record<string, unknown>;

/**
 * Makes a DOM element: `h('button', { class: 'primary', onclick: go }, 'Go')`. `on*` attributes become listeners,
 * `class`, `style` (a string) and `data-*` attributes are set as attributes, everything else as a property.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Attributes | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attributes);
  append(element, children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** Makes an SVG element; every attribute is set as an attribute. */
export function s(tag: string, attributes?: Attributes | null, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === false || value === null) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value as EventListener);
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element as SVGElement;
}

function apply(element: HTMLElement, attributes: Attributes | null | undefined): void {
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value as EventListener);
    // Through the CSSOM: the console's Content-Security-Policy refuses inline style attributes.
    else if (key === 'style') element.style.cssText = String(value);
    else if (key === 'class' || key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'for' || key === 'title')
      element.setAttribute(key, String(value));
    else (element as unknown as Record<string, unknown>)[key] = value;
  }
}

/** Appends children, flattening arrays and turning text into text nodes. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : (child as Node));
  }
}

/** Replaces an element's children. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A value as short readable JSON for a table cell. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Milliseconds as `850 ms`, `2.4 s`, `3 min 5 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// Made once: toLocaleTimeString builds a formatter per call, which the event log would pay for on every row.
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const day = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric' });

/** A timestamp as local `HH:MM:SS` (with the date when not today). */
export function clock(at: number): string {
  const time = timeOfDay.format(at);
  const date = day.format(at);
  return date === day.format(Date.now()) ? time : `${date} ${time}`;
}
