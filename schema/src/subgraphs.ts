import { readFileSync } from 'node:fs';
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
  // The catalogue API (授权使用), served inside the gateway from its own database: no port.
  { name: 'authorization', port: 0, owner: 'commerce' },
  // 相互比对, served inside the gateway (it queries the gateway as a system principal): no port.
  { name: 'crosscheck', port: 0, owner: 'commerce' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** The subgraphs served inside the gateway process. */
export const LOCAL_SUBGRAPHS = ['authorization', 'crosscheck'] as const;
export type LocalSubgraphName = (typeof LOCAL_SUBGRAPHS)[number];

/** The subgraphs that run as their own HTTP services (all but the gateway-local ones). */
export type HttpSubgraphName = Exclude<SubgraphName, LocalSubgraphName>;
export const HTTP_SUBGRAPHS = SUBGRAPHS.filter((s): s is Extract<(typeof SUBGRAPHS)[number], { name: HttpSubgraphName }> => !(LOCAL_SUBGRAPHS as readonly string[]).includes(s.name));

export function sdlPath(name: SubgraphName): string {
  const path = name === 'authorization' ? '../../gateway/catalogue.graphql' : name === 'crosscheck' ? '../../gateway/crosscheck.graphql' : `../../subgraphs/${name}/schema.graphql`;
  return fileURLToPath(new URL(path, import.meta.url));
}

/** The intake contract every department's subgraph serves after its own SDL (subgraphs/kit). */
export const INTAKE_SDL_PATH = fileURLToPath(new URL('../../subgraphs/kit/intake.graphql', import.meta.url));

/** What a subgraph serves: its SDL file, and for a department's subgraph the intake contract after it. */
export function subgraphSdlText(name: SubgraphName): string {
  const own = readFileSync(sdlPath(name), 'utf8');
  return (LOCAL_SUBGRAPHS as readonly string[]).includes(name) ? own : `${own.trimEnd()}\n\n${readFileSync(INTAKE_SDL_PATH, 'utf8')}`;
}

export const SUPERGRAPH_PATH = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

export function defaultSubgraphUrl(name: SubgraphName): string {
  if ((LOCAL_SUBGRAPHS as readonly string[]).includes(name)) return `http://gateway.local/${name}`;
  return `http://127.0.0.1:${SUBGRAPHS.find((s) => s.name === name)!.port}/graphql`;
}

/** The subgraphs that keep a replicated copy of the association's member list (MEMBERS scope). */
export const MEMBER_SCOPE_SUBGRAPHS = ['registration', 'emissions', 'social-insurance', 'complaints'] as const satisfies readonly HttpSubgraphName[];

/** The subgraphs that keep a replicated copy of the registry's operator→district map (district uploaders' writes). */
export const OPERATOR_DISTRICT_SUBGRAPHS = ['emissions', 'social-insurance', 'complaints', 'association'] as const satisfies readonly HttpSubgraphName[];
