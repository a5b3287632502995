import { fileURLToPath } from 'node:url';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';
import * as schema from './schema';

export const registrationSchema = {
  service: 'registration',
  pgSchema: 'registration',
  migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)),
  schema,
};

export function connectRegistrationDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, registrationSchema);
}
