// The module `weft worker` loads in cli-worker.test.ts.
import { fanOut } from './workflows.js';

export const workflow = fanOut();
