import { readServiceConfig } from '@xiran/subgraph-kit';

export const SERVICE = 'registration';
export const DEFAULT_PORT = 4001;

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  return readServiceConfig(SERVICE, DEFAULT_PORT, env);
}
