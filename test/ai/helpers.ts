import { MockLanguageModelV4, simulateReadableStream } from 'ai/test';

// The provider spec's types, read off the mock (so the tests need no second package).
type LanguageModelV4GenerateResult = Awaited<ReturnType<MockLanguageModelV4['doGenerate']>>;
type LanguageModelV4StreamPart = Awaited<ReturnType<MockLanguageModelV4['doStream']>>['stream'] extends ReadableStream<infer T> ? T : never;
type LanguageModelV4Usage = LanguageModelV4GenerateResult['usage'];

export const usage = (input: number, output: number): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** A generateText result with this text. */
export const textResult = (text: string, tokens: [number, number] = [10, 5]): LanguageModelV4GenerateResult => ({
  content: [{ type: 'text', text }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: usage(...tokens),
  warnings: [],
});

/** A generateText result that calls one tool. */
export const toolCallResult = (toolName: string, input: unknown, toolCallId = 'call-1'): LanguageModelV4GenerateResult => ({
  content: [{ type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) }],
  finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
  usage: usage(20, 8),
  warnings: [],
});

/** The stream parts of an answer written in these pieces. */
export function textParts(pieces: readonly string[], tokens: [number, number] = [10, 5]): LanguageModelV4StreamPart[] {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', id: 'r1', modelId: 'mock-stream-1' },
    { type: 'text-start', id: 't1' },
    ...pieces.map((delta): LanguageModelV4StreamPart => ({ type: 'text-delta', id: 't1', delta })),
    { type: 'text-end', id: 't1' },
    { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(...tokens) },
  ];
}

/** A mock model that streams these pieces. */
export const streamingModel = (pieces: readonly string[], tokens?: [number, number]): MockLanguageModelV4 =>
  new MockLanguageModelV4({
    modelId: 'mock-stream',
    doStream: async () => ({ stream: simulateReadableStream({ chunks: textParts(pieces, tokens) }) }),
  });
