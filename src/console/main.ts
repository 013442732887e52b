// The weft console: a single page over weft/server's HTTP API, routed by the address's fragment.
import { adoptToken } from './api.js';
import { h, mount } from './h.js';
import { runPage } from './views/run.js';
import { runsPage } from './views/runs.js';
import { workflowsPage } from './views/workflows.js';

adoptToken();

const nav = h('nav', { class: 'top-nav' });
const page = h('main', { class: 'page' });
mount(document.body, h('header', { class: 'top' }, h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo' }, '◇'), ' weft'), nav), page);

let leave: (() => void) | undefined;
let generation = 0;

const go = (hash: string): void => {
  if (location.hash === hash) route();
  else location.hash = hash;
};

function route(): void {
  leave?.();
  leave = undefined;
  const mine = ++generation;
  const alive = (): boolean => generation === mine;
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const section = parts[0] ?? 'workflows';
  mount(
    nav,
    h('a', { href: '#/workflows', class: section === 'workflows' ? 'active' : '' }, 'Workflows'),
    h('a', { href: '#/runs', class: section === 'runs' ? 'active' : '' }, 'Runs'),
  );
  page.className = `page page-${section}${parts[1] === undefined ? '' : '-one'}`;
  // Each page draws into a view of its own: a page that answers late (its calls were still out when the address
  // changed) draws into a view no longer in the document, never over the page now shown.
  const view = h('div', { class: 'view' });
  mount(page, view);
  if (section === 'runs' && parts[1] !== undefined) {
    leave = runPage(view, parts[1], go);
  } else if (section === 'runs') {
    void runsPage(view, new URLSearchParams(search), go, alive);
  } else {
    void workflowsPage(view, parts[1], go, alive);
  }
  document.title = `${section === 'runs' ? (parts[1] === undefined ? 'Runs' : `Run ${parts[1].slice(0, 8)}`) : (parts[1] ?? 'Workflows')} · weft`;
}

window.addEventListener('hashchange', route);
route();
