import type { Agent } from 'weft';

/** The part of an OpenAI client this adapter uses (`import OpenAI from 'openai'` gives the real one). */
interface ResponsesClient {
  responses: {
    create(body: { model: string; input: string }, options: { signal: AbortSignal }): Promise<{ output_text: string; usage?: { total_tokens: number } }>;
  };
}

export function openaiAgent(client: ResponsesClient, model = 'gpt-4.1-mini'): Agent {
  return {
    async run(input, { signal }) {
      const response = await client.responses.create({ model, input }, { signal });
      return { text: response.output_text, usage: { tokens: response.usage?.total_tokens ?? 0 } };
    },
  };
}