// The store contract suites, and what is Postgres' own: migrations, options, the pool.
import pg from 'pg';
import { CheckpointError } from 'weft';
import { PostgresCheckpointStore, PostgresRunStore } from 'weft/postgres';
import { describeCheckpointStore, describeRunStore } from 'weft/testing';
import { afterAll, expect, it } from 'vitest';
import { describePostgres, freshOptions, postgresUrl } from '../support/postgres-inject.js';

const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

describePostgres('weft/postgres', () => {
  describeCheckpointStore('PostgresCheckpointStore', {
    create: () => new PostgresCheckpointStore(freshOptions()),
    reopen: async (store) => {
      await store.close();
      return new PostgresCheckpointStore({ connectionString: postgresUrl() as string, schema: store.schema });
    },
    dispose: (store) => store.close(),
  });

  describeRunStore('PostgresRunStore', {
    create: () => new PostgresRunStore(freshOptions()),
    reopen: async (store) => {
      await store.close();
      return new PostgresRunStore({ connectionString: postgresUrl() as string, schema: store.schema });
    },
    dispose: (store) => store.close(),
  });

  const sharedPool = (): pg.Pool => {
    const pool = new pg.Pool({ connectionString: postgresUrl() as string });
    pools.push(pool);
    return pool;
  };

  it('migrates from many stores at once, in one schema, recording each part once', async () => {
    const { schema } = freshOptions();
    const stores = Array.from({ length: 8 }, () => new PostgresRunStore({ connectionString: postgresUrl() as string, schema }));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const { rows } = await sharedPool().query(`SELECT name, version FROM "${schema}".weft_meta ORDER BY name`);
      expect(rows).toEqual([
        { name: 'checkpoints', version: 1 },
        { name: 'runs', version: 1 },
      ]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('refuses a schema written by a newer weft, naming the fix', async () => {
    const options = freshOptions();
    const first = new PostgresCheckpointStore(options);
    await first.migrate();
    await first.close();
    await sharedPool().query(`UPDATE "${options.schema}".weft_meta SET version = 99 WHERE name = 'checkpoints'`);

    const store = new PostgresCheckpointStore(options);
    try {
      const thrown = await store.get('c1').catch((error: unknown) => error);
      expect(thrown).toBeInstanceOf(CheckpointError);
      expect(thrown).toMatchObject({ code: 'checkpoint_invalid', reason: 'future_version' });
      expect((thrown as Error).message).toMatch(/schema version 99.*Upgrade weft/);
    } finally {
      await store.close();
    }
  });

  it('uses a pool passed in and leaves it open on close', async () => {
    const pool = sharedPool();
    const { schema } = freshOptions();
    const store = new PostgresRunStore({ pool, schema });
    await store.createRun({ id: 'r1', workflow: 'w', status: 'running', input: 1, outputs: [], pendingRequests: [], error: undefined, checkpointId: undefined, createdAt: 1, updatedAt: 1 });
    await store.close();
    await store.close();

    const { rows } = await pool.query(`SELECT id FROM "${schema}".runs`);
    expect(rows).toEqual([{ id: 'r1' }]);
  });

  it('keeps schemas apart', async () => {
    const url = postgresUrl() as string;
    const a = new PostgresCheckpointStore(freshOptions());
    const b = new PostgresCheckpointStore({ connectionString: url, schema: 'weft "quoted" schema' });
    try {
      await a.save({ id: 'c1', runId: 'r1', parentId: null, workflow: 'w', superstep: 0, createdAt: 1, kind: 'full', data: '{}' });
      expect(await b.get('c1')).toBeUndefined();
      expect(await a.get('c1')).toMatchObject({ id: 'c1' });
    } finally {
      await a.close();
      await b.close();
      await sharedPool().query('DROP SCHEMA "weft ""quoted"" schema" CASCADE');
    }
  });

  it('refuses bad options with a TypeError naming the fix', () => {
    const url = postgresUrl() as string;
    expect(() => new PostgresRunStore(undefined as never)).toThrow(/pass \{ connectionString: 'postgres:\/\/…' \} or \{ pool \}/);
    expect(() => new PostgresRunStore({} as never)).toThrow(/connectionString: 'postgres:\/\/user@host:5432\/database'/);
    expect(() => new PostgresRunStore({ connectionString: url, pool: sharedPool() } as never)).toThrow(/either connectionString or pool/);
    expect(() => new PostgresRunStore({ pool: {} as pg.Pool })).toThrow(/pool must be a pg.Pool/);
    expect(() => new PostgresCheckpointStore({ connectionString: url, schema: '' })).toThrow(/schema must be a non-empty string/);
    expect(() => new PostgresRunStore({ connectionString: url, pollInterval: 0 })).toThrow(/pollInterval must be a number of milliseconds, at least 10/);
  });
});

