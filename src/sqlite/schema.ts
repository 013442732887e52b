import type Database from 'better-sqlite3';
import { CheckpointError } from '../index.js';

/**
 * Creates one store's tables if missing, in one immediate transaction, and records its schema version in the
 * shared `weft_meta` table; brings tables an older weft wrote up to `version` with `upgrades[n]` (the DDL from
 * version n to n + 1); refuses a file whose tables a newer weft wrote.
 */
export function migrate(
  database: Database.Database,
  name: string,
  version: number,
  ddl: string,
  upgrades: Readonly<Record<number, string>> = {},
): void {
  database
    .transaction(() => {
      database.exec(`
      CREATE TABLE IF NOT EXISTS weft_meta (
        name TEXT PRIMARY KEY NOT NULL,
        version INTEGER NOT NULL
      );
    `);
      const row = database.prepare('SELECT version FROM weft_meta WHERE name = ?').get(name) as { version: number } | undefined;
      if (row !== undefined && row.version > version) {
        throw new CheckpointError(
          'future_version',
          `The "${name}" table in ${database.name} has schema version ${row.version}, but this copy of weft knows only up to ${version}. Upgrade weft to read it.`,
        );
      }
      // Tables an older weft created are upgraded step by step before the DDL (whose indexes may need new columns) runs.
      for (let from = row?.version ?? version; from < version; from++) {
        const upgrade = upgrades[from];
        if (upgrade === undefined)
          throw new Error(
            `weft cannot upgrade the "${name}" table from schema version ${from}; open the file with the weft that wrote it and export its runs.`,
          );
        database.exec(upgrade);
      }
      database.exec(ddl);
      if (row === undefined) database.prepare('INSERT INTO weft_meta (name, version) VALUES (?, ?)').run(name, version);
      else if (row.version < version) database.prepare('UPDATE weft_meta SET version = ? WHERE name = ?').run(version, name);
    })
    .immediate();
}
