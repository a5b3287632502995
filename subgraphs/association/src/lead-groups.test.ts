import { describe, expect, it } from 'vitest';
import { defaultGrantRows, effectiveGrants, type GroupId, type Scope, type SubgraphAuth } from '@xiran/auth';
import type { Agency } from '@xiran/common';
import { groupsOf, LEAD_TYPE_GROUPS, missingGroups, needsMembership, reportGroups, type LeadCoverage } from './lead-groups';

/** A caller with the default grants, or with exactly `grants`. */
function caller(agency: Agency, district: string | null = null, grants?: Partial<Record<GroupId, Scope>>): SubgraphAuth {
  const principal = { sub: `test-${agency}`, agency, level: district ? ('district' as const) : ('city' as const), district, roles: ['reader' as const] };
  const map = grants
    ? new Map(Object.entries(grants).map(([group, scope]) => [group as GroupId, { group: group as GroupId, scope: scope!, grantId: `test:${group}` }]))
    : effectiveGrants(principal, defaultGrantRows());
  return { principal, grants: map, requestId: 'test' };
}

const arrears: LeadCoverage = { uscc: '91330106MA2B00001Y', district: '330106', routedAgency: 'market', reportedByAgency: 'hrss', groups: ['socialInsuranceStatus'], type: 'PREPAID_CARD' };

describe('the groups a report carries', () => {
  it('an agency cites its own data, plus what it names; others carry their type’s groups unless they name some', () => {
    expect(reportGroups('hrss', 'PREPAID_CARD', [])).toEqual(['socialInsuranceStatus']);
    expect(reportGroups('hrss', 'SOCIAL_INSURANCE', ['insuredHeadcount'])).toEqual(['socialInsuranceStatus', 'insuredHeadcount']);
    expect(reportGroups('environment', 'VOC', [])).toEqual(['machinesAndPermits', 'inspections']);
    expect(reportGroups('market', 'OTHER', [])).toEqual(['registration']);
    expect(reportGroups('association', 'SOCIAL_INSURANCE', [])).toEqual(['socialInsuranceStatus']);
    expect(reportGroups('association', 'PRICE', [])).toEqual(['leads']);
    // A finding's rule's groups, in the catalogue's order.
    expect(reportGroups('commerce', 'PREPAID_CARD', ['complaintSummary', 'socialInsuranceStatus'])).toEqual(['socialInsuranceStatus', 'complaintSummary']);
  });

  it('a stored lead without groups falls back to its type’s, never to none', () => {
    expect(groupsOf({ groups: [], type: 'VOC' })).toEqual(LEAD_TYPE_GROUPS.VOC);
    for (const groups of Object.values(LEAD_TYPE_GROUPS)) expect(groups.length).toBeGreaterThan(0);
  });
});

describe('who reads a lead’s text', () => {
  it('needs every group, at a scope covering the lead: FULL yes, HANDLER for a lead routed to it, AGGREGATE never', () => {
    expect(missingGroups(arrears, caller('commerce'), false)).toEqual([]);
    expect(missingGroups(arrears, caller('market'), false)).toEqual(['socialInsuranceStatus']);
    expect(missingGroups(arrears, caller('association'), true)).toEqual(['socialInsuranceStatus']);
    expect(missingGroups(arrears, caller('market', null, { socialInsuranceStatus: 'HANDLER' }), false)).toEqual([]);
    expect(missingGroups(arrears, caller('environment', null, { socialInsuranceStatus: 'HANDLER' }), false)).toEqual(['socialInsuranceStatus']);
    expect(missingGroups(arrears, caller('statistics', null, { socialInsuranceStatus: 'AGGREGATE' }), false)).toEqual(['socialInsuranceStatus']);
  });

  it('MEMBERS covers an active member only', () => {
    const members = caller('association', null, { socialInsuranceStatus: 'MEMBERS' });
    expect(needsMembership(arrears, members)).toBe(true);
    expect(missingGroups(arrears, members, true)).toEqual([]);
    expect(missingGroups(arrears, members, false)).toEqual(['socialInsuranceStatus']);
    expect(needsMembership(arrears, caller('commerce'))).toBe(false);
  });

  it('a district-level grant covers its own district only; the reporter always reads its own words', () => {
    expect(missingGroups(arrears, caller('commerce', '330106'), false)).toEqual([]);
    expect(missingGroups(arrears, caller('commerce', '330108'), false)).toEqual(['socialInsuranceStatus']);
    expect(missingGroups({ ...arrears, reportedByAgency: 'association' }, caller('association'), false)).toEqual([]);
  });
});
