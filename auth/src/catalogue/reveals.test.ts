import { describe, expect, it } from 'vitest';
import { CATALOGUE } from './catalogue';
import { defaultGrantRows } from '../grant-store';
import { effectiveGrants, type EffectiveGrant } from './grants';
import { FIELD_GROUPS, ROW_DERIVED, type GroupId } from './groups';
import type { Agency } from '@xiran/common';
import type { Scope } from './default-grants';

const grantsOf = (agency: Agency) => effectiveGrants({ sub: 't', agency, level: 'city', district: null, roles: ['reader'] }, defaultGrantRows());
const grants = (scopes: Partial<Record<GroupId, Scope>>): Map<GroupId, EffectiveGrant> =>
  new Map(Object.entries(scopes).map(([group, scope]) => [group as GroupId, { group: group as GroupId, scope: scope!, grantId: 'g' }]));

describe('derived values in the catalogue (reveals)', () => {
  it('declares each derived coordinate in its own group, revealing only other groups', () => {
    for (const derived of CATALOGUE.derivedCoordinates()) {
      expect(CATALOGUE.groupOf(derived.coordinate)?.id).toBe(derived.group);
      expect(derived.reveals.length).toBeGreaterThan(0);
      expect(derived.reveals).not.toContain(derived.group);
    }
    for (const group of FIELD_GROUPS) expect(group.summarises ?? []).not.toContain(group.id);
    expect(ROW_DERIVED.map((d) => d.coordinate)).toEqual(['Operator.findings', 'Finding.facts', 'Finding.evidence', 'Lead.facts', 'Lead.evidence']);
  });

  it('refuses a derived coordinate to a caller lacking a group it reveals, naming that group', () => {
    expect(CATALOGUE.decide('RegistrationDistrictStatistics.openOutlets', grantsOf('hrss'))).toEqual({ allowed: false, group: 'outlets', reason: 'REVEALS' });
    expect(CATALOGUE.decide('RegistrationDistrictStatistics.operators', grantsOf('hrss')).allowed).toBe(true);
    expect(CATALOGUE.decide('RegistrationDistrictStatistics.openOutlets', grantsOf('statistics')).allowed).toBe(true);
    // A statistic opens with AGGREGATE on what it counts; a per-operator value does not.
    expect(CATALOGUE.decide('RegistrationDistrictStatistics.openOutlets', grants({ registration: 'AGGREGATE', outlets: 'AGGREGATE' })).allowed).toBe(true);
    expect(CATALOGUE.decide('Query.insuredUnitKeys', grants({ insuredHeadcount: 'FULL', socialInsuranceStatus: 'AGGREGATE' }))).toMatchObject({ allowed: false, group: 'socialInsuranceStatus' });
    expect(CATALOGUE.decide('Query.insuredUnitKeys', grantsOf('commerce')).allowed).toBe(true);
  });

  it('opens a value made of parts with its own group, withholding the parts of groups not held or not covering its rows', () => {
    expect(CATALOGUE.decide('EmissionSummary.reasons', grantsOf('petition')).allowed).toBe(true);
    expect(CATALOGUE.withheldParts('EmissionSummary.reasons', grantsOf('petition'))).toEqual(['machinesAndPermits', 'inspections']);
    expect(CATALOGUE.withheldParts('EmissionSummary.reasons', grantsOf('commerce'))).toEqual([]);
    expect(CATALOGUE.withheldParts('EmissionSummary.reasons', grantsOf('environment'))).toEqual([]);
    // MEMBERS under MEMBERS covers the same rows; MEMBERS under FULL does not.
    expect(CATALOGUE.withheldParts('EmissionSummary.reasons', grantsOf('association'))).toEqual(['machinesAndPermits', 'inspections']);
    expect(CATALOGUE.withheldParts('EmissionSummary.reasons', grants({ emissionSummary: 'FULL', machinesAndPermits: 'FULL', inspections: 'FULL', penalties: 'MEMBERS' }))).toEqual(['penalties']);
    expect(CATALOGUE.withheldParts('EmissionSummary.reasons', grants({ emissionSummary: 'FULL', machinesAndPermits: 'AGGREGATE', inspections: 'FULL', penalties: 'FULL' }))).toEqual(['machinesAndPermits']);
  });
});
