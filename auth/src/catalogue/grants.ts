import type { Agency, Level } from '@xiran/common';
import type { Principal } from '../principal';
import type { GroupId } from './groups';
import type { Scope } from './default-grants';

/** A grant as stored: data with an owner, a purpose and maybe an expiry. */
export interface Grant {
  id: string;
  group: GroupId;
  grantee: Agency;
  /** null: both city- and district-level callers of the grantee (district ones limited to their district). */
  level: Level | null;
  scope: Scope;
  purpose: string;
  grantedBy: string;
  grantedAt: string;
  expiresAt: string | null;
}

/** What a caller may do with one group, and which grant says so. */
export interface EffectiveGrant {
  group: GroupId;
  scope: Scope;
  grantId: string;
}

const BREADTH: Record<Scope, number> = { OWNER: 5, FULL: 4, MEMBERS: 3, HANDLER: 2, AGGREGATE: 1 };

export function isLive(grant: Grant, now: number): boolean {
  return grant.expiresAt === null || Date.parse(grant.expiresAt) > now;
}

/** The caller's broadest live grant per group. Expiry is checked at every call, not cached. */
export function effectiveGrants(principal: Principal, grants: readonly Grant[], now = Date.now()): Map<GroupId, EffectiveGrant> {
  const result = new Map<GroupId, EffectiveGrant>();
  for (const grant of grants) {
    if (grant.grantee !== principal.agency) continue;
    if (grant.level !== null && grant.level !== principal.level) continue;
    if (!isLive(grant, now)) continue;
    const current = result.get(grant.group);
    if (!current || BREADTH[grant.scope] > BREADTH[current.scope]) {
      result.set(grant.group, { group: grant.group, scope: grant.scope, grantId: grant.id });
    }
  }
  return result;
}
