import { randomBytes } from 'node:crypto';
import { dropDatabase } from './database';
import type { ServiceDatabase } from './database';
import { startEmbeddedPostgres } from './embedded-postgres';
import type { ServiceConfig } from './config';

/**
 * A throw-away database server for an integration test file: with `DATABASE_URL`, fresh databases
 * on that PostgreSQL server under a random prefix (dropped by `close`); without it, an in-memory
 * PGlite. Hand `config(service)` to a subgraph's connect function.
 */
export interface TestDatabases {
  config(service: string): ServiceConfig;
  close(): Promise<void>;
}

export async function startTestDatabases(env: NodeJS.ProcessEnv = process.env): Promise<TestDatabases> {
  const serverUrl = env.DATABASE_URL;
  if (serverUrl) {
    const prefix = `xiran_t${randomBytes(4).toString('hex')}`;
    const base = new URL(serverUrl);
    base.pathname = `/${prefix}`;
    const created = new Set<string>();
    return {
      config(service) {
        created.add(`${prefix}_${service.replace(/-/g, '_')}`);
        return { name: service, host: '127.0.0.1', port: 0, database: { kind: 'server', serverUrl: base.toString() } };
      },
      async close() {
        for (const database of created) await dropDatabase(serverUrl, database);
      },
    };
  }
  const embedded = await startEmbeddedPostgres();
  return {
    config(service) {
      return { name: service, host: '127.0.0.1', port: 0, database: { kind: 'url', url: embedded.url, embedded: true } };
    },
    close: () => embedded.close(),
  };
}

export type { ServiceDatabase };
