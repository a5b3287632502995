import { readServiceConfig } from '@xiran/subgraph-kit';

export const SERVICE = 'social-insurance';
export const DEFAULT_PORT = 4003;

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  return readServiceConfig(SERVICE, DEFAULT_PORT, env);
}
