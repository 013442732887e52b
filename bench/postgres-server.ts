// The Postgres the Postgres benchmarks use: WEFT_POSTGRES_URL if set, else a throwaway cluster with Postgres' default
// durability (fsync on, synchronous_commit on), started here and stopped at the end.
import { startPostgres } from '../test/support/postgres.js';

export interface BenchPostgres {
  readonly url: string;
  /** Where the server came from, for the report. */
  readonly source: string;
  stop(): Promise<void>;
}

export async function benchPostgres(): Promise<BenchPostgres> {
  const given = process.env['WEFT_POSTGRES_URL'];
  if (given !== undefined && given !== '') return { url: given, source: 'WEFT_POSTGRES_URL', stop: async () => undefined };
  const cluster = await startPostgres({ durable: true });
  return {
    url: cluster.url,
    source: 'a throwaway local cluster (Postgres defaults: fsync on, synchronous_commit on), loopback TCP',
    stop: () => cluster.stop(),
  };
}

/** The value below which `share` of the sorted samples fall (nearest rank). */
export function percentile(samples: readonly number[], share: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] as number;
}

export const round = (value: number): number => Math.round(value * 100) / 100;
