import { mkdirSync } from 'node:fs';
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
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
