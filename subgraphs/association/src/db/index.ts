import { fileURLToPath } from 'node:url';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';
import * as schema from './schema';

export const associationSchema = {
  service: 'association',
  pgSchema: 'association',
  migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)),
  schema,
};

export function connectAssociationDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, associationSchema);
}
