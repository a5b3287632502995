import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { effectiveGrants, type EffectiveGrant, type GroupId, type CallerKeys, type Principal, TokenRejected, verifyCallerToken } from '@xiran/auth';
import { isDistrictCode, ErrorCode, rateLimited } from '@xiran/common';
import type { GrantSource } from '../db/grant-repository';
import { operationHash } from '../audit/chain';
import type { AuditTrail } from '../audit/trail';
import { WindowCounter, type WindowCount } from './rate-limit';

/** Subjects of the platform's own principals (the cross-check, the member-scope sync). */
export const SYSTEM_SUBJECT_PREFIX = 'system:';

export interface UnauthenticatedLimits {
  /** Refusals per address and window answered UNAUTHENTICATED; beyond, RATE_LIMITED (429). */
  unauthenticated: number;
  windowSeconds: number;
}

export const DEFAULT_UNAUTHENTICATED_LIMITS: UnauthenticatedLimits = { unauthenticated: 30, windowSeconds: 60 };

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
export function useAuthentication(options: { keys: CallerKeys; grants: GrantSource; audit: AuditTrail; limits?: UnauthenticatedLimits }) {
  const limits = options.limits ?? DEFAULT_UNAUTHENTICATED_LIMITS;
  const entry = (fields: { operationName: string | null; operationHash: string | null; detail: Record<string, unknown> }) =>
    options.audit
      .append({
        kind: 'UNAUTHENTICATED',
        requestId: randomUUID(),
        sub: null,
        agency: null,
        level: null,
        district: null,
        ...fields,
        disclosed: [],
        refused: [{ coordinate: null, group: null, code: 'UNAUTHENTICATED' }],
      })
      .catch((error) => console.error('[audit] refusal not recorded', error));
  /**
   * Refusals are recorded, but not one row per request (an unauthenticated flood would grow the
   * trail without bound): the first refusal of an address in a window is recorded at once, with
   * its reason and operation; the rest of that window as one entry with their count, when it ends.
   */
  const refusals = new WindowCounter(limits.windowSeconds * 1000);
  refusals.ended = (address: string, window: WindowCount) => {
    if (window.count > 1) {
      void entry({
        operationName: null,
        operationHash: null,
        detail: { reason: 'further refusals from this address in the window', address, count: window.count - 1, windowStart: new Date(window.start).toISOString(), windowSeconds: limits.windowSeconds },
      });
    }
  };
  const sweeper = setInterval(() => refusals.sweep(), limits.windowSeconds * 1000);
  sweeper.unref();

  const refuse = async (message: string, body: unknown, address: string | undefined): Promise<never> => {
    const hit = refusals.hit(address ?? 'unknown');
    if (hit.fresh) {
      const request = (body ?? {}) as { query?: unknown; operationName?: unknown; variables?: unknown };
      await entry({
        operationName: typeof request.operationName === 'string' ? request.operationName : null,
        operationHash: typeof request.query === 'string' ? operationHash(request.query, request.variables) : null,
        detail: { reason: message, address: hit.key },
      });
    }
    if (hit.count > limits.unauthenticated) {
      throw rateLimited(`Too many unauthenticated requests from this address (at most ${limits.unauthenticated} in ${limits.windowSeconds} s).`, hit.retryAfterSeconds);
    }
    throw unauthenticated(message);
  };
  return {
    /** `address`: the caller's IP address, the key of the unauthenticated limit and its audit entries. */
    async authenticate(headers: IncomingHttpHeaders, body?: unknown, address?: string): Promise<GatewayAuth> {
      const header = headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) return refuse('A bearer token is required (Authorization: Bearer <JWT>; `npm run token` prints a dev token).', body, address);
      let principal: Principal;
      try {
        principal = await verifyCallerToken(match[1]!, options.keys, isDistrictCode);
      } catch (error) {
        return refuse(`The bearer token was refused: ${error instanceof TokenRejected ? error.message : 'invalid'}.`, body, address);
      }
      // The platform's own principals never come through this door: they are built inside the
      // gateway, or signed with its own key pair (subgraph tokens), never with a caller key.
      if (principal.sub.startsWith(SYSTEM_SUBJECT_PREFIX)) {
        return refuse(`The bearer token was refused: subjects ${SYSTEM_SUBJECT_PREFIX}* are the platform's own and are not accepted from caller keys.`, body, address);
      }
      const requestId = randomUUID();
      return { principal, grants: effectiveGrants(principal, options.grants.current()), requestId };
    },
    /** Stops the sweep and records the counts of the windows still open. */
    stop(): void {
      clearInterval(sweeper);
      refusals.sweep(true);
    },
  };
}
