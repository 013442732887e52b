// The durability cases that run on the memory store (test/durability), on PostgresCheckpointStore.
import { PostgresCheckpointStore } from 'weft/postgres';
import { afterAll, describe } from 'vitest';
import { checkpointCases, deltaCases, durabilityCases, nestedRequestCases, requestCases, resumeCases, stateCases } from '../durability/cases.js';
import { describePostgres, freshOptions } from '../support/postgres-inject.js';

const stores: PostgresCheckpointStore[] = [];
afterAll(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/** A fresh, empty store: its own schema. */
const fresh = (): PostgresCheckpointStore => {
  const store = new PostgresCheckpointStore(freshOptions());
  stores.push(store);
  return store;
};

describePostgres('durability cases (PostgresCheckpointStore)', () => {
  describe('state', () => stateCases(fresh));
  describe('checkpoints', () => checkpointCases(fresh));
  describe('delta checkpoints', () => deltaCases(fresh));
  describe('durability', () => durabilityCases(fresh));
  describe('resume', () => resumeCases(fresh));
  describe('requests', () => requestCases(fresh));
  describe('nested requests', () => nestedRequestCases(fresh));
});
