import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLocalJWKSet,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';

/**
 * Key material, read once from the environment. Two kinds of token exist:
 * - caller tokens (agency apps → gateway): HS256 with JWT_SECRET (a printed dev default when
 *   unset), or ES256 / RS256 verified with JWT_PUBLIC_KEY_FILE (PEM) or JWT_JWKS_FILE;
 * - subgraph tokens (gateway → subgraph): ES256, signed with the gateway's private key
 *   (GATEWAY_SIGNING_KEY_FILE) and verified by each subgraph with the public key
 *   (GATEWAY_PUBLIC_KEY_FILE). Asymmetric, so a subgraph cannot mint tokens for another.
 */
/**
 * `NODE_ENV=production` or `XIRAN_ENV=production`: every service then refuses the dev secret, the
 * dev key pair and the embedded store (the gateway's production.ts, the kit's runSubgraph).
 */
export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'production' || env.XIRAN_ENV === 'production';
}

export const DEV_JWT_SECRET = 'xiran-dev-only-secret-change-me-0123456789';
export const DEFAULT_ISSUER = 'xiran-online';
export const DEFAULT_AUDIENCE = 'xiran-gateway';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CallerKeys {
  issuer: string;
  audience: string;
  /** Verification key (or key set) and the algorithms it accepts. */
  verify: Uint8Array | CryptoKey | JWTVerifyGetKey;
  algorithms: string[];
  /** Present only for the HS256 dev secret: lets `npm run token` sign. */
  hmacSecret: Uint8Array | null;
  /** True when running on the built-in dev secret. */
  devDefault: boolean;
}

export async function loadCallerKeys(env: NodeJS.ProcessEnv = process.env): Promise<CallerKeys> {
  const issuer = env.JWT_ISSUER || DEFAULT_ISSUER;
  const audience = env.JWT_AUDIENCE || DEFAULT_AUDIENCE;
  if (env.JWT_JWKS_FILE) {
    const jwks = JSON.parse(readFileSync(env.JWT_JWKS_FILE, 'utf8')) as JSONWebKeySet;
    return { issuer, audience, verify: createLocalJWKSet(jwks), algorithms: ['ES256', 'RS256'], hmacSecret: null, devDefault: false };
  }
  if (env.JWT_PUBLIC_KEY_FILE) {
    const pem = readFileSync(env.JWT_PUBLIC_KEY_FILE, 'utf8');
    const algorithm = env.JWT_ALGORITHM || 'ES256';
    if (algorithm !== 'ES256' && algorithm !== 'RS256') throw new Error('JWT_ALGORITHM must be ES256 or RS256');
    return { issuer, audience, verify: await importSPKI(pem, algorithm), algorithms: [algorithm], hmacSecret: null, devDefault: false };
  }
  const secret = env.JWT_SECRET || DEV_JWT_SECRET;
  if (secret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
  const bytes = new TextEncoder().encode(secret);
  return { issuer, audience, verify: bytes, algorithms: ['HS256'], hmacSecret: bytes, devDefault: !env.JWT_SECRET };
}

export interface GatewayKeyPair {
  privateKey: CryptoKey | null;
  publicKey: CryptoKey;
  /** Where dev keys were generated, when they were. */
  generatedAt: string | null;
}

function devKeyPaths(env: NodeJS.ProcessEnv): { privatePath: string; publicPath: string } {
  const dir = resolve(env.XIRAN_DATA_DIR || resolve(REPO_ROOT, '.data'), 'keys');
  return { privatePath: resolve(dir, 'gateway-es256.key.pem'), publicPath: resolve(dir, 'gateway-es256.pub.pem') };
}

/**
 * The gateway's ES256 key pair for subgraph tokens. With neither file configured, a dev pair is
 * generated once under the data folder (never in git) and reused by every local process.
 */
export async function loadGatewayKeys(env: NodeJS.ProcessEnv = process.env, options: { needPrivate: boolean }): Promise<GatewayKeyPair> {
  let privatePath = env.GATEWAY_SIGNING_KEY_FILE;
  let publicPath = env.GATEWAY_PUBLIC_KEY_FILE;
  let generatedAt: string | null = null;
  if (!privatePath && !publicPath) {
    ({ privatePath, publicPath } = devKeyPaths(env));
    if (!existsSync(publicPath) || !existsSync(privatePath)) {
      const pair = await generateKeyPair('ES256', { extractable: true });
      mkdirSync(dirname(privatePath), { recursive: true });
      writeFileSync(privatePath, await exportPKCS8(pair.privateKey), { mode: 0o600 });
      writeFileSync(publicPath, await exportSPKI(pair.publicKey));
    }
    generatedAt = dirname(privatePath);
  }
  if (!publicPath) throw new Error('GATEWAY_PUBLIC_KEY_FILE is required when GATEWAY_SIGNING_KEY_FILE is set');
  if (options.needPrivate && !privatePath) throw new Error('GATEWAY_SIGNING_KEY_FILE is required by the gateway');
  return {
    publicKey: await importSPKI(readFileSync(publicPath, 'utf8'), 'ES256'),
    privateKey: options.needPrivate && privatePath ? await importPKCS8(readFileSync(privatePath, 'utf8'), 'ES256') : null,
    generatedAt,
  };
}

/** A fresh in-memory pair, for tests that must not touch the data folder. */
export async function generateGatewayKeys(): Promise<GatewayKeyPair> {
  const pair = await generateKeyPair('ES256');
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, generatedAt: null };
}
