import type Database from 'better-sqlite3';
import { CheckpointError } from '../index.js';

/**
 * Creates one store's tables if missing, in one immediate transaction, and records its schema version in the
 * shared `weft_meta` table; refuses a file whose tables a newer weft wrote.
 */
export function migrate(database: Database.Database, name: string, version: number, ddl: string): void {
  database.transaction(() => {
    database.exec(`
      CREATE TABLE IF NOT EXISTS weft_meta (
        name TEXT PRIMARY KEY NOT NULL,
        version INTEGER NOT NULL
      );
      ${ddl}
    `);
    const row = database.prepare('SELECT version FROM weft_meta WHERE name = ?').get(name) as { version: number } | undefined;
    if (row === undefined) {
      database.prepare('INSERT INTO weft_meta (name, version) VALUES (?, ?)').run(name, version);
    } else if (row.version > version) {
      throw new CheckpointError(
        'future_version',
        `The "${name}" table in ${database.name} has schema version ${row.version}, but this copy of weft knows only up to ${version}. Upgrade weft to read it.`,
      );
    }
  }).immediate();
}
