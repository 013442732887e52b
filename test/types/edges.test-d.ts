import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { executor, fromFunction, WorkflowBuilder, type FanInMessage } from 'weft';

// Senders (input string) and receivers (no output), named after what they send or accept.
const handle = (): void => undefined;
const sendsNumber = executor({ id: 'sends-number', input: z.string(), output: z.number(), handle });
const sendsNumber2 = executor({ id: 'sends-number-2', input: z.string(), output: z.number(), handle });
const sendsString = executor({ id: 'sends-string', input: z.string(), output: z.string(), handle });
const sendsA = executor({ id: 'sends-a', input: z.string(), output: z.literal('a'), handle });
const sendsUnion = executor({ id: 'sends-union', input: z.string(), output: z.union([z.string(), z.number()]), handle });
const sendsUser = executor({ id: 'sends-user', input: z.string(), output: z.object({ id: z.string(), age: z.number() }), handle });
const double = fromFunction('double', (n: number) => n * 2);
const acceptsNumber = executor({ id: 'accepts-number', input: z.number(), handle });
const acceptsString = executor({ id: 'accepts-string', input: z.string(), handle });
const acceptsA = executor({ id: 'accepts-a', input: z.literal('a'), handle });
const acceptsUnion = executor({ id: 'accepts-union', input: z.union([z.number(), z.string()]), handle });
const acceptsId = executor({ id: 'accepts-id', input: z.object({ id: z.string() }), handle });
const acceptsUnknown = executor({ id: 'accepts-unknown', input: z.unknown(), handle });

const builder = new WorkflowBuilder({ name: 'types', start: sendsNumber });

describe('addEdge', () => {
  it('compiles when the source output fits the target input', () => {
    builder.addEdge(sendsNumber, acceptsNumber);
    builder.addEdge(sendsNumber, acceptsUnion); // subtype → union
    builder.addEdge(sendsA, acceptsString); // literal → string
    builder.addEdge(sendsA, acceptsA);
    builder.addEdge(sendsUser, acceptsId); // an object with more keys
    builder.addEdge(sendsNumber, double);
    builder.addEdge(double, acceptsNumber);
    builder.addEdge(sendsString, acceptsUnknown);
  });

  it('does not compile when it does not', () => {
    // @ts-expect-error number → string
    builder.addEdge(sendsNumber, acceptsString);
    // @ts-expect-error string → number
    builder.addEdge(sendsString, double);
    // @ts-expect-error an object without "id"
    builder.addEdge(sendsNumber, acceptsId);
  });

  it('does not compile when the source may send something the target rejects', () => {
    // @ts-expect-error string | number → number
    builder.addEdge(sendsUnion, acceptsNumber);
    // @ts-expect-error string → 'a'
    builder.addEdge(sendsString, acceptsA);
  });

  it('checks against what the target schema accepts, before its transforms', () => {
    const measures = executor({
      id: 'measures',
      input: z.string().transform((s) => s.length),
      handle: (length) => {
        expectTypeOf(length).toEqualTypeOf<number>();
      },
    });
    builder.addEdge(sendsString, measures); // the schema takes strings and hands the handler their length
    // @ts-expect-error the schema rejects numbers, even though the handler receives one
    builder.addEdge(sendsNumber, measures);
  });

  it('types the when predicate by what the source sends', () => {
    builder.addEdge(sendsNumber, acceptsUnion, {
      when: (message) => {
        expectTypeOf(message).toEqualTypeOf<number>();
        return message > 0;
      },
    });
    builder.addEdge(sendsUser, acceptsId, { when: (user) => user.age >= 18 });
    // @ts-expect-error the message is a number
    builder.addEdge(sendsNumber, acceptsNumber, { when: (message) => message.startsWith('x') });
  });

  it('compiles with string ids anywhere, unchecked', () => {
    builder.addEdge('anything', 'else');
    builder.addEdge(sendsNumber, 'accepts-string');
    builder.addEdge('sends-string', acceptsNumber);
    builder.addEdge('a', 'b', {
      when: (message) => {
        expectTypeOf(message).toEqualTypeOf<unknown>();
        return true;
      },
    });
  });
});

describe('addChain', () => {
  it('compiles when every link fits', () => {
    builder.addChain([sendsNumber, double, acceptsNumber]);
    builder.addChain([sendsNumber, double, double, acceptsUnion]);
    builder.addChain([sendsA, acceptsString]);
  });

  it('does not compile with a bad middle link', () => {
    // @ts-expect-error double sends numbers, acceptsString wants strings
    builder.addChain([sendsNumber, double, acceptsString, acceptsNumber]);
    // @ts-expect-error sendsNumber sends numbers, sendsString wants strings
    builder.addChain([sendsNumber, sendsString, acceptsString]);
  });

  it('does not compile with a bad last link', () => {
    // @ts-expect-error double sends numbers
    builder.addChain([sendsNumber, double, acceptsString]);
    // @ts-expect-error string | number → number
    builder.addChain([sendsUnion, acceptsNumber]);
    // @ts-expect-error string → 'a'
    builder.addChain([sendsString, acceptsA]);
  });

  it('compiles with string ids, which are unchecked', () => {
    builder.addChain(['a', 'b', 'c']);
    builder.addChain([sendsNumber, 'b', acceptsString]);
  });
});

describe('addFanOut', () => {
  it('compiles when every target accepts the message', () => {
    builder.addFanOut(sendsNumber, [acceptsNumber, acceptsUnion, double]);
    builder.addFanOut(sendsNumber, [acceptsNumber, 'by-id']);
  });

  it('does not compile when one target cannot accept it', () => {
    // @ts-expect-error acceptsString cannot take a number
    builder.addFanOut(sendsNumber, [acceptsNumber, acceptsString]);
    // @ts-expect-error acceptsNumber cannot take a string
    builder.addFanOut(sendsUnion, [acceptsNumber, acceptsUnion]);
  });

  it('types select by the message', () => {
    builder.addFanOut(sendsNumber, [acceptsNumber, acceptsUnion], {
      select: (message, targets) => {
        expectTypeOf(message).toEqualTypeOf<number>();
        expectTypeOf(targets).toEqualTypeOf<readonly string[]>();
        return message > 0 ? 'accepts-number' : targets;
      },
    });
    // @ts-expect-error select returns ids
    builder.addFanOut(sendsNumber, [acceptsNumber, acceptsUnion], { select: () => 1 });
  });
});

describe('addFanIn', () => {
  const sumPair = executor({ id: 'sum-pair', input: z.tuple([z.number(), z.number()]), handle });
  const numbers = executor({ id: 'numbers', input: z.array(z.number()), handle });
  const strings = executor({ id: 'strings', input: z.array(z.string()), handle });
  const numberThenString = executor({ id: 'number-then-string', input: z.tuple([z.number(), z.string()]), handle });
  const mixed = executor({ id: 'mixed', input: z.array(z.union([z.number(), z.string()])), handle });

  it('types the delivered message as the tuple of source outputs', () => {
    expectTypeOf<FanInMessage<[typeof sendsNumber, typeof sendsString]>>().toEqualTypeOf<[number, string]>();
    expectTypeOf<FanInMessage<readonly [typeof sendsA, typeof double]>>().toEqualTypeOf<['a', number]>();
  });

  it('compiles when the target accepts the tuple or an array of the right type', () => {
    builder.addFanIn([sendsNumber, sendsNumber2], sumPair);
    builder.addFanIn([sendsNumber, sendsNumber2], numbers);
    builder.addFanIn([sendsNumber, sendsString], numberThenString);
    builder.addFanIn([sendsNumber, sendsString], mixed);
    builder.addFanIn([sendsNumber, double, sendsNumber2], numbers);
    builder.addFanIn(
      [sendsNumber, sendsString],
      fromFunction('join', ([n, s]: [number, string]) => `${n}${s}`),
    );
  });

  it('does not compile with the wrong element type', () => {
    // @ts-expect-error numbers are not strings
    builder.addFanIn([sendsNumber, sendsNumber2], strings);
    // @ts-expect-error one source sends strings
    builder.addFanIn([sendsNumber, sendsString], numbers);
    // @ts-expect-error the tuple is in source order
    builder.addFanIn([sendsString, sendsNumber], numberThenString);
    // @ts-expect-error string | number is not a number
    builder.addFanIn([sendsUnion, sendsNumber], numbers);
  });

  it('does not compile when the target does not take an array', () => {
    // @ts-expect-error a fan-in target receives an array
    builder.addFanIn([sendsNumber, sendsNumber2], acceptsNumber);
  });

  it('compiles with string ids', () => {
    builder.addFanIn(['a', 'b'], 'c');
    builder.addFanIn(['a', sendsNumber], numbers);
  });
});

describe('addSwitch', () => {
  it('types each when by the source output', () => {
    builder.addSwitch(sendsNumber, [
      {
        when: (message) => {
          expectTypeOf(message).toEqualTypeOf<number>();
          return message > 10;
        },
        to: acceptsNumber,
      },
      { when: (message) => message < 0, to: double },
      { otherwise: acceptsUnion },
    ]);
    builder.addSwitch(sendsUser, [{ when: (user) => user.age > 65, to: acceptsId }, { otherwise: acceptsUnknown }]);
  });

  it('does not compile when a case target cannot accept the message', () => {
    // @ts-expect-error acceptsString cannot take a number
    builder.addSwitch(sendsNumber, [{ when: (n) => n > 0, to: acceptsString }, { otherwise: acceptsNumber }]);
    // @ts-expect-error nor as the otherwise target
    builder.addSwitch(sendsNumber, [{ when: (n) => n > 0, to: acceptsNumber }, { otherwise: acceptsString }]);
    // @ts-expect-error a string | number may reach acceptsNumber
    builder.addSwitch(sendsUnion, [{ otherwise: acceptsNumber }]);
  });

  it('does not compile when a predicate misuses the message', () => {
    // @ts-expect-error the message is a number
    builder.addSwitch(sendsNumber, [{ when: (n) => n.length > 0, to: acceptsNumber }, { otherwise: acceptsUnion }]);
  });

  it('compiles with string ids', () => {
    builder.addSwitch('a', [{ when: () => true, to: 'b' }, { otherwise: 'c' }]);
  });
});

describe('sources without an output schema', () => {
  it('cannot be the source of any edge: they send nothing', () => {
    // @ts-expect-error acceptsNumber has no output schema
    builder.addEdge(acceptsNumber, double);
    // @ts-expect-error nor by fan-out
    builder.addFanOut(acceptsNumber, [double]);
    // @ts-expect-error nor by switch
    builder.addSwitch(acceptsNumber, [{ otherwise: double }]);
    // By id it stays unchecked, for graphs built from configuration.
    builder.addEdge('accepts-number', double);
  });
});

describe('type guards in when', () => {
  const isNumber = (message: unknown): message is number => typeof message === 'number';

  it('narrow what the target of a conditional edge must accept', () => {
    builder.addEdge(sendsUnion, acceptsNumber, { when: (message): message is number => typeof message === 'number' });
    builder.addEdge(sendsUnion, acceptsNumber, { when: isNumber });
    builder.addEdge(sendsUnion, acceptsString, { when: (message): message is string => typeof message === 'string' });
  });

  it('still reject a target that does not accept the narrowed type', () => {
    // @ts-expect-error the guard lets numbers through, acceptsString wants strings
    builder.addEdge(sendsUnion, acceptsString, { when: (message): message is number => typeof message === 'number' });
    // @ts-expect-error a plain boolean predicate narrows nothing
    builder.addEdge(sendsUnion, acceptsNumber, { when: (message) => message !== '' });
  });
});

describe('type guards in a switch case', () => {
  const isNumber = (message: unknown): message is number => typeof message === 'number';

  it("narrow what that case's target must accept", () => {
    builder.addSwitch(sendsUnion, [
      { when: (message): message is number => typeof message === 'number', to: acceptsNumber },
      { otherwise: acceptsUnion },
    ]);
    builder.addSwitch(sendsUnion, [
      { when: isNumber, to: acceptsNumber },
      { when: (m): m is string => typeof m === 'string', to: acceptsString },
      { otherwise: acceptsUnion },
    ]);
    // TypeScript infers a type predicate from a body such as `typeof m === 'number'`; it narrows as well.
    builder.addSwitch(sendsUnion, [{ when: (m) => typeof m === 'number', to: acceptsNumber }, { otherwise: acceptsUnion }]);
  });

  it('still type the message of every when, guard or not', () => {
    builder.addSwitch(sendsUnion, [
      {
        when: (message) => {
          expectTypeOf(message).toEqualTypeOf<string | number>();
          return message !== '';
        },
        to: acceptsUnion,
      },
      { otherwise: acceptsUnion },
    ]);
  });

  it('reject a target that does not accept the narrowed type, a plain predicate, or a narrow otherwise', () => {
    // @ts-expect-error the guard lets strings through, acceptsNumber wants numbers
    builder.addSwitch(sendsUnion, [{ when: (m): m is string => typeof m === 'string', to: acceptsNumber }, { otherwise: acceptsUnion }]);
    // @ts-expect-error a plain boolean predicate narrows nothing
    builder.addSwitch(sendsUnion, [{ when: (m) => m !== '', to: acceptsNumber }, { otherwise: acceptsUnion }]);
    // @ts-expect-error the otherwise target receives whatever no case took: string | number
    builder.addSwitch(sendsUnion, [{ when: isNumber, to: acceptsNumber }, { otherwise: acceptsString }]);
  });
});
