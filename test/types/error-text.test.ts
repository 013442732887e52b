// The compiler's message for a wrong edge names what is sent and what is accepted, in a few lines, on the target.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
function diagnostics(name: string): { line: string; text: string }[] {
  const fixture = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (config === undefined) throw new Error('could not read tsconfig.json');
  const program = ts.createProgram([fixture], { ...config.options, noEmit: true });
  const source = program.getSourceFile(fixture);
  if (source === undefined) throw new Error('the fixture was not compiled');
  return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
    const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return { line: source.text.split('\n')[line] ?? '', text: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') };
  });
}

/** The one message on the fixture line that carries `marker` (a marker is not a prefix of another on its line). */
const finder =
  (found: readonly { line: string; text: string }[]) =>
  (marker: string): string => {
    const hits = found.filter((d) => d.line.includes(`// ${marker}`) && !d.line.includes(`// ${marker}-`));
    expect(hits).toHaveLength(1);
    return (hits[0] as { text: string }).text;
  };

describe('the text of an edge type error', () => {
  const found = diagnostics('wrong-edge.ts');
  const at = finder(found);

  it('reports exactly the mistakes of the fixture', () => {
    expect(found).toHaveLength(3);
  });

  it('names the sent and the accepted type, in at most three lines, on the target', () => {
    const text = at('WRONG-TARGET');
    expect(text.split('\n').length).toBeLessThanOrEqual(3);
    expect(text).toContain('EdgeMismatch<{ sends: number; accepts: string; }>');
    expect(text).not.toContain('~accepts');
    expect(text).not.toContain('exactOptionalPropertyTypes');
  });

  it('says that an executor without output schema sends nothing', () => {
    const text = at('NO-OUTPUT');
    expect(text.split('\n').length).toBeLessThanOrEqual(3);
    expect(text).toContain('SendsNothing');
  });
  it('names, for a switch, each case whose target does not accept what its type guard lets through, in one line', () => {
    const text = at('WRONG-SWITCH');
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toContain('EdgeMismatch<{ sends: number; accepts: string; }>'); // the guarded case
    expect(text).toContain('EdgeMismatch<{ sends: string | number; accepts: string; }>'); // the otherwise
    expect(text).not.toContain('~accepts');
  });
});

describe('the text of a yields type error', () => {
  const found = diagnostics('wrong-yields.ts');
  const at = finder(found);

  it('reports exactly the mistakes of the fixture', () => {
    expect(found).toHaveLength(4);
  });

  it('names the yielded and the output type, in at most three lines, on the executor', () => {
    for (const marker of ['WRONG-YIELDS', 'WRONG-YIELDS-ADDED']) {
      const text = at(marker);
      expect(text.split('\n').length).toBeLessThanOrEqual(3);
      expect(text).toContain('OutputMismatch<{ yields: number; output: string; }>');
      expect(text).not.toContain('exactOptionalPropertyTypes');
    }
  });

  it('says, for the start executor (checked by its type), that its yields do not fit', () => {
    const text = at('WRONG-START');
    expect(text).toContain("Types of property 'yields' are incompatible");
    expect(text).toContain("Type 'number' is not assignable to type 'string'");
  });

  it('refuses a ctx.output value that is not what the executor yields, in one line', () => {
    expect(at('WRONG-OUTPUT')).toBe("Argument of type 'number' is not assignable to parameter of type 'string'.");
  });
});
