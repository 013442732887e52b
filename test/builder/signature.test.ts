import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executor, fromFunction, WorkflowBuilder } from 'weft';
import { node } from './helpers.js';

interface Variant {
  readonly ids?: readonly [string, string, string];
  readonly handlerResult?: number;
  readonly conditional?: boolean;
  readonly kind?: 'direct' | 'fan-out';
  readonly extraEdge?: boolean;
  readonly selective?: boolean;
  readonly functionKind?: boolean;
  readonly start?: 'a' | 'b';
  readonly schemas?: boolean;
}

/** A fresh graph a → b, a → c (fresh executor objects every call), varied in one respect at a time. */
function signature(variant: Variant = {}): string {
  const [ida, idb, idc] = variant.ids ?? ['a', 'b', 'c'];
  const result = variant.handlerResult ?? 1;
  const a = executor({
    id: ida,
    input: variant.schemas === true ? z.string() : z.unknown(),
    output: z.number(),
    handle: (_, ctx) => ctx.send(result),
  });
  const b =
    variant.functionKind === true
      ? fromFunction(idb, () => result)
      : executor({ id: idb, input: z.unknown(), handle: (_, ctx) => ctx.output(result) });
  const c = node(idc);
  const start = variant.start === 'b' ? b : a;
  const builder = new WorkflowBuilder({ name: 'sig', start });
  if (variant.start === 'b') builder.addEdge(b, a);
  if (variant.kind === 'fan-out') builder.addFanOut(a, [b, c], variant.selective === true ? { select: (_, targets) => targets } : {});
  else builder.addEdge(a, b, variant.conditional === true ? { when: () => true } : {}).addEdge(a, c);
  if (variant.extraEdge === true) builder.addEdge(c, b);
  return builder.build().signature;
}

describe('Workflow.signature', () => {
  it('is a non-empty string, also on the definition', () => {
    const workflow = new WorkflowBuilder({ name: 'one', start: node('a') }).build();
    expect(workflow.signature).toMatch(/^[0-9a-f]{8,}$/);
    expect(workflow.definition.signature).toBe(workflow.signature);
  });

  it('is the same when one builder is built twice', () => {
    const a = node('a');
    const builder = new WorkflowBuilder({ name: 'twice', start: a }).addEdge(a, node('b'));
    expect(builder.build().signature).toBe(builder.build().signature);
  });

  it('is the same for the same graph built by a second builder in the same order', () => {
    expect(signature()).toBe(signature());
  });

  it('is not affected by handler bodies, schemas or the workflow name', () => {
    expect(signature({ handlerResult: 2 })).toBe(signature());
    expect(signature({ schemas: true })).toBe(signature());
    const a = node('a');
    expect(new WorkflowBuilder({ name: 'x', start: a }).build().signature).toBe(
      new WorkflowBuilder({ name: 'y', start: node('a') }).build().signature,
    );
  });

  it.each<[string, Variant]>([
    ['an edge is added', { extraEdge: true }],
    ['an id changes', { ids: ['a', 'b', 'c2'] }],
    ['an edge kind changes (two direct edges → one fan-out)', { kind: 'fan-out' }],
    ["a direct edge's condition appears", { conditional: true }],
    ["a fan-out's selector appears", { kind: 'fan-out', selective: true }],
    ['an executor kind changes', { functionKind: true }],
    ['the start changes', { start: 'b' }],
  ])('changes when %s', (_, variant) => {
    expect(signature(variant)).not.toBe(signature());
  });

  it('tells the selective fan-out from the plain one', () => {
    expect(signature({ kind: 'fan-out', selective: true })).not.toBe(signature({ kind: 'fan-out' }));
  });

  it('changes when the target order of a switch changes', () => {
    const build = (swap: boolean): string => {
      const [a, b, c] = [node('a'), node('b'), node('c')];
      return new WorkflowBuilder({ name: 'switch', start: a })
        .addSwitch(a, [{ when: () => true, to: swap ? c : b }, { otherwise: swap ? b : c }])
        .build().signature;
    };
    expect(build(false)).toBe(build(false));
    expect(build(true)).not.toBe(build(false));
  });
});
