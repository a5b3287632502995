import { resolve } from 'node:path';
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { StatementCounter } from './statement-counter';
import { withAdvisoryLock } from './advisory-lock';

/** A service's drizzle handle. Queries use the typed query builder over the table objects. */
export type Database = NodePgDatabase<Record<string, unknown>>;

export interface ServiceDatabase {
  db: Database;
  pool: pg.Pool;
  statements: StatementCounter;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions<TSchema extends Record<string, unknown>> {
  /** Connection URL of this service's own database. */
  url: string;
  /** The PostgreSQL schema that holds this service's tables (and names its migrations table). */
  pgSchema: string;
  /** Folder of the committed drizzle migrations. */
  migrationsFolder: string;
  /** Further folders applied after it under the same lock, each tracked in its own table. */
  moreMigrations?: MigrationSet[];
  schema: TSchema;
  poolSize?: number;
  /** The URL is an embedded PGlite's socket (see embeddedPool). */
  embedded?: boolean;
}

/**
 * A pool for the embedded PGlite socket server. PGlite is one session: its socket server queues
 * each protocol message and keeps one connection's messages together only inside a transaction, so
 * two connections' Parse/Bind/Execute could interleave and clobber each other's unnamed statement.
 * Each statement outside a transaction therefore runs inside BEGIN / COMMIT here (the transaction
 * pins the server to this connection). drizzle does not see these, so statement counts stay true.
 */
function embeddedPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  const query = async (...args: unknown[]) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const result = await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
  (pool as unknown as { query: typeof query }).query = query;
  return pool;
}

export interface MigrationSet {
  folder: string;
  /** Its tracking table in the schema `drizzle`. */
  table: string;
}

/**
 * Connects, applies the committed migrations, and counts statements from then on.
 *
 * Replicas starting together would race: drizzle's migrator reads its tracking table and then
 * applies what is missing, so two at once both run the same migration (a duplicate table, or a
 * duplicate row in the tracking table). The migrations therefore run under a session advisory
 * lock, held on a connection of its own and released after; the others wait, then find nothing
 * left to do. One lock per database, not per service: services given one database by their
 * `<SERVICE>_DATABASE_URL` share the schema `drizzle`, whose creation races too. On the
 * embedded store (one PGlite session behind the socket) the lock is re-entrant, so it never waits
 * there: connections of one process to one database also take their turn in the process (see
 * withAdvisoryLock), which is all the embedded store needs, as it belongs to one process.
 */
export async function openDatabase<TSchema extends Record<string, unknown>>(options: OpenDatabaseOptions<TSchema>): Promise<ServiceDatabase> {
  // JIT off: the batched lookups are short OLTP statements whose estimated cost can cross
  // jit_above_cost at 1,000 keys, and compiling them costs more than running them.
  const config = { connectionString: options.url, max: options.poolSize ?? 10, options: '-c jit=off' };
  const pool = options.embedded ? embeddedPool(config) : new pg.Pool(config);
  // An idle connection can be closed by the server (restart, failover, a dropped test database);
  // node-postgres then emits 'error' on the pool, which must not bring the process down.
  pool.on('error', (error) => console.error(`[database] idle connection lost (${options.pgSchema}):`, error.message));
  const statements = new StatementCounter();
  const db: Database = drizzle(pool, { schema: options.schema, logger: statements });
  // One migrations table per service: in the embedded default all services share a database.
  const migrations = [{ folder: options.migrationsFolder, table: `__migrations_${options.pgSchema}` }, ...(options.moreMigrations ?? [])];
  await withAdvisoryLock(pool, 'migrations', async () => {
    for (const { folder, table } of migrations) await migrate(db, { migrationsFolder: resolve(folder), migrationsSchema: 'drizzle', migrationsTable: table });
  });
  statements.total = 0;
  return { db, pool, statements, close: () => pool.end() };
}

/**
 * With a server URL (`DATABASE_URL`), each service has a database of its own, named after the
 * URL's database and the service (`xiran` + `emissions` → `xiran_emissions`), created if missing.
 */
export function serviceDatabaseUrl(serverUrl: string, service: string): { url: string; database: string } {
  const url = new URL(serverUrl);
  const base = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'xiran';
  const database = `${base}_${service.replace(/-/g, '_')}`;
  url.pathname = `/${database}`;
  return { url: url.toString(), database };
}

export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`Refusing to create database with name ${database}`);
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database "${database}"`);
      } catch (error) {
        // Two services (or test files) may race to create it: a duplicate is success.
        if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await client.end();
  }
}
