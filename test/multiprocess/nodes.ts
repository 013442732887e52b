// The module the `weft serve --db postgres://…` nodes of serve-nodes.test.ts serve (loaded through tsx, as users load
// theirs). Side effects go to the file WEFT_TEST_EFFECTS; with WEFT_TEST_HOLD_AT=<n>, this node holds every `steps`
// run at superstep n, before its side effect, and says so on stderr ("held <runId>"), until it is killed.
import { refund, steps } from './workflows.js';

const effects = process.env['WEFT_TEST_EFFECTS'];
if (effects === undefined || effects === '') throw new Error('Set WEFT_TEST_EFFECTS to the file the side effects are appended to.');
const holdAt = Number(process.env['WEFT_TEST_HOLD_AT'] ?? Number.NaN);

export const workflows = {
  refund: refund(effects),
  steps: steps(effects, (runId, superstep) => {
    if (superstep !== holdAt) return undefined;
    process.stderr.write(`held ${runId}\n`);
    return new Promise<void>(() => undefined);
  }),
};
