import { fileURLToPath } from 'node:url';
import * as gatewayTables from './db/schema';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';

/**
 * The gateway's own database: grants, the audit trail and the operator→district map (migrations/gateway,
 * schema `gateway`), and 相互比对's runs and findings (migrations/crosscheck, schema `crosscheck`).
 * Both folders are applied under the gateway's one migrations lock (see openDatabase).
 */
export async function connectGatewayDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, {
    service: 'gateway',
    pgSchema: 'gateway',
    migrationsFolder: fileURLToPath(new URL('../migrations/gateway', import.meta.url)),
    moreMigrations: [{ folder: fileURLToPath(new URL('../migrations/crosscheck', import.meta.url)), table: '__migrations_crosscheck' }],
    schema: gatewayTables,
  });
}
