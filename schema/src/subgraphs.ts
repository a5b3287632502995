import { fileURLToPath } from 'node:url';

/**
 * The departments' subgraphs, in the order the supergraph lists them. The URL is where each
 * listens by default; the gateway overrides it from its own configuration.
 */
export const SUBGRAPHS = [
  { name: 'registration', port: 4001, owner: 'market' },
  { name: 'emissions', port: 4002, owner: 'environment' },
  { name: 'social-insurance', port: 4003, owner: 'hrss' },
  { name: 'complaints', port: 4004, owner: 'petition' },
  { name: 'association', port: 4005, owner: 'association' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function sdlPath(name: SubgraphName): string {
  return fileURLToPath(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url));
}

export const SUPERGRAPH_PATH = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

export function defaultSubgraphUrl(name: SubgraphName): string {
  return `http://127.0.0.1:${SUBGRAPHS.find((s) => s.name === name)!.port}/graphql`;
}
