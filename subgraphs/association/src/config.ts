import { readServiceConfig } from '@xiran/subgraph-kit';

export const SERVICE = 'association';
export const DEFAULT_PORT = 4005;

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  return readServiceConfig(SERVICE, DEFAULT_PORT, env);
}
