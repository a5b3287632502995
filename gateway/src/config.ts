import { resolve } from 'node:path';
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from './enforcement/document-limits';
import { defaultSubgraphUrl, HTTP_SUBGRAPHS, SUPERGRAPH_PATH, type HttpSubgraphName } from '@xiran/schema';

/** What one request may cost the gateway before it is refused. */
export interface GatewayLimits {
  /** Depth, aliases, root fields, fragment expansion, tokens (GRAPHQL_MAX_*). */
  document: DocumentLimits;
  /** Largest JSON body on /graphql, in bytes (BODY_LIMIT). */
  bodyBytes: number;
  /** Largest file on `POST /imports/:dataset`, in bytes (IMPORT_BODY_LIMIT, default 64mb). */
  importBytes: number;
  /** Refused (unauthenticated) requests per address and window, beyond which RATE_LIMITED (RATE_LIMIT_UNAUTHENTICATED). */
  unauthenticated: number;
  /** `crossCheck(fresh: true)`, `runCrossCheck` and imports per caller and window; 0: no limit (RATE_LIMIT_EXPENSIVE). */
  expensive: number;
  /** The window of both rate limits and of the aggregated UNAUTHENTICATED audit entries (RATE_LIMIT_WINDOW_SECONDS). */
  windowSeconds: number;
}

export interface GatewayConfig {
  host: string;
  port: number;
  /** The committed supergraph; the gateway never introspects subgraphs. */
  supergraphPath: string;
  /** Where each subgraph listens (`<NAME>_URL`, default http://127.0.0.1:400N/graphql). */
  subgraphUrls: Record<HttpSubgraphName, string>;
  /** How long a call to each subgraph may take before its fields are SUBGRAPH_UNAVAILABLE (`<NAME>_TIMEOUT_MS`, else SUBGRAPH_TIMEOUT_MS, default 10 s). */
  subgraphTimeoutsMs: Record<HttpSubgraphName, number>;
  limits: GatewayLimits;
}

export class GatewayConfigError extends Error {}

function envName(name: string): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_URL`;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new GatewayConfigError(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

/** `1mb`, `512kb`, `1048576`: bytes (binary units, like express's own `limit`). */
function byteSize(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!match || Number(match[1]) < 1) throw new GatewayConfigError(`${name} must be a size such as 1mb, 512kb or 1048576, got ${JSON.stringify(raw)}`);
  return Number(match[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
}

/** The limits, from GRAPHQL_MAX_*, BODY_LIMIT, IMPORT_BODY_LIMIT and RATE_LIMIT_* (defaults in the README's variable table). */
export function readGatewayLimits(env: NodeJS.ProcessEnv = process.env): GatewayLimits {
  const d = DEFAULT_DOCUMENT_LIMITS;
  return {
    document: {
      depth: count(env, 'GRAPHQL_MAX_DEPTH', d.depth),
      aliases: count(env, 'GRAPHQL_MAX_ALIASES', d.aliases, 0),
      rootFields: count(env, 'GRAPHQL_MAX_ROOT_FIELDS', d.rootFields),
      expansion: count(env, 'GRAPHQL_MAX_EXPANSION', d.expansion),
      tokens: count(env, 'GRAPHQL_MAX_TOKENS', d.tokens),
    },
    bodyBytes: byteSize(env, 'BODY_LIMIT', 1024 * 1024),
    importBytes: byteSize(env, 'IMPORT_BODY_LIMIT', 64 * 1024 * 1024),
    unauthenticated: count(env, 'RATE_LIMIT_UNAUTHENTICATED', 30),
    expensive: count(env, 'RATE_LIMIT_EXPENSIVE', 10, 0),
    windowSeconds: count(env, 'RATE_LIMIT_WINDOW_SECONDS', 60),
  };
}

/** Per subgraph: `<NAME>_TIMEOUT_MS` (EMISSIONS_TIMEOUT_MS, SOCIAL_INSURANCE_TIMEOUT_MS, ...), else SUBGRAPH_TIMEOUT_MS, else 10000. */
export function readSubgraphTimeouts(env: NodeJS.ProcessEnv = process.env): Record<HttpSubgraphName, number> {
  const fallback = count(env, 'SUBGRAPH_TIMEOUT_MS', 10_000);
  return Object.fromEntries(HTTP_SUBGRAPHS.map(({ name }) => [name, count(env, `${name.toUpperCase().replace(/-/g, '_')}_TIMEOUT_MS`, fallback)])) as Record<HttpSubgraphName, number>;
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
    subgraphTimeoutsMs: readSubgraphTimeouts(env),
    limits: readGatewayLimits(env),
  };
}
