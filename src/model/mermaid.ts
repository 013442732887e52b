import type { WorkflowDefinition } from './types.js';

const quote = (text: string): string => `"${text.replace(/"/g, '#quot;')}"`;

/** Draws the graph as a Mermaid flowchart; ids become labels so any id (slashes included) is safe. */
export function toMermaid(definition: WorkflowDefinition): string {
  const node = new Map(definition.executors.map((e, index) => [e.id, `n${index}`]));
  const ref = (id: string): string => node.get(id) ?? quote(id);
  const lines = ['flowchart TD'];
  for (const e of definition.executors) {
    const shape = e.id === definition.start ? `([${quote(e.id)}])` : `[${quote(e.id)}]`;
    lines.push(`  ${ref(e.id)}${shape}`);
  }
  for (const edge of definition.edges) {
    switch (edge.kind) {
      case 'direct':
        lines.push(edge.when === undefined ? `  ${ref(edge.source)} --> ${ref(edge.target)}` : `  ${ref(edge.source)} -.->|when| ${ref(edge.target)}`);
        break;
      case 'fan-out':
        for (const target of edge.targets) lines.push(`  ${ref(edge.source)} -->|${edge.select === undefined ? 'fan-out' : 'select'}| ${ref(target)}`);
        break;
      case 'fan-in':
        for (const source of edge.sources) lines.push(`  ${ref(source)} ==>|fan-in| ${ref(edge.target)}`);
        break;
      case 'switch':
        edge.cases.forEach((c, index) => lines.push(`  ${ref(edge.source)} -->|case ${index + 1}| ${ref(c.target)}`));
        lines.push(`  ${ref(edge.source)} -->|otherwise| ${ref(edge.otherwise)}`);
        break;
    }
  }
  return lines.join('\n');
}
