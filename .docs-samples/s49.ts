import { parallel } from 'weft';

const both = parallel([(n: number) => n + 1, (n: number) => n * 2], { id: 'both' });
const graph = both.toWorkflow();                       // a Workflow<number, [number, number]>
console.log((await graph.run(5)).outputs);             // [[6, 10]]
console.log(graph.describe().executors.map((e) => e.id)); // ['dispatch', 'branch-1', 'branch-2', 'gather']