import { describe, expect, it } from 'vitest';
import { WorkflowBuilder, type ValidationMode, type WorkflowBuilderOptions } from 'weft';
import { buildError, issuesOf, node, summary } from './helpers.js';

type Limits = Pick<WorkflowBuilderOptions<string, unknown>, 'maxSupersteps' | 'maxConcurrency' | 'validate'>;

const builderWith = (options: Limits): WorkflowBuilder => new WorkflowBuilder({ name: 'opts', start: node('a'), ...options });

describe('WorkflowBuilder options', () => {
  it.each<[string, Limits, RegExp]>([
    ['maxSupersteps 0', { maxSupersteps: 0 }, /maxSupersteps must be an integer ≥ 1 \(or Infinity\), got 0\./],
    ['maxSupersteps 1.5', { maxSupersteps: 1.5 }, /maxSupersteps must be an integer ≥ 1 \(or Infinity\), got 1\.5\./],
    ['maxSupersteps -3', { maxSupersteps: -3 }, /maxSupersteps .* got -3\./],
    ['maxSupersteps NaN', { maxSupersteps: Number.NaN }, /maxSupersteps .* got NaN\./],
    ['maxConcurrency 0', { maxConcurrency: 0 }, /maxConcurrency must be an integer ≥ 1 \(or Infinity\), got 0\./],
    ['maxConcurrency 2.5', { maxConcurrency: 2.5 }, /maxConcurrency .* got 2\.5\./],
    ["validate 'x'", { validate: 'x' as unknown as ValidationMode }, /validate must be 'all' or 'edges-only', got "x"\./],
  ])('reports %s as an invalid_option issue of build()', (_, options, message) => {
    const error = buildError(builderWith(options));
    expect(summary(error.issues)).toEqual([['invalid_option', []]]);
    expect(error.issues[0]?.message).toMatch(message);
  });

  it('reports every invalid option at once', () => {
    const issues = issuesOf(builderWith({ maxSupersteps: 0, maxConcurrency: -1, validate: 'sometimes' as unknown as ValidationMode }));
    expect(issues.map((i) => i.message.split(' ')[0])).toEqual(['maxSupersteps', 'maxConcurrency', 'validate']);
  });

  it.each<[string, Limits]>([
    ['maxSupersteps 1', { maxSupersteps: 1 }],
    ['maxSupersteps Infinity', { maxSupersteps: Infinity }],
    ['maxConcurrency 1', { maxConcurrency: 1 }],
    ['maxConcurrency Infinity', { maxConcurrency: Infinity }],
    ["validate 'all'", { validate: 'all' }],
    ["validate 'edges-only'", { validate: 'edges-only' }],
  ])('accepts %s and keeps it in the definition', (_, options) => {
    const definition = builderWith(options).build().definition;
    expect(definition).toMatchObject(options);
  });

  it('uses the documented defaults', () => {
    const definition = builderWith({}).build().definition;
    expect(definition.maxSupersteps).toBe(100);
    expect(definition.maxConcurrency).toBe(Infinity);
    expect(definition.validate).toBe('all');
    expect(definition.outputSchema).toBeUndefined();
  });

  it('throws a TypeError at once for a missing or empty name', () => {
    expect(() => new WorkflowBuilder({ name: '', start: node('a') })).toThrow(TypeError);
    expect(() => new WorkflowBuilder({ name: '', start: node('a') })).toThrow(
      /non-empty name: new WorkflowBuilder\(\{ name: "my-workflow", start \}\)/,
    );
    expect(() => new WorkflowBuilder({ name: undefined as unknown as string, start: node('a') })).toThrow(TypeError);
  });
});
