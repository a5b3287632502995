import { resolve } from 'node:path';
import { dataDir, envPrefix, openEmbeddedStore, type DatabaseTarget, type EmbeddedPostgres } from '@xiran/subgraph-kit';

/**
 * Where a local tool (seed, import) finds each service's database: `<SERVICE>_DATABASE_URL`, else
 * a database per service on DATABASE_URL's server, else the embedded store of `npm start`
 * (through the running stack's socket when it is up). `close` closes only what this opened.
 */
export async function localTargets(env: NodeJS.ProcessEnv = process.env): Promise<{ target: (service: string) => DatabaseTarget; close: () => Promise<void> }> {
  if (env.DATABASE_URL) {
    const serverUrl = env.DATABASE_URL;
    return {
      target: (service) => {
        const own = env[`${envPrefix(service)}_DATABASE_URL`];
        return own ? { kind: 'url', url: own } : { kind: 'server', serverUrl };
      },
      close: async () => {},
    };
  }
  const embedded: EmbeddedPostgres = await openEmbeddedStore(resolve(dataDir(env), 'pglite'));
  return { target: () => ({ kind: 'url', url: embedded.url, embedded: true }), close: () => embedded.close() };
}
