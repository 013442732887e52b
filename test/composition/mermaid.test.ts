// toMermaid(): prefixed fragments are drawn as subgraphs, nested workflows as clusters holding their own graph.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrentBuilder, WorkflowBuilder, executor, fromFunction } from 'weft';

/** For every node label, the labels of the subgraphs around it (outermost first), and its Mermaid id. */
function layout(chart: string): Map<string, { id: string; groups: string[] }> {
  const nodes = new Map<string, { id: string; groups: string[] }>();
  const stack: string[] = [];
  for (const raw of chart.split('\n').slice(1)) {
    const line = raw.trim();
    const subgraph = line.match(/^subgraph (\S+) \["(.*)"\]$/);
    if (subgraph !== null) stack.push(subgraph[2] as string);
    else if (line === 'end') stack.pop();
    else {
      const node = line.match(/^(\S+?)(?:\(\["|\[")(.*?)"\]\)?$/);
      if (node !== null) nodes.set(node[2] as string, { id: node[1] as string, groups: [...stack] });
    }
  }
  expect(stack).toEqual([]); // every subgraph is closed
  return nodes;
}

/** The Mermaid id of a subgraph, by its label. */
const subgraphId = (chart: string, label: string): string => {
  const match = chart.match(new RegExp(`subgraph (\\S+) \\["${label.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')}"\\]`));
  if (match === null) throw new Error(`no subgraph "${label}" in:\n${chart}`);
  return match[1] as string;
};

const text = (id: string) => fromFunction(id, (t: string) => t);

function composed() {
  const intake = text('intake');
  const polish = executor({ id: 'polish', input: z.string(), handle: (t, ctx) => ctx.output(t) });
  const reviewFlow = new WorkflowBuilder({ name: 'review-flow', start: text('summarize') }).addEdge('summarize', polish).build();
  const review = reviewFlow.asExecutor({ id: 'review' });
  const builder = new WorkflowBuilder({ name: 'report', start: intake })
    .merge(new ConcurrentBuilder({ name: 'analysis', participants: [text('tone'), text('facts')] }), { prefix: 'analysis' })
    .addEdge(intake, 'analysis/dispatcher')
    .addEdge(
      'analysis/aggregator',
      fromFunction('join', (parts: string[]) => parts.join(' ')),
    )
    .addEdge('join', review);
  return builder.build();
}

describe('toMermaid with composition', () => {
  it('draws a prefixed fragment as a subgraph holding its executors', () => {
    const chart = composed().toMermaid();
    const nodes = layout(chart);
    for (const id of ['analysis/dispatcher', 'analysis/tone', 'analysis/facts', 'analysis/aggregator']) {
      expect(nodes.get(id)?.groups).toEqual(['analysis']);
    }
    for (const id of ['intake', 'join']) expect(nodes.get(id)?.groups).toEqual([]);
    const n = (id: string): string => nodes.get(id)?.id as string;
    const lines = chart.split('\n').map((l) => l.trim());
    expect(lines).toContain(`${n('intake')} --> ${n('analysis/dispatcher')}`);
    expect(lines).toContain(`${n('analysis/dispatcher')} -->|fan-out| ${n('analysis/tone')}`);
    expect(lines).toContain(`${n('analysis/facts')} ==>|fan-in| ${n('analysis/aggregator')}`);
    expect(lines).toContain(`${n('analysis/aggregator')} --> ${n('join')}`);
  });

  it('draws a nested workflow as a cluster holding its own graph, with edges into the cluster', () => {
    const chart = composed().toMermaid();
    const nodes = layout(chart);
    const cluster = 'review ⟨review-flow⟩';
    expect(nodes.get('summarize')?.groups).toEqual([cluster]);
    expect(nodes.get('polish')?.groups).toEqual([cluster]);
    expect(nodes.has('review')).toBe(false); // the cluster stands for the node
    const clusterId = subgraphId(chart, cluster);
    const lines = chart.split('\n').map((l) => l.trim());
    expect(lines).toContain(`${nodes.get('join')?.id} --> ${clusterId}`);
    expect(lines).toContain(`${nodes.get('summarize')?.id} --> ${nodes.get('polish')?.id}`);
    // the child's start is drawn as a start, and its node ids cannot clash with the parent's
    expect(lines).toContain(`${nodes.get('summarize')?.id}(["summarize"])`);
    const ids = [...nodes.values()].map((node) => node.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('nests subgraphs for nested prefixes, and clusters inside a prefixed fragment', () => {
    const leaf = new WorkflowBuilder({ name: 'leaf-flow', start: text('leaf') }).build();
    const inner = new WorkflowBuilder({ name: 'inner', start: text('a') }).addEdge('a', leaf.asExecutor({ id: 'deep' }));
    const middle = new WorkflowBuilder({ name: 'middle', start: text('m') }).merge(inner, { prefix: 'p' }).addEdge('m', 'p/a');
    const chart = new WorkflowBuilder({ name: 'outer', start: text('go') }).merge(middle, { prefix: 'q' }).addEdge('go', 'q/m').build().toMermaid();
    const nodes = layout(chart);
    expect(nodes.get('go')?.groups).toEqual([]);
    expect(nodes.get('q/m')?.groups).toEqual(['q']);
    expect(nodes.get('q/p/a')?.groups).toEqual(['q', 'p']);
    expect(nodes.get('leaf')?.groups).toEqual(['q', 'p', 'q/p/deep ⟨leaf-flow⟩']);
  });

  it('draws a graph without prefixes or nesting with no subgraph at all', () => {
    const chart = new WorkflowBuilder({ name: 'flat', start: text('a') }).addEdge('a', text('b')).build().toMermaid();
    expect(chart).not.toContain('subgraph');
  });
});
