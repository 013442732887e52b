import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, type Workflow } from 'weft';
import { node } from './helpers.js';

/** Every kind of edge: start → (fan-out) a, b → (fan-in) joined → (switch) yes | no → (conditional) end. */
function everyKind(selective = false): Workflow {
  const start = node('start');
  const [a, b, yes, no, end] = [node('a'), node('b'), node('yes'), node('no'), node('end')];
  const joined = node('joined', z.array(z.unknown()));
  return new WorkflowBuilder({ name: 'chart', start })
    .addFanOut(start, [a, b], selective ? { select: (_, targets) => targets } : {})
    .addFanIn([a, b], joined)
    .addSwitch(joined, [{ when: () => true, to: yes }, { otherwise: no }])
    .addEdge(yes, end, { when: () => true })
    .addEdge(no, end)
    .build();
}

/** The chart's lines without their indentation. */
const linesOf = (chart: string): string[] => chart.split('\n').map((line) => line.trim());

/** The Mermaid node id drawn for an executor id, read from its node line. */
function nodeId(chart: string, id: string): string {
  const line = chart.split('\n').find((l) => l.includes(`"${id}"`) && /^\s+n\d+[[(]/.test(l));
  if (line === undefined) throw new Error(`no node line for "${id}" in:\n${chart}`);
  return (line.trim().match(/^(n\d+)/) as RegExpMatchArray)[1] as string;
}

describe('Workflow.toMermaid()', () => {
  it('starts with a top-down flowchart header', () => {
    expect(everyKind().toMermaid().split('\n')[0]).toBe('flowchart TD');
  });

  it('draws one labelled node per executor, the start as a stadium', () => {
    const chart = everyKind().toMermaid();
    const lines = linesOf(chart);
    for (const id of ['a', 'b', 'joined', 'yes', 'no', 'end']) {
      expect(lines).toContain(`${nodeId(chart, id)}["${id}"]`);
    }
    expect(lines).toContain(`${nodeId(chart, 'start')}(["start"])`);
    expect(new Set(['start', 'a', 'b', 'joined', 'yes', 'no', 'end'].map((id) => nodeId(chart, id))).size).toBe(7);
  });

  it('draws an arrow for every edge, marked by kind', () => {
    const chart = everyKind().toMermaid();
    const lines = linesOf(chart);
    const n = (id: string): string => nodeId(chart, id);
    expect(lines).toContain(`${n('start')} -->|fan-out| ${n('a')}`);
    expect(lines).toContain(`${n('start')} -->|fan-out| ${n('b')}`);
    expect(lines).toContain(`${n('a')} ==>|fan-in| ${n('joined')}`);
    expect(lines).toContain(`${n('b')} ==>|fan-in| ${n('joined')}`);
    expect(lines).toContain(`${n('joined')} -->|case 1| ${n('yes')}`);
    expect(lines).toContain(`${n('joined')} -->|otherwise| ${n('no')}`);
    expect(lines).toContain(`${n('yes')} -.->|when| ${n('end')}`);
    expect(lines).toContain(`${n('no')} --> ${n('end')}`);
    expect(lines).toHaveLength(1 + 7 + 8);
  });

  it('marks a selective fan-out', () => {
    const chart = everyKind(true).toMermaid();
    expect(linesOf(chart)).toContain(`${nodeId(chart, 'start')} -->|select| ${nodeId(chart, 'a')}`);
    expect(chart).not.toContain('|fan-out|');
  });

  it('keeps ids with slashes, quotes, spaces and brackets out of the syntax', () => {
    const ids = ['analysis/aggregator', 'say "hi"', 'a b', 'x[1]-->y', 'end;'];
    const start = node(ids[0] as string);
    const builder = new WorkflowBuilder({ name: 'odd', start });
    for (const id of ids.slice(1)) builder.addEdge(start, node(id));
    const chart = builder.build().toMermaid();
    const lines = linesOf(chart).slice(1);
    expect(lines.filter((line) => line.includes('-->') && !line.includes('"'))).toHaveLength(ids.length - 1);
    for (const line of lines) {
      // a node with one quoted label, an edge between generated node ids, or a (quoted) subgraph around prefixed ids
      expect(line).toMatch(/^n\d+(\(\["[^"]*"\]\)|\["[^"]*"\])$|^n\d+ --> n\d+$|^subgraph \w+ \["[^"]*"\]$|^end$/);
    }
    for (const id of ids) expect(() => nodeId(chart, id.replace(/"/g, '#quot;'))).not.toThrow();
    expect(chart).toContain('["analysis/aggregator"]');
    expect(chart).toContain('["say #quot;hi#quot;"]');
    expect(chart).toContain('["x[1]-->y"]');
  });
});
