import { fileURLToPath } from 'node:url';
import { connectServiceDatabase, type DatabaseTarget } from '@xiran/subgraph-kit';
import * as schema from './schema';

export const socialInsuranceSchema = {
  service: 'social-insurance',
  pgSchema: 'social_insurance',
  migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)),
  schema,
};

export function connectSocialInsuranceDatabase(target: DatabaseTarget) {
  return connectServiceDatabase(target, socialInsuranceSchema);
}
