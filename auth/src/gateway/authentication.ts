import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { effectiveGrants, type EffectiveGrant } from '../catalogue/grants';
import type { GroupId } from '../catalogue/groups';
import { isDistrictCode } from '../districts';
import { ErrorCode } from '../errors';
import type { GrantSource } from '../grant-store';
import { operationHash } from '../audit/chain';
import type { AuditTrail } from '../audit/trail';
import type { CallerKeys } from '../keys';
import type { Principal } from '../principal';
import { TokenRejected, verifyCallerToken } from '../tokens';

/** What the gateway knows of a request once its token is verified. */
export interface GatewayAuth {
  principal: Principal;
  /** The caller's grant per field group, fixed for the whole request. */
  grants: ReadonlyMap<GroupId, EffectiveGrant>;
  requestId: string;
}

function unauthenticated(message: string): GraphQLError {
  // Raised while building the context, so Apollo answers it with no data at all (introspection included).
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/**
 * Authentication at the gateway: `Authorization: Bearer <JWT>`, verified with jose (signature,
 * issuer, audience, expiry) and the platform's claims. No token or a bad one: UNAUTHENTICATED.
 */
export function useAuthentication(options: { keys: CallerKeys; grants: GrantSource; audit: AuditTrail }) {
  /** A refused request is recorded too (best effort: nothing is released either way). */
  const refuse = async (message: string, body: unknown): Promise<never> => {
    const request = (body ?? {}) as { query?: unknown; operationName?: unknown; variables?: unknown };
    await options.audit
      .append({
        kind: 'UNAUTHENTICATED',
        requestId: randomUUID(),
        sub: null,
        agency: null,
        level: null,
        district: null,
        operationName: typeof request.operationName === 'string' ? request.operationName : null,
        operationHash: typeof request.query === 'string' ? operationHash(request.query, request.variables) : null,
        disclosed: [],
        refused: [{ coordinate: null, group: null, code: 'UNAUTHENTICATED' }],
        detail: { reason: message },
      })
      .catch((error) => console.error('[audit] refusal not recorded', error));
    throw unauthenticated(message);
  };
  return {
    async authenticate(headers: IncomingHttpHeaders, body?: unknown): Promise<GatewayAuth> {
      const header = headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) return refuse('A bearer token is required (Authorization: Bearer <JWT>; `npm run token` prints a dev token).', body);
      let principal: Principal;
      try {
        principal = await verifyCallerToken(match[1]!, options.keys, isDistrictCode);
      } catch (error) {
        return refuse(`The bearer token was refused: ${error instanceof TokenRejected ? error.message : 'invalid'}.`, body);
      }
      const requestId = randomUUID();
      return { principal, grants: effectiveGrants(principal, options.grants.current()), requestId };
    },
  };
}
