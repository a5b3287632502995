import type { IncomingHttpHeaders } from 'node:http';
import { FIELD_GROUPS, GROUP_IDS, type GroupId } from '../catalogue/groups';
import { effectiveGrants, type EffectiveGrant } from '../catalogue/grants';
import { SCOPES, type Scope } from '../catalogue/default-grants';
import { isDistrictCode, type Agency } from '@xiran/common';
import { defaultGrantRows } from '../grant-store';
import type { GatewayKeyPair } from '../keys';
import type { Principal } from '../principal';
import { SUBGRAPH_TOKEN_HEADER, TokenRejected, verifySubgraphToken } from '../tokens';

/** What a subgraph knows of a request: the caller, as the gateway vouched for it, and its grants. */
export interface SubgraphAuth {
  principal: Principal;
  grants: ReadonlyMap<GroupId, EffectiveGrant>;
  requestId: string;
  /** The body the gateway signed this request for (over HTTP; absent in-process). */
  bodyHash?: string;
}

/**
 * Subgraphs trust nobody: every request must carry the gateway's ES256 token for this subgraph
 * (audience = the subgraph's name), unexpired, signed for this very body (`bh`: a token captured
 * in transit cannot carry another request). `_entities` and `_service` included.
 */
export function useSubgraphAuthentication(options: { subgraph: string; keys: Pick<GatewayKeyPair, 'publicKey'> }) {
  return {
    async authenticate(headers: IncomingHttpHeaders): Promise<SubgraphAuth> {
      const token = headers[SUBGRAPH_TOKEN_HEADER];
      if (typeof token !== 'string' || token.length === 0) throw new TokenRejected('no gateway signature');
      const claims = await verifySubgraphToken(token, options.keys, options.subgraph, isDistrictCode);
      const grants = new Map<GroupId, EffectiveGrant>();
      for (const [group, value] of Object.entries(claims.grants)) {
        if (!GROUP_IDS.includes(group as GroupId)) throw new TokenRejected(`unknown group ${group}`);
        const [scope, grantId] = value;
        if (!SCOPES.includes(scope as Scope) || typeof grantId !== 'string') throw new TokenRejected('grants malformed');
        grants.set(group as GroupId, { group: group as GroupId, scope, grantId });
      }
      return { principal: claims.principal, grants, requestId: claims.requestId, bodyHash: claims.bodyHash };
    },
    /** The raw body received (its hash, see bodyHash in tokens.ts) must be the one signed; no body, no match. */
    checkBody(auth: SubgraphAuth, receivedBodyHash: string | undefined): void {
      if (!auth.bodyHash || receivedBodyHash !== auth.bodyHash) throw new TokenRejected('signed for another request body');
    },
  };
}

/** The owning department reading its own subgraph with the default grants (in-process tests, tools). */
export function ownerAuth(subgraph: string, requestId = 'in-process'): SubgraphAuth {
  const owner = FIELD_GROUPS.find((g) => g.subgraph === subgraph)?.owner;
  if (!owner) throw new Error(`No field group is served by ${subgraph}`);
  const principal: Principal = { sub: `${owner}-system`, agency: owner, level: 'city', district: null, roles: ['reader'] };
  return { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId };
}

/**
 * A caller with the `uploader` role as the gateway would vouch for it (in-process tests, tools):
 * by default the subgraph's owning agency at city level; `district` makes it district-level.
 */
export function uploaderAuth(subgraph: string, options: { agency?: Agency; district?: string; requestId?: string } = {}): SubgraphAuth {
  const owner = FIELD_GROUPS.find((g) => g.subgraph === subgraph)?.owner;
  if (!owner) throw new Error(`No field group is served by ${subgraph}`);
  const principal: Principal = {
    sub: `${options.agency ?? owner}-uploader${options.district ? `-${options.district}` : ''}`,
    agency: options.agency ?? owner,
    level: options.district ? 'district' : 'city',
    district: options.district ?? null,
    roles: ['reader', 'uploader'],
  };
  return { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId: options.requestId ?? 'in-process' };
}
