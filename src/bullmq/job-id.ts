/**
 * The BullMQ job id of one attempt of an invocation: a function of the invocation id (run, superstep, executor,
 * delivery; nested invocations carry their parents') and the attempt, so that a coordinator that enqueues it again
 * after a crash gets the job that exists instead of a second one. BullMQ refuses ids that contain ":" and treats
 * integer ids as its own; this one has neither (the id is URI-encoded, and starts with "weft.").
 */
export function invocationJobId(invocationId: string, attempt: number): string {
  return `weft.${encodeURIComponent(invocationId)}.${attempt}`;
}
