// The parts of `npm run bench` that need fresh processes or sizes of their own, run after the scenario table:
//
//   cold   a fresh process's first ten runs of the 1,000-step chain, per engine (bench/cold.ts)
//   gc     the warm chain (20 untimed runs first) without and with a forced gc() before each run (bench/cold.ts --gc)
//   state  one superstep's cost on a 10k- and a 1M-key state, executor vs shared state, array-index keys and named
//          keys (bench/state.ts)
//
// `--only=` selects among them as among the scenarios (`--only=cold,gc`); `--small` runs them at test sizes.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The names `--only` accepts besides the scenarios'. */
export const EXTRA_NAMES = ['cold', 'gc', 'state'] as const;

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

function run(file: string, args: readonly string[]): void {
  console.log(`\n$ npx tsx bench/${file} ${args.join(' ')}`);
  execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--no-warnings', here(`./${file}`), ...args], { stdio: 'inherit' });
}

/** Runs the extras `only` selects (all when undefined) for `engines`, weft from `target`, the peers of `peers`. */
export function runExtras(
  only: readonly string[] | undefined,
  engines: readonly string[],
  target: string,
  small: boolean,
  mode: string,
  peers: 'node20' | 'node24',
): void {
  const wanted = (name: string): boolean => only === undefined || only.includes(name);
  const common = [`--weft=${target}`, `--mode=${mode}`];
  if (wanted('cold'))
    run('cold.ts', [...common, `--peers=${peers}`, `--engines=${engines.join(',')}`, `--procs=${small ? 1 : 5}`, ...(small ? ['--length=10'] : [])]);
  if (wanted('gc') && engines.includes('weft')) {
    for (const gc of [false, true])
      run('cold.ts', [
        ...common,
        '--engines=weft',
        `--procs=${small ? 1 : 3}`,
        '--warm=20',
        '--runs=20',
        ...(gc ? ['--gc'] : []),
        ...(small ? ['--length=10'] : []),
      ]);
  }
  if (wanted('state') && engines.includes('weft')) {
    run('state.ts', [...common, small ? '--keys=1000' : '--keys=10000,1000000', `--reps=${small ? 1 : 3}`]);
    run('state.ts', [...common, small ? '--keys=1000' : '--keys=10000', '--prefix=k', `--reps=${small ? 1 : 3}`]); // named keys
  }
}
