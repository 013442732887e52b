import { executeInvocation, type Invocation, type InvocationRecord, type Placement, type Workflow } from '../index.js';

/** A placement that keeps what it was handed: `invocations`, in the order they were invoked (after the JSON round trip). */
export interface JsonPlacement extends Placement {
  readonly invocations: readonly Invocation[];
}

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A placement that runs every invocation in this process through `executeInvocation`, after a JSON round trip of the
 * invocation and of its record: what a queue placement does, without the queue. Give it every workflow runs may
 * use it for (it looks each invocation's workflow up by name).
 * @example
 * const result = await workflow.run(input, { placement: jsonPlacement(workflow) });
 */
export function jsonPlacement(workflows: Workflow<any, any> | readonly Workflow<any, any>[]): JsonPlacement {
  const byName = new Map<string, Workflow<any, any>>();
  for (const workflow of Array.isArray(workflows) ? workflows : [workflows]) byName.set(workflow.name, workflow);
  const invocations: Invocation[] = [];
  return {
    invocations,
    async invoke(invocation: Invocation, signal: AbortSignal): Promise<InvocationRecord> {
      const sent = roundTrip(invocation);
      invocations.push(sent);
      const workflow = byName.get(sent.workflow);
      if (workflow === undefined) {
        throw new TypeError(
          `jsonPlacement has no workflow named "${sent.workflow}" (it knows ${[...byName.keys()].map((n) => `"${n}"`).join(', ') || 'none'}). Pass it to jsonPlacement([...]).`,
        );
      }
      return roundTrip(await executeInvocation(workflow, sent, { signal }));
    },
  };
}
