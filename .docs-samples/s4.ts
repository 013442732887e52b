import { SqliteCheckpointStore, openSqlite } from 'weft/sqlite';

const store = new SqliteCheckpointStore({ path: 'weft.db' });   // created if missing; ':memory:' for tests
store.close();                                                 // closes the file it opened

const database = openSqlite('weft.db');                        // or open the file yourself, with weft's settings,
const shared = new SqliteCheckpointStore({ database });        // to share it; the store never closes it
database.close();