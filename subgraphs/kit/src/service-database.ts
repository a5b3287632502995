import { ensureDatabase, openDatabase, serviceDatabaseUrl, type MigrationSet, type ServiceDatabase } from './database';
import { startEmbeddedPostgres } from './embedded-postgres';
import type { DatabaseTarget } from './config';

export interface ServiceSchema<TSchema extends Record<string, unknown>> {
  service: string;
  pgSchema: string;
  migrationsFolder: string;
  /** Further migration folders, applied after `migrationsFolder` under the same lock. */
  moreMigrations?: MigrationSet[];
  schema: TSchema;
}

/** Opens a service's database wherever its configuration says it lives, migrated and ready. */
export async function connectServiceDatabase<TSchema extends Record<string, unknown>>(
  target: DatabaseTarget,
  spec: ServiceSchema<TSchema>,
): Promise<ServiceDatabase> {
  let url: string;
  let embedded = false;
  let closeEmbedded: (() => Promise<void>) | undefined;
  if (target.kind === 'url') {
    url = target.url;
    embedded = target.embedded === true;
  } else if (target.kind === 'server') {
    const derived = serviceDatabaseUrl(target.serverUrl, spec.service);
    await ensureDatabase(target.serverUrl, derived.database);
    url = derived.url;
  } else {
    const store = await startEmbeddedPostgres({ dataDir: target.dataDir });
    url = store.url;
    embedded = true;
    closeEmbedded = store.close;
  }
  const database = await openDatabase({ url, embedded, pgSchema: spec.pgSchema, migrationsFolder: spec.migrationsFolder, moreMigrations: spec.moreMigrations, schema: spec.schema });
  return {
    ...database,
    async close() {
      await database.close();
      await closeEmbedded?.();
    },
  };
}
