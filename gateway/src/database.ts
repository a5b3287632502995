import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { dirname, resolve } from 'node:path';
import { gatewayTables } from '@xiran/auth';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';

const authRoot = dirname(createRequire(import.meta.url).resolve('@xiran/auth/package.json'));

/**
 * The gateway's own database: grants and the audit trail (auth/migrations), and 相互比对's runs and
 * findings (gateway/migrations, schema `crosscheck`).
 */
export async function connectGatewayDatabase(target: DatabaseTarget) {
  const database = await connectServiceDatabase(target, {
    service: 'gateway',
    pgSchema: 'gateway',
    migrationsFolder: resolve(authRoot, 'migrations'),
    schema: gatewayTables,
  });
  await migrate(database.db, { migrationsFolder: fileURLToPath(new URL('../migrations', import.meta.url)), migrationsSchema: 'drizzle', migrationsTable: '__migrations_crosscheck' });
  database.statements.total = 0;
  return database;
}

