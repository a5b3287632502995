import { fileURLToPath } from 'node:url';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';
import * as schema from './schema';

export const complaintsSchema = {
  service: 'complaints',
  pgSchema: 'complaints',
  migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)),
  schema,
};

export function connectComplaintsDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, complaintsSchema);
}
