import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { CATALOGUE, defaultGrantRows, effectiveGrants, FIELD_GROUPS, type GroupId, type Principal } from '@xiran/auth';
import { AGENCY_CODES, type Agency } from '@xiran/common';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type Caller, type TestKeys } from './support/security';

/**
 * The default catalogue, proved through the gateway over HTTP: every agency × level × field group.
 * Expectations are computed from the catalogue itself (the same grants the spec's table lists), so
 * a change of grant or coordinate changes what this test demands.
 */
const DISTRICT = '330106';
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
/** A member operator in DISTRICT known to every department. */
let subject: string;
/** A member operator of another district, and a non-member of DISTRICT. */
let otherDistrictMember: string;
let nonMember: string;

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(1500));
  const rows = async (name: keyof Stack['databases'], query: ReturnType<typeof sql>) =>
    new Set((await stack.databases[name].db.execute(query)).rows.map((r) => String(r.uscc)));
  const members = await rows('association', sql`select uscc from association.memberships where status = 'ACTIVE' and grade is not null`);
  const scored = await rows('association', sql`select uscc from association.credit_scores`);
  const machines = await rows('emissions', sql`select distinct uscc from emissions.machines where district = ${DISTRICT}`);
  const inspected = await rows('emissions', sql`select distinct uscc from emissions.inspections`);
  const insured = await rows('social-insurance', sql`select uscc from social_insurance.unit_headcount`);
  const ticketed = await rows('complaints', sql`select uscc from complaints.tickets where uscc is not null and text is not null group by uscc having count(distinct handling_agency) >= 2`);
  const leads = await rows('association', sql`select distinct uscc from association.leads`);
  const all = [...machines].filter((u) => members.has(u) && scored.has(u) && inspected.has(u) && insured.has(u) && ticketed.has(u));
  subject = all.find((u) => leads.has(u)) ?? all[0]!;
  expect(subject, 'a seed operator known to every department').toBeDefined();
  const inDistrict = await rows('registration', sql`select uscc from registration.operators where district = ${DISTRICT}`);
  otherDistrictMember = [...members].find((u) => !inDistrict.has(u))!;
  const active = await rows('association', sql`select uscc from association.memberships where status = 'ACTIVE'`);
  nonMember = [...inDistrict].find((u) => !active.has(u))!;
});

afterAll(() => stopTestStack({ stack, databases }));

/** One probe per group: a query on the subject operator, the coordinates it touches in order, where its value lands. */
interface Probe {
  group: GroupId;
  query: string;
  coordinates: string[];
  /** Response path of the probed value. */
  path: string[];
}

const op = (selection: string) => `query($u: ID!) { operator(uscc: $u) { uscc ${selection} } }`;
const PROBES: Probe[] = [
  { group: 'registration', query: op('name'), coordinates: ['Query.operator', 'Operator.name'], path: ['operator', 'name'] },
  { group: 'outlets', query: op('outlets { id }'), coordinates: ['Query.operator', 'Operator.outlets', 'Outlet.id'], path: ['operator', 'outlets'] },
  { group: 'emissionSummary', query: op('emissionSummary { compliant }'), coordinates: ['Query.operator', 'Operator.emissionSummary', 'EmissionSummary.compliant'], path: ['operator', 'emissionSummary'] },
  { group: 'machinesAndPermits', query: op('machines { solvent }'), coordinates: ['Query.operator', 'Operator.machines', 'DryCleaningMachine.solvent'], path: ['operator', 'machines'] },
  { group: 'inspections', query: op('inspections { result }'), coordinates: ['Query.operator', 'Operator.inspections', 'Inspection.result'], path: ['operator', 'inspections'] },
  { group: 'penalties', query: op('penalties { decisionNumber }'), coordinates: ['Query.operator', 'Operator.penalties', 'PenaltyDecision.decisionNumber'], path: ['operator', 'penalties'] },
  { group: 'socialInsuranceStatus', query: op('socialInsuranceStatus { inArrears }'), coordinates: ['Query.operator', 'Operator.socialInsuranceStatus', 'SocialInsuranceStatus.inArrears'], path: ['operator', 'socialInsuranceStatus'] },
  { group: 'insuredHeadcount', query: op('insuredHeadcount { band }'), coordinates: ['Query.operator', 'Operator.insuredHeadcount', 'InsuredHeadcount.band'], path: ['operator', 'insuredHeadcount'] },
  { group: 'complaintSummary', query: op('complaintSummary { total }'), coordinates: ['Query.operator', 'Operator.complaintSummary', 'ComplaintSummary.total'], path: ['operator', 'complaintSummary'] },
  { group: 'complaintTickets', query: op('complaints { category }'), coordinates: ['Query.operator', 'Operator.complaints', 'ComplaintTicket.category'], path: ['operator', 'complaints'] },
  { group: 'complaintText', query: op('complaints { text }'), coordinates: ['Query.operator', 'Operator.complaints', 'ComplaintTicket.text'], path: ['operator', 'complaints'] },
  { group: 'complainantIdentity', query: op('complaints { complainant { name } }'), coordinates: ['Query.operator', 'Operator.complaints', 'ComplaintTicket.complainant', 'Complainant.name'], path: ['operator', 'complaints'] },
  { group: 'creditGrade', query: op('creditGrade { grade }'), coordinates: ['Query.operator', 'Operator.creditGrade', 'CreditGrade.grade'], path: ['operator', 'creditGrade'] },
  { group: 'creditScore', query: op('creditScore { total }'), coordinates: ['Query.operator', 'Operator.creditScore', 'CreditScore.total'], path: ['operator', 'creditScore'] },
  { group: 'leads', query: op('leads { type }'), coordinates: ['Query.operator', 'Operator.leads', 'Lead.type'], path: ['operator', 'leads'] },
];

/** Statistics probes: an AGGREGATE grant opens exactly these. */
const AGGREGATE_PROBES: Probe[] = [
  { group: 'registration', query: '{ registrationStatistics { operators } }', coordinates: ['Query.registrationStatistics', 'RegistrationDistrictStatistics.operators'], path: ['registrationStatistics'] },
  { group: 'emissionSummary', query: '{ emissionStatistics { compliantOperators } }', coordinates: ['Query.emissionStatistics', 'EmissionDistrictStatistics.compliantOperators'], path: ['emissionStatistics'] },
  { group: 'machinesAndPermits', query: '{ emissionStatistics { district machines } }', coordinates: ['Query.emissionStatistics', 'EmissionDistrictStatistics.district', 'EmissionDistrictStatistics.machines'], path: ['emissionStatistics'] },
  { group: 'insuredHeadcount', query: '{ socialInsuranceStatistics { headcountBands { band units } } }', coordinates: ['Query.socialInsuranceStatistics', 'SocialInsuranceDistrictStatistics.headcountBands', 'HeadcountBandCount.band', 'HeadcountBandCount.units'], path: ['socialInsuranceStatistics'] },
  { group: 'socialInsuranceStatus', query: '{ socialInsuranceStatistics { district unitsInArrears } }', coordinates: ['Query.socialInsuranceStatistics', 'SocialInsuranceDistrictStatistics.district', 'SocialInsuranceDistrictStatistics.unitsInArrears'], path: ['socialInsuranceStatistics'] },
  { group: 'complaintSummary', query: '{ complaintStatistics { tickets } }', coordinates: ['Query.complaintStatistics', 'ComplaintDistrictStatistics.tickets'], path: ['complaintStatistics'] },
  { group: 'creditGrade', query: '{ associationStatistics { members } }', coordinates: ['Query.associationStatistics', 'AssociationDistrictStatistics.members'], path: ['associationStatistics'] },
  { group: 'leads', query: '{ associationStatistics { district leads } }', coordinates: ['Query.associationStatistics', 'AssociationDistrictStatistics.district', 'AssociationDistrictStatistics.leads'], path: ['associationStatistics'] },
];

/**
 * One probe per derived coordinate of the catalogue (a coordinate missing here fails the coverage
 * test); what each caller gets is computed from the catalogue's `reveals`: null + FORBIDDEN without
 * the coordinate's group or one it reveals, and for a value made of parts, the value and a
 * FORBIDDEN naming the groups whose parts were withheld.
 */
const DERIVED_PROBES: Record<string, Omit<Probe, 'group'>> = {
  'RegistrationDistrictStatistics.openOutlets': {
    query: '{ registrationStatistics { district openOutlets } }',
    coordinates: ['Query.registrationStatistics', 'RegistrationDistrictStatistics.district', 'RegistrationDistrictStatistics.openOutlets'],
    path: ['registrationStatistics', '*', 'openOutlets'],
  },
  'EmissionSummary.reasons': {
    query: op('emissionSummary { reasons }'),
    coordinates: ['Query.operator', 'Operator.emissionSummary', 'EmissionSummary.reasons'],
    path: ['operator', 'emissionSummary', 'reasons'],
  },
  'Query.insuredUnitKeys': { query: `{ insuredUnitKeys(district: "${DISTRICT}") }`, coordinates: ['Query.insuredUnitKeys'], path: ['insuredUnitKeys'] },
};

/** Every value at `path` (`*` steps into each element of a list). */
function valuesAt(data: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [data];
  if (data === null || data === undefined) return [data];
  const [step, ...rest] = path;
  if (step === '*') return Array.isArray(data) ? data.flatMap((item) => valuesAt(item, rest)) : [undefined];
  return valuesAt(typeof data === 'object' ? (data as Record<string, unknown>)[step!] : undefined, rest);
}

function grantsOf(caller: Caller) {
  const principal: Principal = { sub: 'x', agency: caller.agency, level: caller.level ?? 'city', district: caller.district ?? null, roles: ['reader'] };
  return effectiveGrants(principal, defaultGrantRows());
}

function callers(): Array<Caller & { label: string }> {
  return AGENCY_CODES.flatMap((agency: Agency) => [
    { label: `${agency}/city`, agency },
    { label: `${agency}/district`, agency, level: 'district' as const, district: DISTRICT },
  ]);
}

/** The first coordinate the catalogue refuses this caller, with its group; null when all are granted. */
function expectedRefusal(caller: Caller, probe: Probe): { group: GroupId | null } | null {
  const principal: Principal = { sub: 'x', agency: caller.agency, level: caller.level ?? 'city', district: caller.district ?? null, roles: ['reader'] };
  const grants = effectiveGrants(principal, defaultGrantRows());
  for (const coordinate of probe.coordinates) {
    const decision = CATALOGUE.decide(coordinate, grants);
    if (!decision.allowed) return { group: decision.group };
  }
  return null;
}

function at(data: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), data);
}

describe('the authorization matrix (agency × level × field group, through the gateway)', () => {
  it('covers every field group of the catalogue', () => {
    expect(new Set(PROBES.map((p) => p.group))).toEqual(new Set(FIELD_GROUPS.map((g) => g.id)));
    for (const probe of [...PROBES, ...AGGREGATE_PROBES]) {
      expect(probe.coordinates.map((c) => CATALOGUE.groupOf(c)?.id)).toContain(probe.group);
    }
  });

  it.each(callers().map((c) => [c.label, c] as const))('%s: granted → the value, not granted → null + FORBIDDEN naming the group', async (_label, caller) => {
    const headers = await bearer(keys, caller);
    let granted = 0;
    for (const probe of [...PROBES, ...AGGREGATE_PROBES]) {
      const result = await graphql(stack.gatewayUrl, probe.query, { u: subject }, headers);
      const refusal = expectedRefusal(caller, probe);
      const forbidden = (result.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN');
      const context = `${caller.agency}/${caller.level ?? 'city'} ${probe.group}: ${probe.query}`;
      expect((result.errors ?? []).filter((e) => e.extensions?.code !== 'FORBIDDEN'), context).toEqual([]);
      if (refusal) {
        expect(forbidden.map((e) => e.extensions?.group), context).toContain(refusal.group);
        const value = at(result.data, probe.path);
        expect(value === null || value === undefined || (Array.isArray(value) && JSON.stringify(value).match(/"(text|name|complainant)":"/) === null), context).toBe(true);
      } else {
        granted++;
        expect(forbidden, context).toEqual([]);
        const value = at(result.data, probe.path);
        expect(value, context).not.toBeNull();
        expect(value, context).not.toBeUndefined();
      }
    }
    // Every agency holds at least the registration group.
    expect(granted).toBeGreaterThan(0);
  });
});

describe('derived coordinates (agency × level × derived coordinate, expected answers from the catalogue’s reveals)', () => {
  const seen = new Set<string>();
  it('covers every derived coordinate of the catalogue', () => {
    expect(Object.keys(DERIVED_PROBES).sort()).toEqual(CATALOGUE.derivedCoordinates().map((d) => d.coordinate).sort());
  });

  it.each(callers().map((c) => [c.label, c] as const))('%s: every source group held → the value; one lacking → null + FORBIDDEN, or the parts it holds', async (_label, caller) => {
    const headers = await bearer(keys, caller);
    const grants = grantsOf(caller);
    for (const [coordinate, probe] of Object.entries(DERIVED_PROBES)) {
      const derived = CATALOGUE.derivation(coordinate)!;
      const result = await graphql(stack.gatewayUrl, probe.query, { u: subject }, headers);
      const context = `${caller.agency}/${caller.level ?? 'city'} ${coordinate}`;
      expect((result.errors ?? []).filter((e) => e.extensions?.code !== 'FORBIDDEN'), context).toEqual([]);
      const forbidden = (result.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN');
      const refused = probe.coordinates.map((c) => CATALOGUE.decide(c, grants)).find((d) => !d.allowed);
      const values = valuesAt(result.data, probe.path);
      if (refused) {
        // Refused for the coordinate's own group, or for a group it reveals that the caller lacks.
        if (refused.group !== null && derived.reveals.includes(refused.group) && grants.get(CATALOGUE.groupOf(coordinate)!.id)) {
          // Refused for what the value reveals: the caller holds no grant of that group that opens it.
          expect(grants.get(refused.group)?.scope ?? 'none', context).toMatch(/^(none|AGGREGATE)$/);
          seen.add('refused for a revealed group');
        } else {
          expect(probe.coordinates.map((c) => CATALOGUE.groupOf(c)?.id), context).toContain(refused.group);
          seen.add('refused for its own group');
        }
        expect(forbidden.map((e) => e.extensions?.group), context).toContain(refused.group);
        expect(values.every((v) => v === null || v === undefined), context).toBe(true);
        continue;
      }
      expect(values.length, context).toBeGreaterThan(0);
      expect(values.every((v) => v !== null && v !== undefined), context).toBe(true);
      const withheld = CATALOGUE.withheldParts(coordinate, grants);
      const partial = forbidden.filter((e) => e.extensions?.coordinate === coordinate && Array.isArray(e.extensions?.withheldGroups));
      if (withheld.length > 0) {
        expect(partial.map((e) => e.extensions?.withheldGroups), context).toEqual([withheld]);
        seen.add('parts withheld');
      } else {
        expect(forbidden, context).toEqual([]);
        seen.add('granted');
      }
    }
  });

  it('saw every kind of answer', () => {
    expect([...seen].sort()).toEqual(['granted', 'parts withheld', 'refused for a revealed group', 'refused for its own group']);
  });
});

describe('row scope through the gateway', () => {
  it('a district caller never sees another district’s operators, in look-ups, lists or counts', async () => {
    for (const agency of AGENCY_CODES.filter((a) => a !== 'association')) {
      const headers = await bearer(keys, { agency, level: 'district', district: DISTRICT });
      const other = await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name } }', { u: otherDistrictMember }, headers);
      expect(other.data?.operator, agency).toBeNull();
      const list = await graphql(stack.gatewayUrl, '{ operators(first: 1000) { totalCount nodes { district } } }', {}, headers);
      expect(list.data?.operators.nodes.every((n: { district: string }) => n.district === DISTRICT), agency).toBe(true);
      const mine = await stack.databases.registration.db.execute(sql`select count(*)::int as n from registration.operators where district = ${DISTRICT}`);
      expect(list.data?.operators.totalCount, agency).toBe(mine.rows[0]!.n);
      const stats = await graphql(stack.gatewayUrl, '{ registrationStatistics { district } }', {}, headers);
      expect(stats.data?.registrationStatistics.map((r: { district: string }) => r.district), agency).toEqual([DISTRICT]);
    }
  });

  it('the association never sees a non-member', async () => {
    const headers = await bearer(keys, { agency: 'association' });
    expect((await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name } }', { u: nonMember }, headers)).data?.operator).toBeNull();
    expect((await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name } }', { u: subject }, headers)).data?.operator.name).toEqual(expect.any(String));
    const list = await graphql(stack.gatewayUrl, '{ operators(first: 1000) { totalCount nodes { uscc } } }', {}, headers);
    const members = await stack.databases.association.db.execute(sql`select count(*)::int as n from association.memberships where status = 'ACTIVE'`);
    expect(list.data?.operators.totalCount).toBe(members.rows[0]!.n);
    expect(list.data?.operators.nodes.some((n: { uscc: string }) => n.uscc === nonMember)).toBe(false);
  });

  it('a handler sees only the tickets routed to it', async () => {
    const headers = await bearer(keys, { agency: 'market' });
    const result = await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { complaints { id handlingAgency text } } }', { u: subject }, headers);
    const tickets = result.data?.operator.complaints as Array<{ handlingAgency: string; text: string | null }>;
    const all = await stack.databases.complaints.db.execute(sql`select count(*)::int as n from complaints.tickets where uscc = ${subject} and handling_agency = 'market'`);
    expect(tickets.length).toBe(all.rows[0]!.n);
    expect(tickets.every((t) => t.handlingAgency === 'market')).toBe(true);
  });
});
