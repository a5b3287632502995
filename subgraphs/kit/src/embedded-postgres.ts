import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default: one PGlite (PostgreSQL compiled to WASM) served over the Postgres wire
 * protocol on loopback, so every service speaks `pg` whether or not a real server is configured.
 * One instance serves every subgraph, each in its own schema: a PGlite costs hundreds of MB, and
 * the socket server multiplexes connections while keeping a transaction on its own connection.
 */
export interface EmbeddedPostgres {
  /** A `postgres://` URL for node-postgres. */
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // No dataDir: in memory, for tests.
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: 100 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  // Tell other local tools (seed, audit:verify) where the running store answers: a PGlite data
  // folder must never be opened by two processes at once.
  if (options.dataDir) writeFileSync(`${options.dataDir}.url`, url);
  return {
    url,
    async close() {
      if (options.dataDir) rmSync(`${options.dataDir}.url`, { force: true });
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The embedded store at `dataDir` for a local tool: through the running stack's socket when one is
 * up, else opened here. `close` only closes what this call opened.
 */
export async function openEmbeddedStore(dataDir: string): Promise<EmbeddedPostgres> {
  if (existsSync(`${dataDir}.url`)) {
    const url = readFileSync(`${dataDir}.url`, 'utf8').trim();
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return { url, close: async () => {} };
    } catch {
      // A stale file from a stack that did not stop cleanly: open the store ourselves.
    }
  }
  return startEmbeddedPostgres({ dataDir });
}
