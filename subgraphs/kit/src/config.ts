import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Where a service's data lives. */
export type DatabaseTarget =
  /** `<SERVICE>_DATABASE_URL`: this service's own database, used as it is (`embedded`: a PGlite socket). */
  | { kind: 'url'; url: string; embedded?: boolean }
  /** `DATABASE_URL`: a server; the service's database is derived from it and created if missing. */
  | { kind: 'server'; serverUrl: string }
  /** Neither: an embedded PGlite in this process, its files under `dataDir`. */
  | { kind: 'embedded'; dataDir: string };

export interface ServiceConfig {
  name: string;
  host: string;
  port: number;
  database: DatabaseTarget;
}

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** `social-insurance` → `SOCIAL_INSURANCE`: the prefix of a service's own variables. */
export function envPrefix(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}

export class ConfigError extends Error {}

export function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  return port;
}

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.XIRAN_DATA_DIR || resolve(REPO_ROOT, '.data'));
}

/** Reads a subgraph's configuration once, failing fast with the variable's name. */
export function readServiceConfig(name: string, defaultPort: number, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const prefix = envPrefix(name);
  const ownUrl = env[`${prefix}_DATABASE_URL`];
  const serverUrl = env.DATABASE_URL;
  for (const [key, value] of [[`${prefix}_DATABASE_URL`, ownUrl], ['DATABASE_URL', serverUrl]] as const) {
    if (value && !/^postgres(ql)?:\/\//.test(value)) throw new ConfigError(`${key} must be a postgres:// URL`);
  }
  const database: DatabaseTarget = ownUrl
    ? { kind: 'url', url: ownUrl }
    : serverUrl
      ? { kind: 'server', serverUrl }
      : { kind: 'embedded', dataDir: resolve(dataDir(env), `pglite-${name}`) };
  return { name, host: env.HOST || '127.0.0.1', port: readPort(env, `${prefix}_PORT`, defaultPort), database };
}
