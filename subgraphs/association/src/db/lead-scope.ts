import { sql, type SQL } from 'drizzle-orm';
import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, type RowScope } from '@xiran/subgraph-kit';
import { activeMemberKeys } from './active-members';
import { leads } from './schema';

/**
 * 限定知悉范围 of violation leads. Beyond the kit's row scope, a lead is also known to the agency
 * that reported it (联动: any agency may report one):
 * - OWNER (the association): the leads it reported and the leads about its active members, never
 *   the others' leads about operators that are not (or no longer) members;
 * - FULL (商务局, the copy holder): every lead, a district-level caller those routed to its district;
 * - MEMBERS: the leads about active members (and its own reports), never all leads;
 * - HANDLER (market, environment, hrss): the leads routed to its agency OR reported by it, a
 *   district-level caller only those routed to its district;
 * - no grant at all (another agency that reported one): only the leads its agency reported. The
 *   shield refuses such a caller every Lead field anyway; this keeps the SQL from ever widening.
 */
export interface LeadScope extends RowScope {
  /** The agency whose own reports are visible besides what `handlerAgency` allows. */
  reportedBy: string | null;
  /** True when the caller holds no grant on leads: only `reportedBy`'s reports are visible. */
  reporterOnly: boolean;
  /** OWNER and MEMBERS: the leads about active members, besides `reportedBy`'s own reports. */
  aboutMembers: boolean;
}

export function leadScopeOf(auth: SubgraphAuth): LeadScope {
  const scope = rowScope(auth, 'leads');
  const grant = auth.grants.get('leads');
  const reporterOnly = !grant;
  const aboutMembers = grant?.scope === 'OWNER' || grant?.scope === 'MEMBERS';
  const reportedBy = reporterOnly || aboutMembers || grant.scope === 'HANDLER' ? auth.principal.agency : null;
  return { ...scope, reportedBy, reporterOnly, aboutMembers };
}

/** The columns a lead scope is decided on: the `leads` table's, or an alias's. */
export interface LeadScopeColumns {
  routedDistrict: SQL | typeof leads.routedDistrict;
  routedAgency: SQL | typeof leads.routedAgency;
  reportedByAgency: SQL | typeof leads.reportedByAgency;
  uscc: SQL | typeof leads.uscc;
}

/** The WHERE conjunct of `scope` over a lead (the district is the routed one: the regulator's branch). */
export function leadCondition(scope: LeadScope, columns: LeadScopeColumns = leads): SQL {
  const parts: SQL[] = [];
  if (scope.district) parts.push(sql`${columns.routedDistrict} = ${scope.district}`);
  if (scope.reporterOnly) parts.push(sql`${columns.reportedByAgency} = ${scope.reportedBy}`);
  else if (scope.handlerAgency) parts.push(sql`(${columns.routedAgency} = ${scope.handlerAgency} or ${columns.reportedByAgency} = ${scope.reportedBy})`);
  else if (scope.aboutMembers) parts.push(sql`(${columns.reportedByAgency} = ${scope.reportedBy} or ${columns.uscc} in (${activeMemberKeys}))`);
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

/** Whether `scope` hides any lead at all (a city-level FULL caller sees them all). */
export function restricts(scope: LeadScope): boolean {
  return scope.district !== null || scope.handlerAgency !== null || scope.reporterOnly || scope.aboutMembers;
}
