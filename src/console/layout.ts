// A layered ("Sugiyama") layout for workflow graphs, left to right: break cycles, rank nodes by longest path,
// route long edges through dummy nodes, order each layer by barycentres, then place nodes near their neighbours.
// Pure: no DOM, so that it is tested on its own.

export interface LayoutNode {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

export interface LayoutEdge {
  readonly source: string;
  readonly target: string;
  readonly label?: string;
  readonly dashed?: boolean;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface PlacedNode extends LayoutNode {
  /** Top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly layer: number;
}

export interface PlacedEdge extends LayoutEdge {
  /** From the source's right side to the target's left side (for a back edge, drawn around). */
  readonly points: readonly Point[];
  /** Goes against the flow: it closes a cycle (a loop back to an earlier executor). */
  readonly back: boolean;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly nodes: ReadonlyMap<string, PlacedNode>;
  readonly edges: readonly PlacedEdge[];
}

export interface LayoutOptions {
  /** Horizontal gap between layers. */
  readonly layerGap?: number;
  /** Vertical gap between nodes of a layer. */
  readonly nodeGap?: number;
  readonly margin?: number;
  /** Ranked first when given (the start executor). */
  readonly start?: string;
}

interface Item {
  readonly id: string;
  readonly height: number;
  readonly width: number;
  readonly dummy: boolean;
  layer: number;
  order: number;
  y: number;
}

/** The edges that close cycles, found by depth-first search from `start`, then from every node not reached. */
function backEdges(ids: readonly string[], edges: readonly LayoutEdge[], start: string | undefined): Set<number> {
  const out = new Map<string, number[]>(ids.map((id) => [id, []]));
  edges.forEach((edge, index) => out.get(edge.source)?.push(index));
  const state = new Map<string, 1 | 2>();
  const back = new Set<number>();
  const visit = (root: string): void => {
    // Iterative, so that a long chain cannot overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const outgoing = out.get(top.id) ?? [];
      if (top.next >= outgoing.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const index = outgoing[top.next++] as number;
      const target = (edges[index] as LayoutEdge).target;
      const seen = state.get(target);
      if (seen === 1) back.add(index);
      else if (seen === undefined) {
        state.set(target, 1);
        stack.push({ id: target, next: 0 });
      }
    }
  };
  if (start !== undefined && out.has(start)) visit(start);
  for (const id of ids) if (!state.has(id)) visit(id);
  return back;
}

/** Lays out a graph; unknown edge ends are ignored, self-loops are drawn as back edges. */
export function layeredLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], options: LayoutOptions = {}): Layout {
  const layerGap = options.layerGap ?? 64;
  const nodeGap = options.nodeGap ?? 28;
  const margin = options.margin ?? 16;
  const ids = nodes.map((node) => node.id);
  const known = new Set(ids);
  const valid = edges.filter((edge) => known.has(edge.source) && known.has(edge.target));
  const back = backEdges(ids, valid, options.start);
  // The acyclic graph the ranks come from: back edges reversed, self-loops left out.
  const forward = valid
    .map((edge, index) => (back.has(index) ? { source: edge.target, target: edge.source } : edge))
    .filter((edge) => edge.source !== edge.target);

  // Longest path from the sources: every edge goes at least one layer right.
  const layerOf = new Map<string, number>(ids.map((id) => [id, 0]));
  const incoming = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of forward) incoming.get(edge.target)?.push(edge.source);
  const order = topological(ids, forward);
  for (const id of order) {
    for (const source of incoming.get(id) ?? []) layerOf.set(id, Math.max(layerOf.get(id) ?? 0, (layerOf.get(source) ?? 0) + 1));
  }

  const items = new Map<string, Item>();
  for (const node of nodes)
    items.set(node.id, { id: node.id, width: node.width, height: node.height, dummy: false, layer: layerOf.get(node.id) ?? 0, order: 0, y: 0 });
  // Long edges pass through one dummy per layer they cross, so that they bend around nodes instead of through them.
  const chains: string[][] = [];
  const links: [string, string][] = [];
  forward.forEach((edge, index) => {
    const from = items.get(edge.source) as Item;
    const to = items.get(edge.target) as Item;
    const chain = [from.id];
    for (let layer = from.layer + 1; layer < to.layer; layer++) {
      const id = `\u0000${index}:${layer}`;
      items.set(id, { id, width: 0, height: 8, dummy: true, layer, order: 0, y: 0 });
      chain.push(id);
    }
    chain.push(to.id);
    chains.push(chain);
    for (let i = 1; i < chain.length; i++) links.push([chain[i - 1] as string, chain[i] as string]);
  });

  const layers: Item[][] = [];
  for (const item of items.values()) (layers[item.layer] ??= []).push(item);
  for (const layer of layers) layer?.forEach((item, index) => (item.order = index));
  const up = new Map<string, Item[]>();
  const down = new Map<string, Item[]>();
  for (const [a, b] of links) {
    (down.get(a) ?? down.set(a, []).get(a))?.push(items.get(b) as Item);
    (up.get(b) ?? up.set(b, []).get(b))?.push(items.get(a) as Item);
  }
  const barycentre = (item: Item, neighbours: Map<string, Item[]>): number => {
    const list = neighbours.get(item.id) ?? [];
    return list.length === 0 ? item.order : list.reduce((sum, other) => sum + other.order, 0) / list.length;
  };
  for (let sweep = 0; sweep < 8; sweep++) {
    const downward = sweep % 2 === 0;
    const sequence = downward ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of sequence) {
      if (layer === undefined) continue;
      const keys = new Map(layer.map((item) => [item, barycentre(item, downward ? up : down)]));
      layer.sort((a, b) => (keys.get(a) as number) - (keys.get(b) as number) || a.order - b.order);
      layer.forEach((item, index) => (item.order = index));
    }
  }

  // Vertical placement: pack each layer, then pull nodes toward their neighbours' centres, keeping order and gaps.
  for (const layer of layers) {
    let y = 0;
    for (const item of layer ?? []) {
      item.y = y;
      y += item.height + (item.dummy ? nodeGap / 2 : nodeGap);
    }
  }
  const centre = (item: Item): number => item.y + item.height / 2;
  for (let round = 0; round < 12; round++) {
    const sequence = round % 2 === 0 ? layers : [...layers].reverse();
    for (const layer of sequence) {
      if (layer === undefined) continue;
      const wanted = layer.map((item) => {
        const neighbours = [...(up.get(item.id) ?? []), ...(down.get(item.id) ?? [])];
        return neighbours.length === 0 ? item.y : neighbours.reduce((sum, other) => sum + centre(other), 0) / neighbours.length - item.height / 2;
      });
      separate(layer, wanted, nodeGap);
    }
  }
  const top = Math.min(...[...items.values()].map((item) => item.y));
  for (const item of items.values()) item.y += margin - top;

  // Horizontal: each layer as wide as its widest node.
  const layerX: number[] = [];
  let x = margin;
  for (const layer of layers) {
    layerX.push(x);
    x += Math.max(0, ...(layer ?? []).map((item) => item.width)) + layerGap;
  }

  const placed = new Map<string, PlacedNode>();
  for (const node of nodes) {
    const item = items.get(node.id) as Item;
    const layerWidth = Math.max(0, ...(layers[item.layer] ?? []).map((other) => other.width));
    placed.set(node.id, { ...node, x: (layerX[item.layer] ?? margin) + (layerWidth - node.width) / 2, y: item.y, layer: item.layer });
  }
  const pointOf = (item: Item): Point => ({
    x: (layerX[item.layer] ?? 0) + Math.max(0, ...(layers[item.layer] ?? []).map((other) => other.width)) / 2,
    y: centre(item),
  });

  let chainIndex = 0;
  const routed: PlacedEdge[] = valid.map((edge, index) => {
    const source = placed.get(edge.source) as PlacedNode;
    const target = placed.get(edge.target) as PlacedNode;
    if (edge.source === edge.target) {
      const loopTop = source.y - 14;
      return {
        ...edge,
        back: true,
        points: [
          { x: source.x + source.width, y: source.y + source.height / 3 },
          { x: source.x + source.width + 16, y: loopTop },
          { x: source.x - 16, y: loopTop },
          { x: source.x, y: source.y + source.height / 3 },
        ],
      };
    }
    const chain = chains[chainIndex++] as string[];
    const middle = chain.slice(1, -1).map((id) => pointOf(items.get(id) as Item));
    if (!back.has(index)) {
      return {
        ...edge,
        back: false,
        points: [{ x: source.x + source.width, y: source.y + source.height / 2 }, ...middle, { x: target.x, y: target.y + target.height / 2 }],
      };
    }
    // A back edge leaves the source's bottom and comes into the target's bottom, below everything between them.
    const bottom = Math.max(source.y + source.height, target.y + target.height, ...middle.map((point) => point.y)) + 18;
    return {
      ...edge,
      back: true,
      points: [
        { x: source.x + source.width / 2, y: source.y + source.height },
        { x: source.x + source.width / 2, y: bottom },
        { x: target.x + target.width / 2, y: bottom },
        { x: target.x + target.width / 2, y: target.y + target.height },
      ],
    };
  });

  const width = x - layerGap + margin;
  const height =
    Math.max(...[...items.values()].map((item) => item.y + item.height), ...routed.flatMap((edge) => edge.points.map((point) => point.y))) + margin;
  return { width: Math.max(width, 2 * margin), height: Math.max(height, 2 * margin), nodes: placed, edges: routed };
}

/** Kahn's order of an acyclic graph (nodes in a cycle, which cannot happen here, come last). */
function topological(ids: readonly string[], edges: readonly { source: string; target: string }[]): string[] {
  const indegree = new Map<string, number>(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) {
    indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
    out.get(edge.source)?.push(edge.target);
  }
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const result: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    result.push(id);
    for (const next of out.get(id) ?? []) {
      const left = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const placed = new Set(result);
  for (const id of ids) if (!placed.has(id)) result.push(id);
  return result;
}

/** Moves a layer's items as close to `wanted` as their order and the gap allow (average of a forward and a backward pass). */
function separate(layer: Item[], wanted: readonly number[], gap: number): void {
  const gapAfter = (item: Item): number => item.height + (item.dummy ? gap / 2 : gap);
  const forward: number[] = [];
  layer.forEach((_item, index) => {
    const previous = index === 0 ? undefined : (layer[index - 1] as Item);
    const floor = previous === undefined ? -Infinity : (forward[index - 1] as number) + gapAfter(previous);
    forward.push(Math.max(wanted[index] as number, floor));
  });
  const backward: number[] = new Array<number>(layer.length);
  for (let index = layer.length - 1; index >= 0; index--) {
    const item = layer[index] as Item;
    const ceiling = index === layer.length - 1 ? Infinity : (backward[index + 1] as number) - gapAfter(item);
    backward[index] = Math.min(wanted[index] as number, ceiling);
  }
  // The average of two placements that each keep the gaps keeps them too.
  layer.forEach((item, index) => {
    item.y = ((forward[index] as number) + (backward[index] as number)) / 2;
  });
}
