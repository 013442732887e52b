import { s } from './h.js';
import { layeredLayout, type Layout, type LayoutEdge, type Point } from './layout.js';
import type { EdgeDescription, ExecutorDetail, GraphDetail } from './types.js';

/** How a node looks in a run: what its executor did last. */
export type NodeStatus = 'running' | 'completed' | 'failed' | 'waiting' | 'retried';

export interface GraphViewOptions {
  /** Paths (`parent/child`) of the nested graphs shown expanded. */
  readonly expanded: ReadonlySet<string>;
  readonly onToggle: (path: string) => void;
  readonly onSelect: (path: string, executor: ExecutorDetail) => void;
  readonly selected?: string | undefined;
  /** By executor path (`a/b`), for a run's graph. */
  readonly status?: ReadonlyMap<string, NodeStatus>;
}

const FONT = 7.4; // px per character at the node font size
const HEADER = 26;
const PAD = 14;

/** The edges of a description as drawable edges: switch cases and fan-in / fan-out labelled. */
export function drawableEdges(edges: readonly EdgeDescription[]): LayoutEdge[] {
  return edges.flatMap((edge): LayoutEdge[] => {
    switch (edge.kind) {
      case 'direct':
        return [{ source: edge.source, target: edge.target, ...(edge.conditional ? { label: 'when', dashed: true } : {}) }];
      case 'fan-out':
        return edge.targets.map((target) => ({ source: edge.source, target, label: edge.selective ? 'select' : 'fan-out', dashed: edge.selective }));
      case 'fan-in':
        return edge.sources.map((source) => ({ source, target: edge.target, label: 'fan-in' }));
      case 'switch':
        return [
          ...edge.cases.map((target, index) => ({ source: edge.source, target, label: `case ${index + 1}` })),
          { source: edge.source, target: edge.otherwise, label: 'otherwise', dashed: true },
        ];
    }
  });
}

interface Sized {
  readonly layout: Layout;
  /** Nested layouts of the expanded executors, by id. */
  readonly inner: ReadonlyMap<string, Sized>;
}

function size(graph: GraphDetail, path: string, expanded: ReadonlySet<string>): Sized {
  const inner = new Map<string, Sized>();
  const nodes = graph.executors.map((executor) => {
    const own = `${path}${executor.id}`;
    const labelWidth = Math.max(executor.id.length, executor.kind.length + 4) * FONT + 2 * PAD + (executor.graph === undefined ? 0 : 22);
    if (executor.graph !== undefined && expanded.has(own)) {
      const nested = size(executor.graph, `${own}/`, expanded);
      inner.set(executor.id, nested);
      return { id: executor.id, width: Math.max(labelWidth, nested.layout.width + 2 * 8), height: nested.layout.height + HEADER + 12 };
    }
    return { id: executor.id, width: Math.max(110, labelWidth), height: 46 };
  });
  return { layout: layeredLayout(nodes, drawableEdges(graph.edges), { start: graph.start }), inner };
}

/** A smooth path through the points: horizontal tangents at both ends, as edges leave and enter sideways. */
function curve(points: readonly Point[], back: boolean): string {
  const [first, ...rest] = points as [Point, ...Point[]];
  if (back) return `M${first.x},${first.y} ${rest.map((point) => `L${point.x},${point.y}`).join(' ')}`;
  let d = `M${first.x},${first.y}`;
  let previous = first;
  for (const point of rest) {
    const middle = (previous.x + point.x) / 2;
    d += ` C${middle},${previous.y} ${middle},${point.y} ${point.x},${point.y}`;
    previous = point;
  }
  return d;
}

function draw(graph: GraphDetail, sized: Sized, path: string, options: GraphViewOptions): SVGElement {
  const { layout } = sized;
  const group = s('g');
  for (const edge of layout.edges) {
    const d = curve(edge.points, edge.back);
    group.append(s('path', { d, class: `edge${edge.dashed === true ? ' dashed' : ''}${edge.back ? ' back' : ''}`, 'marker-end': 'url(#arrow)' }));
    if (edge.label !== undefined) {
      const at = edge.points[Math.floor(edge.points.length / 2)] as Point;
      const before = edge.points[Math.floor(edge.points.length / 2) - 1] ?? at;
      group.append(s('text', { class: 'edge-label', x: (at.x + before.x) / 2, y: (at.y + before.y) / 2 - 5, 'text-anchor': 'middle' }, edge.label));
    }
  }
  for (const executor of graph.executors) {
    const node = layout.nodes.get(executor.id);
    if (node === undefined) continue;
    const own = `${path}${executor.id}`;
    const nested = sized.inner.get(executor.id);
    const status = options.status?.get(own);
    const classes = [
      'node',
      `kind-${executor.kind}`,
      executor.id === graph.start ? 'start' : '',
      nested === undefined ? '' : 'expanded',
      options.selected === own ? 'selected' : '',
      status === undefined ? '' : `status-${status}`,
    ];
    const box = s(
      'g',
      {
        class: classes.filter((name) => name !== '').join(' '),
        transform: `translate(${node.x},${node.y})`,
        'data-executor': own,
        tabindex: 0,
        role: 'button',
        'aria-label': `executor ${own}`,
      },
      s('rect', { width: node.width, height: node.height, rx: 8 }),
      s('text', { class: 'node-id', x: PAD, y: 19 }, executor.id),
      nested === undefined
        ? s(
            'text',
            { class: 'node-kind', x: PAD, y: 36 },
            executor.kind + (executor.concurrency > 1 ? ` ×${executor.concurrency}` : '') + (executor.retry === undefined ? '' : ' ↻'),
          )
        : null,
    );
    box.addEventListener('click', (event) => {
      event.stopPropagation();
      options.onSelect(own, executor);
    });
    if (executor.graph !== undefined) {
      const toggle = s(
        'g',
        {
          class: 'toggle',
          transform: `translate(${node.width - 24},6)`,
          'data-toggle': own,
          role: 'button',
          'aria-label': `${nested === undefined ? 'expand' : 'collapse'} ${own}`,
        },
        s('rect', { width: 18, height: 18, rx: 4 }),
        s('text', { x: 9, y: 13.5, 'text-anchor': 'middle' }, nested === undefined ? '+' : '−'),
      );
      toggle.addEventListener('click', (event) => {
        event.stopPropagation();
        options.onToggle(own);
      });
      box.append(toggle);
    }
    if (nested !== undefined && executor.graph !== undefined) {
      const inside = draw(executor.graph, nested, `${own}/`, options);
      inside.setAttribute('transform', `translate(${(node.width - nested.layout.width) / 2},${HEADER})`);
      box.append(inside);
    }
    group.append(box);
  }
  return group;
}

/** The workflow's graph as SVG, laid out in layers, nested graphs drawn inside their executor when expanded. */
export function graphView(graph: GraphDetail, options: GraphViewOptions): SVGElement {
  const sized = size(graph, '', options.expanded);
  const { width, height } = sized.layout;
  return s(
    'svg',
    { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `graph of ${graph.name}` },
    s(
      'defs',
      null,
      s(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
      ),
    ),
    draw(graph, sized, '', options),
  );
}
