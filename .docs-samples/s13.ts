import { ConcurrentBuilder, SequentialBuilder, fromFunction } from 'weft';

const parse = fromFunction('parse', (text: string) => Number(text));
const double = (n: number) => n * 2;
const pipeline = new SequentialBuilder({ name: 'calc', participants: [parse, double] }).build();

const stats = new ConcurrentBuilder({
  name: 'stats',
  participants: [fromFunction('min', (xs: number[]) => Math.min(...xs)), fromFunction('max', (xs: number[]) => Math.max(...xs))],
  aggregate: ([min, max]) => max - min,      // typed [number, number]
}).build();

await pipeline.run('21');                     // outputs: [42]
await stats.run([3, 9, 4]);                   // outputs: [6]