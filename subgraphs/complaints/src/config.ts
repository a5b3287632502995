import { readServiceConfig } from '@xiran/subgraph-kit';

export const SERVICE = 'complaints';
export const DEFAULT_PORT = 4004;

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  return readServiceConfig(SERVICE, DEFAULT_PORT, env);
}
