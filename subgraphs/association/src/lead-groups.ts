import { GROUP_IDS, type EffectiveGrant, type GroupId, type SubgraphAuth } from '@xiran/auth';
import type { Agency } from '@xiran/common';
import type { LeadRow } from './db/schema';

/**
 * 限定知悉范围 of a lead's text. `facts` and `evidence` repeat what the lead's source knew ("停缴养老、
 * 医疗保险，欠费6个月" is hrss's data, "开启式干洗机" environment's), so a lead carries the field groups
 * it cites and a caller reads its text only while holding every one of them, at a scope that covers
 * the lead's operator. Its type, routing, status and dates stay readable under `leads` alone.
 */

type LeadType = LeadRow['type'];

/**
 * What an agency's own report cites of its own data. The spec names hrss, environment and market;
 * hrss adds `insuredHeadcount` when its report cites headcount (LeadInput.groups).
 */
export const AGENCY_CITES: Partial<Record<Agency, readonly GroupId[]>> = {
  hrss: ['socialInsuranceStatus'],
  environment: ['machinesAndPermits', 'inspections'],
  market: ['registration'],
};

/**
 * The groups of a lead type: what the association's own reports (and those of an agency that owns
 * no data of its own, such as 商务局) carry. A type names the regulator's domain: social insurance is
 * hrss's payment data, VOCs are environment's machines and inspections, hazardous waste its
 * inspections and manifests, 无照经营 market's registration. Consumer rights, prices, 预付卡 and
 * other leads rest on what the association itself saw: its own `leads` group.
 */
export const LEAD_TYPE_GROUPS: Readonly<Record<LeadType, readonly GroupId[]>> = {
  CONSUMER_RIGHTS: ['leads'],
  PRICE: ['leads'],
  PREPAID_CARD: ['leads'],
  UNLICENSED: ['registration'],
  VOC: ['machinesAndPermits', 'inspections'],
  HAZARDOUS_WASTE: ['inspections'],
  SOCIAL_INSURANCE: ['socialInsuranceStatus'],
  OTHER: ['leads'],
};

/** Each group once, in the catalogue's order: the same set always reads the same. */
export function sortedGroups(groups: Iterable<string>): GroupId[] {
  const set = new Set(groups);
  return GROUP_IDS.filter((g) => set.has(g));
}

/**
 * The groups a new report carries: those it names (leadFromFinding: the rule's) and what its
 * reporting agency cites of its own data; an agency without data of its own, the association
 * included, carries its lead type's groups unless it names others.
 */
export function reportGroups(agency: Agency, type: LeadType, named: readonly GroupId[]): GroupId[] {
  const own = AGENCY_CITES[agency];
  if (own) return sortedGroups([...own, ...named]);
  return sortedGroups(named.length > 0 ? named : LEAD_TYPE_GROUPS[type]);
}

/** A stored lead's groups; a row without any (none should exist) falls back to its type's, never to none. */
export function groupsOf(lead: Pick<LeadRow, 'groups' | 'type'>): readonly GroupId[] {
  return lead.groups.length > 0 ? sortedGroups(lead.groups) : LEAD_TYPE_GROUPS[lead.type];
}

/** The lead as `covers` needs it: its operator, where it is routed, who reported it. */
export type LeadCoverage = Pick<LeadRow, 'uscc' | 'district' | 'routedAgency' | 'reportedByAgency' | 'groups' | 'type'>;

/**
 * Whether `grant` opens the lead's operator: OWNER and FULL always (a district-level caller: in its
 * district), MEMBERS for an active member, HANDLER for a lead routed to the caller's agency;
 * AGGREGATE never (statistics only).
 */
function covers(grant: EffectiveGrant | undefined, lead: LeadCoverage, auth: SubgraphAuth, activeMember: boolean): boolean {
  if (!grant) return false;
  const { principal } = auth;
  if (principal.level === 'district' && lead.district !== principal.district) return false;
  switch (grant.scope) {
    case 'OWNER':
    case 'FULL':
      return true;
    case 'MEMBERS':
      return activeMember;
    case 'HANDLER':
      return lead.routedAgency === principal.agency;
    case 'AGGREGATE':
      return false;
  }
}

/**
 * The lead's groups the caller lacks for this lead (empty: it reads the text). The reporting
 * agency always reads what it wrote itself: withholding its own words from it protects nothing.
 */
export function missingGroups(lead: LeadCoverage, auth: SubgraphAuth, activeMember: boolean): GroupId[] {
  if (lead.reportedByAgency === auth.principal.agency) return [];
  return groupsOf(lead).filter((group) => !covers(auth.grants.get(group), lead, auth, activeMember));
}

/** Whether any of the lead's groups is open to the caller only through a MEMBERS grant (then membership decides). */
export function needsMembership(lead: LeadCoverage, auth: SubgraphAuth): boolean {
  return groupsOf(lead).some((group) => auth.grants.get(group)?.scope === 'MEMBERS');
}
