import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { gatewayTables } from '@xiran/auth';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';

const authRoot = dirname(createRequire(import.meta.url).resolve('@xiran/auth/package.json'));

/** The gateway's own database (grants and the audit trail), migrated from auth/migrations. */
export function connectGatewayDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, {
    service: 'gateway',
    pgSchema: 'gateway',
    migrationsFolder: resolve(authRoot, 'migrations'),
    schema: gatewayTables,
  });
}

