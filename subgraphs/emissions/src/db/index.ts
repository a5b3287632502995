import { fileURLToPath } from 'node:url';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';
import * as schema from './schema';

export const emissionsSchema = {
  service: 'emissions',
  pgSchema: 'emissions',
  migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)),
  schema,
};

export function connectEmissionsDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, emissionsSchema);
}
