import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import * as gatewayTables from './db/schema';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';

/**
 * The gateway's own database: grants, the audit trail and the operator→district map (migrations/gateway,
 * schema `gateway`), and 相互比对's runs and findings (migrations/crosscheck, schema `crosscheck`).
 */
export async function connectGatewayDatabase(target: DatabaseTarget) {
  const database = await connectServiceDatabase(target, {
    service: 'gateway',
    pgSchema: 'gateway',
    migrationsFolder: fileURLToPath(new URL('../migrations/gateway', import.meta.url)),
    schema: gatewayTables,
  });
  await migrate(database.db, { migrationsFolder: fileURLToPath(new URL('../migrations/crosscheck', import.meta.url)), migrationsSchema: 'drizzle', migrationsTable: '__migrations_crosscheck' });
  database.statements.total = 0;
  return database;
}

