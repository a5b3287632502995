import { createHash, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { CallerKeys, GatewayKeyPair } from './keys';
import { principalClaims, principalFromClaims, type Principal } from './principal';
import type { Scope } from './catalogue/default-grants';

export const SUBGRAPH_TOKEN_TTL_SECONDS = 60;
export const SUBGRAPH_TOKEN_ISSUER = 'xiran-gateway';
/** The header that carries the gateway's signature on each subgraph request. */
export const SUBGRAPH_TOKEN_HEADER = 'x-xiran-gateway-token';

export class TokenRejected extends Error {}

/** Verifies a caller's bearer token (signature, issuer, audience, expiry) and its claims. */
export async function verifyCallerToken(token: string, keys: CallerKeys, isDistrict: (code: string) => boolean): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, keys.verify as Uint8Array, {
      issuer: keys.issuer,
      audience: keys.audience,
      algorithms: keys.algorithms,
      requiredClaims: ['exp', 'sub'],
    });
    return principalFromClaims(payload, isDistrict);
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw new TokenRejected(error.code);
    throw new TokenRejected((error as Error).message);
  }
}

/** Signs a caller token with the HS256 dev secret (`npm run token`, tests). */
export async function signCallerToken(
  principal: Principal,
  keys: CallerKeys,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  if (!keys.hmacSecret) throw new Error('Caller tokens can only be minted here with the HS256 secret; use your identity provider.');
  return new SignJWT(principalClaims(principal))
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuer(options.issuer ?? keys.issuer)
    .setAudience(options.audience ?? keys.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h')
    .sign(keys.hmacSecret);
}

/** The caller's grants for one subgraph's groups, as the gateway decided them: group → [scope, grant id]. */
export type SignedGrants = Record<string, [Scope, string]>;

export interface SubgraphTokenClaims {
  principal: Principal;
  requestId: string;
  grants: SignedGrants;
  /**
   * `bh`: the body this token was signed for (see bodyHash). A token captured in transit is good
   * for that one request only, not for its 60 seconds with any body.
   */
  bodyHash: string;
}

/** base64url sha256 of the exact bytes of a request body: what a subgraph token is bound to. */
export function bodyHash(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** The gateway's short-lived signature on one subgraph request: audience = that subgraph. */
export async function signSubgraphToken(keys: GatewayKeyPair, subgraph: string, claims: SubgraphTokenClaims, ttlSeconds = SUBGRAPH_TOKEN_TTL_SECONDS): Promise<string> {
  if (!keys.privateKey) throw new Error('The gateway signing key is not loaded');
  return new SignJWT({ ...principalClaims(claims.principal), rid: claims.requestId, grants: claims.grants, bh: claims.bodyHash })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(claims.principal.sub)
    .setIssuer(SUBGRAPH_TOKEN_ISSUER)
    .setAudience(subgraph)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .setJti(randomUUID())
    .sign(keys.privateKey);
}

export async function verifySubgraphToken(
  token: string,
  keys: Pick<GatewayKeyPair, 'publicKey'>,
  subgraph: string,
  isDistrict: (code: string) => boolean,
): Promise<SubgraphTokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      issuer: SUBGRAPH_TOKEN_ISSUER,
      audience: subgraph,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'sub', 'rid', 'bh'],
      maxTokenAge: SUBGRAPH_TOKEN_TTL_SECONDS * 2,
    });
    const grants = (payload.grants ?? {}) as SignedGrants;
    if (typeof grants !== 'object' || Array.isArray(grants)) throw new TokenRejected('grants malformed');
    if (typeof payload.bh !== 'string') throw new TokenRejected('body hash malformed');
    return { principal: principalFromClaims(payload, isDistrict), requestId: String(payload.rid), grants, bodyHash: payload.bh };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw new TokenRejected(error.code);
    throw new TokenRejected((error as Error).message);
  }
}

/**
 * The answer extension in which a subgraph reports to the gateway what per-row derived values
 * disclosed beyond their field's group (`{ group: [uscc, ...] }`), for the request's audit entry.
 */
export const DISCLOSED_EXTENSION = 'xiranDisclosed';
