import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromFunction, WorkflowBuilder, type GraphIssue, type Schema } from 'weft';
import { issuesOf, node, summary } from './helpers.js';

/** The issues of a graph src → dst, connected by id so that TypeScript lets mismatched schemas through. */
function directIssues(output: Schema | undefined, input: Schema): readonly GraphIssue[] {
  return issuesOf(
    new WorkflowBuilder({ name: 'compat', start: node('src', z.unknown(), output) }).addExecutor(node('dst', input)).addEdge('src', 'dst'),
  );
}

/** The issues of a graph start → [s1, s2] → fan-in → dst. */
function fanInIssues(outputs: readonly [Schema | undefined, Schema | undefined], input: Schema): readonly GraphIssue[] {
  const start = node('start');
  return issuesOf(
    new WorkflowBuilder({ name: 'fan-in', start })
      .addExecutor(node('s1', z.unknown(), outputs[0]))
      .addExecutor(node('s2', z.unknown(), outputs[1]))
      .addExecutor(node('dst', input))
      .addFanOut(start, ['s1', 's2'])
      .addFanIn(['s1', 's2'], 'dst'),
  );
}

describe('build() schema compatibility: schemas that can never match', () => {
  it.each<[string, Schema, Schema, RegExp]>([
    ['string → number', z.string(), z.number(), /sends string but the target accepts number/],
    [
      'a required object key the source never has',
      z.object({ a: z.string() }),
      z.object({ a: z.string(), b: z.string() }),
      /never sends the key "b", which the target requires/,
    ],
    ["literal 'a' → literal 'b'", z.literal('a'), z.literal('b'), /sends only "a" but the target accepts only "b"/],
    [
      'a nested object key of another type',
      z.object({ a: z.object({ b: z.string() }) }),
      z.object({ a: z.object({ b: z.number() }) }),
      /sends string at "a\.b" but the target accepts number/,
    ],
    ['array elements of another type', z.array(z.string()), z.array(z.number()), /sends string at "\[\]" but the target accepts number/],
    ['an object → a string', z.object({ a: z.string() }), z.string(), /sends object but the target accepts string/],
    ['an optional number → a string', z.number().optional(), z.string(), /sends number \| undefined but the target accepts string/],
    ['an enum → a disjoint enum', z.enum(['a', 'b']), z.enum(['c']), /sends only "a" \| "b" but the target accepts only "c"/],
    ['a missing key in an array of objects', z.array(z.object({})), z.array(z.object({ id: z.string() })), /never sends the key "\[\]\.id"/],
  ])('reports %s', (_, output, input, why) => {
    const issues = directIssues(output, input);
    expect(summary(issues)).toEqual([['incompatible_schemas', ['src', 'dst']]]);
    expect(issues[0]?.message).toMatch(why);
    expect(issues[0]?.message).toMatch(/^"src" → "dst": .*so no message can ever pass\. Fix one of the schemas or insert an adapter between them\.$/);
  });

  it('reports a fan-in target whose schema never accepts an array', () => {
    const issues = fanInIssues([z.string(), z.string()], z.string());
    expect(summary(issues)).toEqual([['incompatible_schemas', ['dst']]]);
    expect(issues[0]?.message).toMatch(/Fan-in target "dst" must accept an array .* Give it an array or tuple schema\./);
  });

  it('reports a fan-in source whose output never fits the array element', () => {
    const issues = fanInIssues([z.string(), z.number()], z.array(z.number()));
    expect(summary(issues)).toEqual([['incompatible_schemas', ['s1', 'dst']]]);
    expect(issues[0]?.message).toMatch(/"s1" → "dst" \(fan-in element 0\): "s1" sends string/);
  });

  it('checks each fan-in source against its own tuple position', () => {
    expect(summary(fanInIssues([z.number(), z.number()], z.tuple([z.number(), z.string()])))).toEqual([['incompatible_schemas', ['s2', 'dst']]]);
    expect(fanInIssues([z.number(), z.string()], z.tuple([z.number(), z.string()]))).toEqual([]);
  });

  it('checks every target of a fan-out, a switch and a chain', () => {
    const start = node('start', z.unknown(), z.string());
    const builder = new WorkflowBuilder({ name: 'kinds', start })
      .addExecutor(node('ok'))
      .addExecutor(node('n1', z.number()))
      .addExecutor(node('n2', z.number()))
      .addExecutor(node('n3', z.number()))
      .addExecutor(node('hop', z.unknown(), z.boolean()))
      .addExecutor(node('n4', z.string()))
      .addFanOut('start', ['ok', 'n1'])
      .addSwitch('start', [{ when: () => true, to: 'n2' }, { otherwise: 'ok' }])
      .addSwitch('ok', [{ when: () => true, to: 'hop' }, { otherwise: 'n3' }])
      .addChain(['ok', 'hop', 'n4']);
    expect(summary(issuesOf(builder))).toEqual([
      ['incompatible_schemas', ['start', 'n1']],
      ['incompatible_schemas', ['start', 'n2']],
      ['incompatible_schemas', ['hop', 'n4']],
    ]);
  });
});

describe('build() schema compatibility: no false positives', () => {
  it.each<[string, Schema | undefined, Schema]>([
    ['number → union of number | string', z.number(), z.union([z.number(), z.string()])],
    ['a union → one of its members', z.union([z.number(), z.string()]), z.number()],
    ['an int → a number', z.int(), z.number()],
    ["literal 'a' → string", z.literal('a'), z.string()],
    ['an enum → an overlapping literal', z.enum(['a', 'b']), z.literal('b')],
    ['a missing optional key', z.object({ a: z.string() }), z.object({ a: z.string(), b: z.string().optional() })],
    ['a missing nullish key', z.object({ a: z.string() }), z.object({ a: z.string(), b: z.number().nullish() })],
    ['a missing key with a default', z.object({ a: z.string() }), z.object({ a: z.string(), b: z.string().default('x') })],
    ['a missing key with a prefault', z.object({ a: z.string() }), z.object({ a: z.string(), b: z.string().prefault('x') })],
    ['a z.looseObject source missing a required key', z.looseObject({ a: z.string() }), z.object({ a: z.string(), b: z.string() })],
    ['an object with a catchall', z.object({ a: z.string() }).catchall(z.string()), z.object({ b: z.string() })],
    ['an object → a record', z.object({ a: z.string() }), z.record(z.string(), z.string())],
    ['an optional key → a required one (it may be present)', z.object({ a: z.string().optional() }), z.object({ a: z.string() })],
    ['z.any() target', z.string(), z.any()],
    ['z.unknown() target', z.string(), z.unknown()],
    ['z.custom() target', z.string(), z.custom<number>()],
    ['z.any() source', z.any(), z.number()],
    ['z.custom() source', z.custom<string>(), z.number()],
    ['a transform source', z.string().transform((s) => s.length), z.number()],
    ['a pipe whose output fits', z.string().pipe(z.transform((s) => s.length)), z.number()],
    ['a preprocess target', z.string(), z.preprocess((v) => Number(v), z.number())],
    ['a coercing target', z.string(), z.coerce.number()],
    ['a lazy schema', z.string(), z.lazy(() => z.number())],
    ['an intersection', z.string(), z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() }))],
    ['a source without output schema', undefined, z.number()],
    ['nested objects that fit', z.object({ a: z.object({ b: z.literal(1) }) }), z.object({ a: z.object({ b: z.number() }) })],
    ['arrays whose elements fit', z.array(z.literal('x')), z.array(z.string())],
  ])('accepts %s', (_, output, input) => {
    expect(directIssues(output, input)).toEqual([]);
  });

  it('accepts a fromFunction source, which declares no output schema', () => {
    const start = fromFunction('start', (s: string) => s.length);
    const sink = node('sink', z.number());
    expect(issuesOf(new WorkflowBuilder({ name: 'fn', start }).addEdge(start, sink))).toEqual([]);
  });

  it.each<[string, readonly [Schema | undefined, Schema | undefined], Schema]>([
    ['an array of a union', [z.string(), z.number()], z.array(z.union([z.string(), z.number()]))],
    ['a tuple in source order', [z.string(), z.number()], z.tuple([z.string(), z.number()])],
    ['an array of unknown', [z.string(), z.number()], z.array(z.unknown())],
    ['z.any()', [z.string(), z.number()], z.any()],
    ['sources without schemas', [undefined, undefined], z.array(z.number())],
    ['a union that includes an array', [z.string(), z.string()], z.union([z.string(), z.array(z.string())])],
  ])('accepts a fan-in target with %s', (_, outputs, input) => {
    expect(fanInIssues(outputs, input)).toEqual([]);
  });

  it('accepts a fan-in target without an input schema', () => {
    const start = node('start');
    const [s1, s2] = [node('s1', z.unknown(), z.string()), node('s2', z.unknown(), z.number())];
    const sink = fromFunction('sink', (pair: unknown[]) => pair.length);
    expect(issuesOf(new WorkflowBuilder({ name: 'fn', start }).addFanOut(start, [s1, s2]).addFanIn([s1, s2], sink))).toEqual([]);
  });
});
