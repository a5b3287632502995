import { readServiceConfig } from '@xiran/subgraph-kit';

export const SERVICE = 'emissions';
export const DEFAULT_PORT = 4002;

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  return readServiceConfig(SERVICE, DEFAULT_PORT, env);
}
