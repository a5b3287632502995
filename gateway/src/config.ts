import { resolve } from 'node:path';
import { defaultSubgraphUrl, HTTP_SUBGRAPHS, SUPERGRAPH_PATH, type HttpSubgraphName } from '@xiran/schema';

export interface GatewayConfig {
  host: string;
  port: number;
  /** The committed supergraph; the gateway never introspects subgraphs. */
  supergraphPath: string;
  /** Where each subgraph listens (`<NAME>_URL`, default http://127.0.0.1:400N/graphql). */
  subgraphUrls: Record<HttpSubgraphName, string>;
}

export class GatewayConfigError extends Error {}

function envName(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** Reads the gateway's configuration once, failing fast with the variable's name. */
export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = env.PORT ? Number(env.PORT) : 4000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new GatewayConfigError(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
  const subgraphUrls = {} as Record<HttpSubgraphName, string>;
  for (const { name } of HTTP_SUBGRAPHS) {
    const url = env[envName(name)] || defaultSubgraphUrl(name);
    if (!/^https?:\/\//.test(url)) throw new GatewayConfigError(`${envName(name)} must be an http(s) URL, got ${JSON.stringify(url)}`);
    subgraphUrls[name] = url;
  }
  return {
    host: env.HOST || '127.0.0.1',
    port,
    supergraphPath: resolve(env.SUPERGRAPH_PATH || SUPERGRAPH_PATH),
    subgraphUrls,
  };
}
