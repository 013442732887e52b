// The answer to a withApproval request, as `approve` and `reject` send it (the console sends the same shape).

/** `{ approved, reason?, input? }` with only the fields given: a rejection never carries an input. */
export function approvalAnswer(
  approved: boolean,
  options: { readonly reason?: string | undefined; readonly input?: unknown } = {},
): { approved: boolean; reason?: string; input?: unknown } {
  return {
    approved,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(!approved || options.input === undefined ? {} : { input: options.input }),
  };
}
