import type { AnyExecutor, WorkflowDefinition } from './types.js';

const quote = (text: string): string => `"${text.replace(/"/g, '#quot;')}"`;

interface PrefixNode {
  readonly children: Map<string, PrefixNode>;
  readonly executors: AnyExecutor[];
}

/** Groups executors by their id prefixes (`analysis/aggregator` lives in `analysis`), keeping graph order. */
function prefixTree(executors: readonly AnyExecutor[]): PrefixNode {
  const root: PrefixNode = { children: new Map(), executors: [] };
  for (const e of executors) {
    let node = root;
    for (const segment of e.id.split('/').slice(0, -1)) {
      let child = node.children.get(segment);
      if (child === undefined) node.children.set(segment, (child = { children: new Map(), executors: [] }));
      node = child;
    }
    node.executors.push(e);
  }
  return root;
}

function render(definition: WorkflowDefinition, ns: string, indent: string, lines: string[]): void {
  const node = new Map(definition.executors.map((e, index) => [e.id, `${ns}${index}`]));
  const ref = (id: string): string => node.get(id) ?? quote(id);
  let groups = 0;
  const emit = (tree: PrefixNode, pad: string): void => {
    for (const [segment, child] of tree.children) {
      lines.push(`${pad}subgraph ${ns}g${groups++} [${quote(segment)}]`);
      emit(child, `${pad}  `);
      lines.push(`${pad}end`);
    }
    for (const e of tree.executors) {
      if (e.workflow !== undefined) {
        lines.push(`${pad}subgraph ${ref(e.id)} [${quote(`${e.id} ⟨${e.workflow.name}⟩`)}]`);
        render(e.workflow, `${ref(e.id)}_`, `${pad}  `, lines);
        lines.push(`${pad}end`);
      } else {
        lines.push(`${pad}${ref(e.id)}${e.id === definition.start ? `([${quote(e.id)}])` : `[${quote(e.id)}]`}`);
      }
    }
  };
  emit(prefixTree(definition.executors), indent);
  for (const edge of definition.edges) {
    switch (edge.kind) {
      case 'direct':
        lines.push(
          edge.when === undefined
            ? `${indent}${ref(edge.source)} --> ${ref(edge.target)}`
            : `${indent}${ref(edge.source)} -.->|when| ${ref(edge.target)}`,
        );
        break;
      case 'fan-out':
        for (const target of edge.targets)
          lines.push(`${indent}${ref(edge.source)} -->|${edge.select === undefined ? 'fan-out' : 'select'}| ${ref(target)}`);
        break;
      case 'fan-in':
        for (const source of edge.sources) lines.push(`${indent}${ref(source)} ==>|fan-in| ${ref(edge.target)}`);
        break;
      case 'switch':
        edge.cases.forEach((c, index) => lines.push(`${indent}${ref(edge.source)} -->|case ${index + 1}| ${ref(c.target)}`));
        lines.push(`${indent}${ref(edge.source)} -->|otherwise| ${ref(edge.otherwise)}`);
        break;
    }
  }
}

/**
 * Draws the graph as a Mermaid flowchart: ids become labels so any id is safe, prefixed fragments
 * (`analysis/…`) become subgraphs, and nested workflows become clusters holding their own graph.
 */
export function toMermaid(definition: WorkflowDefinition): string {
  const lines = ['flowchart TD'];
  render(definition, 'n', '  ', lines);
  return lines.join('\n');
}
