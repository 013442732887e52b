import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GraphValidationError, isWeftError, WeftError, WorkflowBuilder } from 'weft';
import { buildError, issuesOf, node, summary } from './helpers.js';

const yes = (): boolean => true;

describe('build() graph validation', () => {
  it('builds a valid graph without issues', () => {
    const a = node('a');
    const b = node('b');
    expect(issuesOf(new WorkflowBuilder({ name: 'ok', start: a }).addEdge(a, b))).toEqual([]);
  });

  it('throws a GraphValidationError, a branded WeftError with code graph_invalid', () => {
    const error = buildError(new WorkflowBuilder({ name: 'broken', start: node('a') }).addExecutor(node('lonely')));
    expect(error).toBeInstanceOf(GraphValidationError);
    expect(error).toBeInstanceOf(WeftError);
    expect(isWeftError(error)).toBe(true);
    expect(error.code).toBe('graph_invalid');
    expect(error.name).toBe('GraphValidationError');
    expect(error.message).toContain('Workflow "broken" is invalid (1 issue)');
  });

  it('accepts the same executor object added many times', () => {
    const a = node('a');
    const b = node('b');
    expect(issuesOf(new WorkflowBuilder({ name: 'same', start: a }).addExecutor(a).addExecutor(b).addExecutor(b).addEdge(a, b))).toEqual([]);
  });

  it('reports two different executors with the same id', () => {
    const a = node('a');
    const first = node('twin');
    const second = node('twin');
    const error = buildError(new WorkflowBuilder({ name: 'dup', start: a }).addEdge(a, first).addExecutor(second));
    expect(summary(error.issues)).toEqual([['duplicate_executor', ['twin']]]);
    expect(error.issues[0]?.message).toMatch(/"twin".*unique id/);
  });

  it('reports an edge added twice', () => {
    const a = node('a');
    const b = node('b');
    const error = buildError(new WorkflowBuilder({ name: 'dup-edge', start: a }).addEdge(a, b).addEdge(a, b));
    expect(summary(error.issues)).toEqual([['duplicate_edge', ['a', 'b']]]);
    expect(error.issues[0]?.message).toMatch(/"direct:a->b" is added twice\. Remove one/);
  });

  it('reports a fan-out that lists the same target twice', () => {
    const a = node('a');
    const b = node('b');
    const c = node('c');
    const error = buildError(new WorkflowBuilder({ name: 'dup-target', start: a }).addFanOut(a, [b, c, b]));
    expect(summary(error.issues)).toEqual([['duplicate_edge', ['b', 'c', 'b']]]);
    expect(error.issues[0]?.message).toMatch(/same executor twice/);
  });

  it('reports every unknown string id, whatever the edge kind', () => {
    const a = node('a');
    const b = node('b', z.array(z.unknown()));
    const builder = new WorkflowBuilder({ name: 'typos', start: a })
      .addExecutor(b)
      .addEdge(a, b)
      .addEdge('a', 'nope')
      .addEdge('ghost', 'b')
      .addFanOut(a, ['b', 'missing-out'])
      .addFanIn(['a', 'missing-in'], b)
      .addSwitch(a, [{ when: yes, to: 'missing-case' }, { otherwise: 'missing-default' }]);
    const error = buildError(builder);
    expect(summary(error.issues)).toEqual([
      ['unknown_executor', ['nope']],
      ['unknown_executor', ['ghost']],
      ['unknown_executor', ['missing-out']],
      ['unknown_executor', ['missing-in']],
      ['unknown_executor', ['missing-case']],
      ['unknown_executor', ['missing-default']],
    ]);
    expect(error.issues[0]?.message).toMatch(/"nope" is not an executor of workflow "typos"\. Add it with builder\.addExecutor/);
  });

  it('reports a string start that was never added', () => {
    const error = buildError(new WorkflowBuilder({ name: 'no-start', start: 'entry' }));
    expect(summary(error.issues)).toEqual([['missing_start', ['entry']]]);
    expect(error.issues[0]?.message).toMatch(/start executor "entry" is not in workflow "no-start"\. Pass the executor object as start, or add it/);
  });

  it('accepts a string start once the executor is added', () => {
    expect(issuesOf(new WorkflowBuilder({ name: 'late-start', start: 'entry' }).addExecutor(node('entry')))).toEqual([]);
  });

  it('reports every executor unreachable from the start, including islands with edges of their own', () => {
    const a = node('a');
    const b = node('b');
    const x = node('x');
    const y = node('y');
    const error = buildError(new WorkflowBuilder({ name: 'islands', start: a }).addEdge(a, b).addEdge(x, y).addEdge(y, a));
    expect(summary(error.issues)).toEqual([
      ['unreachable_executor', ['x']],
      ['unreachable_executor', ['y']],
    ]);
    expect(error.issues[0]?.message).toMatch(/"x" cannot be reached from the start "a"\. Connect it with builder\.addEdge\(from, "x"\) or remove it/);
  });

  it('follows every edge kind when computing reachability', () => {
    const start = node('start');
    const [fanA, fanB, caseT, other, last] = [node('fanA'), node('fanB'), node('caseT'), node('other'), node('last')];
    const joined = node('joined', z.array(z.unknown()));
    const builder = new WorkflowBuilder({ name: 'kinds', start })
      .addFanOut(start, [fanA, fanB])
      .addFanIn([fanA, fanB], joined)
      .addSwitch(joined, [{ when: yes, to: caseT }, { otherwise: other }])
      .addEdge(other, last, { when: yes });
    expect(issuesOf(builder)).toEqual([]);
  });

  it('reports a switch without an otherwise', () => {
    const a = node('a');
    const b = node('b');
    const c = node('c');
    const issues = issuesOf(
      new WorkflowBuilder({ name: 'switch', start: a })
        .addEdge(a, b)
        .addEdge(a, c)
        .addSwitch(a, [{ when: yes, to: b }]),
    );
    expect(summary(issues.filter((i) => i.code === 'switch_without_otherwise'))).toEqual([['switch_without_otherwise', ['a']]]);
    expect(issues.find((i) => i.code === 'switch_without_otherwise')?.message).toMatch(
      /Switch from "a" needs exactly one \{ otherwise: target \}, as its last case/,
    );
  });

  it('reports a switch whose otherwise is not last, or given twice', () => {
    const a = node('a');
    const b = node('b');
    const c = node('c');
    const first = issuesOf(new WorkflowBuilder({ name: 'first', start: a }).addSwitch(a, [{ otherwise: c }, { when: yes, to: b }]));
    expect(summary(first)).toEqual([['switch_without_otherwise', ['a']]]);
    const twice = issuesOf(new WorkflowBuilder({ name: 'twice', start: a }).addSwitch(a, [{ when: yes, to: b }, { otherwise: c }, { otherwise: b }]));
    expect(summary(twice.filter((i) => i.code === 'switch_without_otherwise'))).toEqual([['switch_without_otherwise', ['a']]]);
  });

  it('accepts a switch with cases and a last otherwise, and one with only an otherwise', () => {
    const a = node('a');
    const b = node('b');
    const c = node('c');
    expect(issuesOf(new WorkflowBuilder({ name: 'ok', start: a }).addSwitch(a, [{ when: yes, to: b }, { otherwise: c }]))).toEqual([]);
    expect(issuesOf(new WorkflowBuilder({ name: 'ok', start: a }).addSwitch(a, [{ otherwise: c }]))).toEqual([]);
  });

  it('reports a fan-out or a fan-in with fewer than two ends', () => {
    const a = node('a');
    const b = node('b');
    const c = node('c', z.array(z.unknown()));
    const error = buildError(new WorkflowBuilder({ name: 'thin', start: a }).addFanOut(a, [b]).addFanIn([b], c));
    expect(summary(error.issues)).toEqual([
      ['too_few_ends', ['b']],
      ['too_few_ends', ['b']],
    ]);
    expect(error.issues[0]?.message).toMatch(/Fan-out from "a" has 1 distinct target; it needs at least two\. Use addEdge/);
    expect(error.issues[1]?.message).toMatch(/Fan-in to "c" has 1 distinct source; it needs at least two\. Use addEdge/);
  });

  it('counts distinct ends: a fan-out to [b, b] has too few', () => {
    const a = node('a');
    const b = node('b');
    const b2 = node('c');
    expect(
      summary(
        issuesOf(new WorkflowBuilder({ name: 'same', start: a }).addEdge(a, b2).addFanOut(b2, [b, b])).filter((i) => i.code === 'too_few_ends'),
      ),
    ).toEqual([['too_few_ends', ['b', 'b']]]);
  });

  it('reports a fan-out with no targets', () => {
    const a = node('a');
    expect(summary(issuesOf(new WorkflowBuilder({ name: 'empty', start: a }).addFanOut(a, [])))).toEqual([['too_few_ends', []]]);
  });

  it('reports every problem of a graph in one throw, each issue once, in a numbered message', () => {
    const start = node('start', z.string(), z.string());
    const numbers = node('numbers', z.number());
    const fork = node('fork');
    const single = node('single');
    const left = node('left');
    const right = node('right');
    const builder = new WorkflowBuilder({ name: 'everything', start, maxSupersteps: 0 })
      .addEdge(start, fork)
      .addEdge(start, fork) // duplicate edge
      .addEdge(fork, node('fork')) // duplicate id
      .addEdge(fork, 'nowhere') // unknown id
      .addExecutor(node('island')) // unreachable
      .addSwitch(fork, [{ otherwise: left }, { when: yes, to: right }]) // otherwise not last
      .addFanOut(fork, [single]) // one end
      .addEdge('start', 'numbers') // string → number
      .addExecutor(numbers);
    const error = buildError(builder);
    expect(error.issues.map((i) => i.code).sort()).toEqual(
      [
        'duplicate_edge',
        'duplicate_executor',
        'incompatible_schemas',
        'invalid_option',
        'switch_without_otherwise',
        'too_few_ends',
        'unknown_executor',
        'unreachable_executor',
      ].sort(),
    );
    expect(error.message).toContain(`(${error.issues.length} issues)`);
    error.issues.forEach((issue, index) => expect(error.message).toContain(`  ${index + 1}. ${issue.message}`));
  });

  it('still reports the other problems when the start is missing', () => {
    const a = node('a', z.unknown(), z.string());
    const b = node('b', z.number());
    const c = node('c');
    const builder = new WorkflowBuilder({ name: 'headless', start: 'entry' })
      .addEdge(a, b) // string → number: never passes
      .addEdge(a, c)
      .addEdge(a, c) // duplicate edge
      .addFanOut(a, [c]); // one end
    expect(
      issuesOf(builder)
        .map((i) => i.code)
        .sort(),
    ).toEqual(['duplicate_edge', 'incompatible_schemas', 'missing_start', 'too_few_ends']);
  });

  it('says in every issue which executors it is about and how to fix it', () => {
    const a = node('a', z.unknown(), z.string());
    const builder = new WorkflowBuilder({ name: 'hints', start: a })
      .addEdge(a, node('a'))
      .addEdge('a', 'gone')
      .addExecutor(node('far'))
      .addEdge('a', 'num')
      .addExecutor(node('num', z.number()));
    const error = buildError(builder);
    expect(error.issues.length).toBe(4);
    for (const issue of error.issues) {
      expect(issue.executorIds.length).toBeGreaterThan(0);
      for (const id of issue.executorIds) expect(issue.message).toContain(`"${id}"`);
      expect(issue.message).toMatch(/\b(Give|Add|Connect|Fix|Remove|Pass|Use|Insert|insert)\b/);
    }
  });
});
