import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayInShanghai, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { checkUscc, completeUscc, DISTRICTS, type Agency, type Role } from '@xiran/common';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectAssociationDatabase } from './db';
import { CREDIT_GRADES } from './db/queries';
import { FEEDBACK_DAYS, generateAssociationSeed, insertAssociationSeed, SCORE_DIMENSIONS } from './db/seed';
import { addWorkingDays, DEFAULT_FEEDBACK_WORKING_DAYS, feedbackWorkingDays, LEAD_AGENCY } from './lead-routing';
import { createAssociationServer } from './server';
import { leads } from './db/schema';
import {
  defaultGrantRows,
  effectiveGrants,
  generateGatewayKeys,
  ownerAuth,
  uploaderAuth,
  type GroupId,
  type Principal,
  type Scope,
  type SubgraphAuth,
} from '@xiran/auth';

const asOf = '2026-11-01';
const world = generateRegistrationSeed(300, { asOf }).world;
const seed = generateAssociationSeed(world, { asOf });
let databases: TestDatabases;
let database: ServiceDatabase;
let server: ReturnType<typeof createAssociationServer>;

const run = (query: string, variables: Record<string, unknown> = {}) => server.execute(query, variables);

/** Runs a query and returns its data and the number of SQL statements it cost. */
async function measured(query: string, variables: Record<string, unknown> = {}) {
  const before = database.statements.total;
  const result = await run(query, variables);
  expect(result.errors).toBeUndefined();
  return { data: result.data as any, statements: database.statements.total - before };
}

const membershipOf = new Map(seed.memberships.map((m) => [m.uscc, m]));
const scoreOf = new Map(seed.creditScores.map((s) => [s.uscc, s]));
const leadsOf = (uscc: string) =>
  seed.leads.filter((l) => l.uscc === uscc).sort((a, b) => b.reportedOn.localeCompare(a.reportedOn) || b.id.localeCompare(a.id));

const OPERATOR_FIELDS = `
  uscc
  membership { memberNumber since status source updatedAt }
  creditGrade { grade validFrom validTo source updatedAt }
  creditScore { total assessedOn source updatedAt dimensions { code name score weight source updatedAt } }
  leads { id type facts evidence routedAgency routedDistrict copyToCommerce reportedOn feedbackDue status feedback feedbackOn uscc district source updatedAt }
`;

beforeAll(async () => {
  databases = await startTestDatabases();
  database = await connectAssociationDatabase(databases.config('association').database);
  await insertAssociationSeed(database.db, seed);
  server = createAssociationServer(database, await generateGatewayKeys());
});

afterAll(async () => {
  await server?.stop();
  await database?.close();
  await databases?.close();
});

describe('association seed', () => {
  it('is plausible: about half are members, grades match scores, leads routed by type with 21 days for feedback', () => {
    expect(seed.memberships.length / world.length).toBeGreaterThan(0.35);
    expect(seed.memberships.length / world.length).toBeLessThan(0.65);
    expect(new Set(seed.memberships.map((m) => m.memberNumber)).size).toBe(seed.memberships.length);
    const bands = { AAA: [90, 100], AA: [80, 90], A: [70, 80], B: [60, 70], C: [0, 60] } as const;
    for (const score of seed.creditScores) {
      const grade = membershipOf.get(score.uscc)!.grade!;
      expect(score.total).toBeGreaterThanOrEqual(bands[grade][0]);
      expect(score.total < bands[grade][1] || (grade === 'AAA' && score.total <= 100)).toBe(true);
      const dims = seed.creditScoreDimensions.filter((d) => d.uscc === score.uscc);
      expect(dims).toHaveLength(SCORE_DIMENSIONS.length);
      expect(Math.abs(dims.reduce((s, d) => s + d.score * d.weight, 0) - score.total)).toBeLessThan(0.06);
    }
    expect(seed.creditScores.length).toBe(seed.memberships.filter((m) => m.grade).length);
    for (const lead of seed.leads) {
      expect(lead.routedAgency).toBe(LEAD_AGENCY[lead.type]);
      expect(lead.routedDistrict).toBe(lead.district);
      expect(lead.copyToCommerce).toBe(true);
      expect(lead.reportedOn <= asOf).toBe(true);
      expect(Date.parse(lead.feedbackDue) - Date.parse(lead.reportedOn)).toBe(FEEDBACK_DAYS * 86_400_000);
      expect(lead.feedback == null).toBe(lead.status !== 'CLOSED');
    }
    expect(generateAssociationSeed(world, { asOf })).toEqual(seed);
  });

  it('gives every lead a history consistent with its status: reported, then each step by the regulator routed to', () => {
    // The workflow as the brief states it, written out here rather than imported.
    const allowed = new Set(['REPORTED>ACCEPTED', 'ACCEPTED>INVESTIGATING', 'ACCEPTED>CLOSED', 'INVESTIGATING>CLOSED']);
    const shanghaiDay = (at: string) => new Date(Date.parse(at) + 8 * 3_600_000).toISOString().slice(0, 10);
    const eventsOf = new Map<string, typeof seed.leadEvents>();
    for (const event of seed.leadEvents) eventsOf.set(event.leadId, [...(eventsOf.get(event.leadId) ?? []), event]);
    expect([...eventsOf.keys()].sort()).toEqual(seed.leads.map((l) => l.id).sort());
    const steps: Record<string, number[]> = { REPORTED: [1], ACCEPTED: [2], INVESTIGATING: [3], CLOSED: [3, 4] };
    const closedLengths = new Set<number>();
    for (const lead of seed.leads) {
      const events = eventsOf.get(lead.id)!;
      expect(events[0]).toMatchObject({ action: 'REPORTED', fromStatus: null, actorAgency: 'association', actorDistrict: null });
      expect(shanghaiDay(events[0]!.at)).toBe(lead.reportedOn);
      expect(events.at(-1)!.action).toBe(lead.status);
      for (let i = 1; i < events.length; i++) {
        const [before, step] = [events[i - 1]!, events[i]!];
        expect(allowed.has(`${before.action}>${step.action}`)).toBe(true);
        expect(step.fromStatus).toBe(before.action);
        expect(Date.parse(step.at)).toBeGreaterThan(Date.parse(before.at));
        expect(step).toMatchObject({ actorAgency: lead.routedAgency, actorDistrict: lead.routedDistrict });
      }
      for (const event of events) expect(shanghaiDay(event.at) <= asOf).toBe(true);
      if (lead.status === 'CLOSED') expect(shanghaiDay(events.at(-1)!.at)).toBe(lead.feedbackOn);
      expect(steps[lead.status]).toContain(events.length);
      if (lead.status === 'CLOSED') closedLengths.add(events.length);
    }
    // Closed leads: some were investigated first (4 steps), some settled on acceptance (3).
    expect(closedLengths).toEqual(new Set([3, 4]));
  });
});

describe('association subgraph', () => {
  it('resolves Operator entities in one statement, with empty parts for an operator it does not know', async () => {
    const graded = seed.memberships.find((m) => m.grade && leadsOf(m.uscc).length === 0)!;
    const withLeads = [...new Set(seed.leads.map((l) => l.uscc))].sort((a, b) => leadsOf(b).length - leadsOf(a).length)[0]!;
    const ungraded = seed.memberships.find((m) => !m.grade)!;
    const nonMember = world.find((o) => !membershipOf.has(o.uscc))!;
    const unknown = '91330106MA2AAAAA0X';
    const keys = [graded.uscc, withLeads, ungraded.uscc, nonMember.uscc, unknown];
    const { data, statements } = await measured(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { ${OPERATOR_FIELDS} } } }`, {
      r: keys.map((uscc) => ({ __typename: 'Operator', uscc })),
    });
    expect(statements).toBe(1);
    const [a, b, c, d, e] = data._entities;
    expect(data._entities.map((x: any) => x.uscc)).toEqual(keys);

    expect(a.membership).toEqual({ memberNumber: graded.memberNumber, since: graded.since, status: graded.status, source: 'seed', updatedAt: `${asOf}T00:00:00.000Z` });
    expect(a.creditGrade).toMatchObject({ grade: graded.grade, validFrom: graded.gradeValidFrom, validTo: graded.gradeValidTo, source: 'seed' });
    const score = scoreOf.get(graded.uscc)!;
    expect(a.creditScore).toMatchObject({ total: score.total, assessedOn: score.assessedOn, source: 'seed', updatedAt: `${asOf}T00:00:00.000Z` });
    const dims = seed.creditScoreDimensions.filter((x) => x.uscc === graded.uscc).sort((x, y) => y.weight - x.weight || x.code.localeCompare(y.code));
    expect(a.creditScore.dimensions).toEqual(dims.map((x) => ({ code: x.code, name: x.name, score: x.score, weight: x.weight, source: 'seed', updatedAt: `${asOf}T00:00:00.000Z` })));
    expect(a.leads).toEqual([]);

    const expectedLeads = leadsOf(withLeads);
    expect(b.leads.map((l: any) => l.id)).toEqual(expectedLeads.map((l) => l.id));
    expect(b.leads[0]).toMatchObject({
      type: expectedLeads[0]!.type,
      facts: expectedLeads[0]!.facts,
      routedAgency: expectedLeads[0]!.routedAgency,
      reportedOn: expectedLeads[0]!.reportedOn,
      feedbackDue: expectedLeads[0]!.feedbackDue,
      status: expectedLeads[0]!.status,
      feedback: expectedLeads[0]!.feedback ?? null,
      feedbackOn: expectedLeads[0]!.feedbackOn ?? null,
      uscc: withLeads,
      updatedAt: `${asOf}T00:00:00.000Z`,
    });

    expect(c.membership.memberNumber).toBe(ungraded.memberNumber);
    expect(c.creditGrade).toBeNull();
    expect(c.creditScore).toBeNull();

    for (const empty of [e, ...(leadsOf(nonMember.uscc).length ? [] : [d])]) {
      expect(empty).toMatchObject({ membership: null, creditGrade: null, creditScore: null, leads: [] });
    }
    expect(d.membership).toBeNull();
  });

  it('asks the database only for the parts selected', async () => {
    const member = seed.memberships[0]!;
    const pool = database.pool as unknown as { query: (...args: unknown[]) => unknown };
    const query = pool.query;
    const texts: string[] = [];
    pool.query = (...args: unknown[]) => {
      texts.push(typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text);
      return query.apply(database.pool, args);
    };
    try {
      const { data, statements } = await measured(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { creditGrade { grade } } } }`, {
        r: [{ __typename: 'Operator', uscc: member.uscc }],
      });
      expect(statements).toBe(1);
      expect(data._entities[0].creditGrade?.grade ?? null).toBe(member.grade ?? null);
    } finally {
      pool.query = query;
    }
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('"memberships"');
    expect(texts[0]).not.toMatch(/credit_scores|"leads"/);
  });

  it('resolves Lead entities in one statement, null for an unknown id, with the operator reference', async () => {
    const ids = seed.leads.slice(0, 4).map((l) => l.id);
    const { data, statements } = await measured(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { id type status feedbackDue uscc district routedAgency operator { uscc } updatedAt } } }`,
      { r: [...ids, 'XS-NONE'].map((id) => ({ __typename: 'Lead', id })) },
    );
    expect(statements).toBe(1);
    expect(data._entities.at(-1)).toBeNull();
    ids.forEach((id, i) => {
      const lead = seed.leads.find((l) => l.id === id)!;
      expect(data._entities[i]).toEqual({
        id,
        type: lead.type,
        status: lead.status,
        feedbackDue: lead.feedbackDue,
        uscc: lead.uscc,
        district: lead.district,
        routedAgency: lead.routedAgency,
        operator: { uscc: lead.uscc },
        updatedAt: `${asOf}T00:00:00.000Z`,
      });
    });
  });

  it('pages through members by uscc with a stable total, one statement per page', async () => {
    const total = seed.memberships.length;
    const first = await measured('query { members(first: 50) { totalCount nodes { uscc membership { memberNumber } creditGrade { grade } } pageInfo { hasNextPage endCursor } } }');
    expect(first.statements).toBe(1);
    const page = first.data.members;
    expect(page.totalCount).toBe(total);
    expect(page.nodes).toHaveLength(50);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await measured('query($after: String) { members(first: 1000, after: $after) { nodes { uscc membership { memberNumber } } pageInfo { hasNextPage } } }', {
      after: page.pageInfo.endCursor,
    });
    expect(next.statements).toBe(1);
    const rest = next.data.members;
    expect(rest.nodes).toHaveLength(total - 50);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const all = [...page.nodes, ...rest.nodes];
    const usccs = all.map((n: any) => n.uscc);
    expect(usccs).toEqual(seed.memberships.map((m) => m.uscc).sort());
    for (const node of all) expect(node.membership.memberNumber).toBe(membershipOf.get(node.uscc)!.memberNumber);
    for (const node of page.nodes) expect(node.creditGrade?.grade ?? null).toBe(membershipOf.get(node.uscc)!.grade ?? null);
  });

  it('filters members by grade, district and status, and counts only the matches', async () => {
    const district = seed.memberships.find((m) => m.grade === 'AA')!.district;
    const expected = seed.memberships.filter((m) => m.grade === 'AA' && m.district === district);
    const result = await measured('query($d: String) { members(first: 1000, filter: { grade: AA, district: $d }) { totalCount nodes { uscc creditGrade { grade } creditScore { total } } } }', { d: district });
    expect(result.data.members.totalCount).toBe(expected.length);
    expect(result.data.members.nodes.map((n: any) => n.uscc)).toEqual(expected.map((m) => m.uscc).sort());
    for (const node of result.data.members.nodes) {
      expect(node.creditGrade.grade).toBe('AA');
      expect(node.creditScore.total).toBe(scoreOf.get(node.uscc)!.total);
    }
    const suspended = await measured('{ members(first: 1000, filter: { status: SUSPENDED }) { totalCount nodes { membership { status } } } }');
    expect(suspended.data.members.totalCount).toBe(seed.memberships.filter((m) => m.status === 'SUSPENDED').length);
    expect(suspended.data.members.nodes.every((n: any) => n.membership.status === 'SUSPENDED')).toBe(true);
  });

  it('resolves each lead’s operator through the batched loader', async () => {
    const withLeads = new Set(seed.leads.map((l) => l.uscc));
    const { data, statements } = await measured('{ members(first: 1000) { nodes { uscc leads { id operator { uscc creditGrade { grade } } } } } }');
    // The page, then one batch for every lead's operator.
    expect(statements).toBe(withLeads.size && seed.leads.some((l) => membershipOf.has(l.uscc)) ? 2 : 1);
    for (const node of data.members.nodes) {
      expect(node.leads.map((l: any) => l.id)).toEqual(leadsOf(node.uscc).map((l) => l.id));
      for (const lead of node.leads) expect(lead.operator).toEqual({ uscc: node.uscc, creditGrade: membershipOf.get(node.uscc)!.grade ? { grade: membershipOf.get(node.uscc)!.grade } : null });
    }
  });

  it('counts per district, matching the seed', async () => {
    const result = await measured('{ associationStatistics { district districtName members activeMembers byGrade { grade members } leads openLeads } }');
    const rows = result.data.associationStatistics;
    expect(result.statements).toBe(1);
    const districts = [...new Set([...seed.memberships.map((m) => m.district), ...seed.leads.map((l) => l.district)])].sort();
    expect(rows.map((r: any) => r.district)).toEqual(districts);
    for (const row of rows) {
      const members = seed.memberships.filter((m) => m.district === row.district);
      const leads = seed.leads.filter((l) => l.district === row.district);
      expect(row.districtName).toBe(DISTRICTS.find((d) => d.code === row.district)!.name);
      expect(row.members).toBe(members.length);
      expect(row.activeMembers).toBe(members.filter((m) => m.status === 'ACTIVE').length);
      expect(row.byGrade).toEqual(['AAA', 'AA', 'A', 'B', 'C'].map((grade) => ({ grade, members: members.filter((m) => m.grade === grade).length })));
      expect(row.leads).toBe(leads.length);
      expect(row.openLeads).toBe(leads.filter((l) => l.status !== 'CLOSED').length);
    }
    expect(rows.reduce((s: number, r: any) => s + r.members, 0)).toBe(seed.memberships.length);
    expect(rows.reduce((s: number, r: any) => s + r.leads, 0)).toBe(seed.leads.length);

    const one = await measured('query($d: String) { associationStatistics(district: $d) { district members } }', { d: districts[0] });
    expect(one.data.associationStatistics).toEqual([{ district: districts[0], members: seed.memberships.filter((m) => m.district === districts[0]).length }]);
    const quiet = DISTRICTS.find((d) => !districts.includes(d.code));
    if (quiet) {
      const zero = await measured('query($d: String) { associationStatistics(district: $d) { district districtName members leads byGrade { members } } }', { d: quiet.code });
      expect(zero.data.associationStatistics).toEqual([{ district: quiet.code, districtName: quiet.name, members: 0, leads: 0, byGrade: Array(5).fill({ members: 0 }) }]);
    }
  });

  it('answers BAD_USER_INPUT for an oversized or empty page, a bad cursor and an unknown district', async () => {
    for (const [query, field] of [
      ['{ members(first: 5000) { totalCount } }', 'first'],
      ['{ members(first: 0) { totalCount } }', 'first'],
      ['{ members(after: "not-a-cursor") { totalCount } }', 'after'],
      ['{ members(filter: { district: "330199" }) { totalCount } }', 'filter.district'],
      ['{ members(filter: { district: "330103" }) { totalCount } }', 'filter.district'],
      ['{ associationStatistics(district: "330104") { district } }', 'district'],
    ] as const) {
      const result = await run(query);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    }
  });
});

/** A caller as the gateway would vouch for it: one agency, its level, and the given grants. */
function caller(agency: Agency, grants: Partial<Record<GroupId, Scope>>, district: string | null = '330106'): SubgraphAuth {
  return {
    principal: { sub: 't', agency, level: district ? 'district' : 'city', district, roles: ['reader'] },
    grants: new Map(Object.entries(grants).map(([group, scope]) => [group as GroupId, { group: group as GroupId, scope: scope!, grantId: 'g' }])),
    requestId: 'r',
  };
}

async function runAs(auth: SubgraphAuth, query: string, variables: Record<string, unknown> = {}) {
  const result = await server.execute(query, variables, auth);
  expect(result.errors).toBeUndefined();
  return result.data as any;
}

const STATISTICS = '{ associationStatistics { district members activeMembers byGrade { grade members } leads openLeads } }';
const entities = (auth: SubgraphAuth, fields: string, keys: readonly string[]) =>
  runAs(auth, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { ${fields} } } }`, { r: keys.map((uscc) => ({ __typename: 'Operator', uscc })) });
const leadEntities = (auth: SubgraphAuth, ids: readonly string[]) =>
  runAs(auth, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { id routedAgency routedDistrict } } }', { r: ids.map((id) => ({ __typename: 'Lead', id })) });
const ids = (leads: readonly { id: string }[]) => leads.map((l) => l.id);

describe('row scope (限定知悉范围)', () => {
  const D = '330106';
  const inD = seed.memberships.filter((m) => m.district === D);
  const leadsInD = seed.leads.filter((l) => l.routedDistrict === D);
  const gradedWithLeads = (district: (d: string) => boolean) =>
    seed.memberships.filter((m) => district(m.district) && m.grade).sort((a, b) => leadsOf(b.uscc).length - leadsOf(a.uscc).length)[0]!;

  it('the seed has members and leads both inside and outside the district', () => {
    expect(inD.length).toBeGreaterThan(0);
    expect(leadsInD.length).toBeGreaterThan(0);
    expect(inD.length).toBeLessThan(seed.memberships.length);
    expect(leadsInD.length).toBeLessThan(seed.leads.length);
  });

  it('a district-level caller sees only its district in entities, leads, lists, totalCount and statistics', async () => {
    const auth = caller('commerce', { creditGrade: 'FULL', creditScore: 'FULL', leads: 'FULL' });
    const inside = gradedWithLeads((d) => d === D);
    const outside = gradedWithLeads((d) => d !== D);
    expect(leadsOf(outside.uscc).length).toBeGreaterThan(0);

    const data = await entities(auth, OPERATOR_FIELDS, [inside.uscc, outside.uscc]);
    const [a, b] = data._entities;
    expect(a.membership.memberNumber).toBe(inside.memberNumber);
    expect(a.creditGrade.grade).toBe(inside.grade);
    expect(a.creditScore.total).toBe(scoreOf.get(inside.uscc)!.total);
    expect(a.creditScore.dimensions).toHaveLength(SCORE_DIMENSIONS.length);
    expect(ids(a.leads)).toEqual(ids(leadsOf(inside.uscc).filter((l) => l.routedDistrict === D)));
    // The other district's operator: nothing of it is visible.
    expect(b).toEqual({ uscc: outside.uscc, membership: null, creditGrade: null, creditScore: null, leads: [] });

    const leadInside = leadsInD[0]!;
    const leadOutside = seed.leads.find((l) => l.routedDistrict !== D)!;
    const leadData = await leadEntities(auth, [leadInside.id, leadOutside.id]);
    expect(leadData._entities).toEqual([{ id: leadInside.id, routedAgency: leadInside.routedAgency, routedDistrict: D }, null]);

    const all = await runAs(auth, '{ members(first: 1000) { totalCount nodes { uscc membership { memberNumber } } } }');
    expect(all.members.nodes.map((n: any) => n.uscc)).toEqual(inD.map((m) => m.uscc).sort());
    expect(all.members.totalCount).toBe(inD.length);
    const firstPage = await runAs(auth, '{ members(first: 2) { totalCount nodes { uscc } } }');
    expect(firstPage.members.totalCount).toBe(inD.length);
    const other = await runAs(auth, 'query($d: String) { members(first: 1000, filter: { district: $d }) { totalCount nodes { uscc } } }', { d: outside.district });
    expect(other.members).toEqual({ totalCount: 0, nodes: [] });

    const stats = await runAs(auth, STATISTICS);
    expect(stats.associationStatistics).toEqual([
      {
        district: D,
        members: inD.length,
        activeMembers: inD.filter((m) => m.status === 'ACTIVE').length,
        byGrade: CREDIT_GRADES.map((grade) => ({ grade, members: inD.filter((m) => m.grade === grade).length })),
        leads: leadsInD.length,
        openLeads: leadsInD.filter((l) => l.status !== 'CLOSED').length,
      },
    ]);
    const otherStats = await runAs(auth, 'query($d: String) { associationStatistics(district: $d) { district members activeMembers leads openLeads byGrade { members } } }', {
      d: outside.district,
    });
    expect(otherStats.associationStatistics).toEqual([{ district: outside.district, members: 0, activeMembers: 0, leads: 0, openLeads: 0, byGrade: Array(5).fill({ members: 0 }) }]);
  });

  it('a HANDLER sees only the leads routed to its agency (and, district-level, to its district)', async () => {
    const agency = 'market' as const;
    const mixed =
      [...new Set(seed.leads.map((l) => l.uscc))].find((u) => leadsOf(u).some((l) => l.routedAgency === agency) && leadsOf(u).some((l) => l.routedAgency !== agency)) ??
      seed.leads.find((l) => l.routedAgency !== agency)!.uscc;
    const mine = seed.leads.find((l) => l.routedAgency === agency)!;
    const notMine = seed.leads.find((l) => l.routedAgency !== agency)!;

    const city = caller(agency, { creditGrade: 'FULL', leads: 'HANDLER' }, null);
    const data = await entities(city, 'uscc leads { id routedAgency }', [mixed]);
    expect(ids(data._entities[0].leads)).toEqual(ids(leadsOf(mixed).filter((l) => l.routedAgency === agency)));
    expect((await leadEntities(city, [mine.id, notMine.id]))._entities).toEqual([{ id: mine.id, routedAgency: agency, routedDistrict: mine.routedDistrict }, null]);
    const stats = (await runAs(city, STATISTICS)).associationStatistics;
    const routed = seed.leads.filter((l) => l.routedAgency === agency);
    for (const row of stats) {
      const here = routed.filter((l) => l.district === row.district);
      expect(row.leads).toBe(here.length);
      expect(row.openLeads).toBe(here.filter((l) => l.status !== 'CLOSED').length);
      // Membership is not a HANDLER group: a city-level FULL grant counts every member.
      expect(row.members).toBe(seed.memberships.filter((m) => m.district === row.district).length);
    }
    expect(stats.reduce((s: number, r: any) => s + r.leads, 0)).toBe(routed.length);

    const district = caller(agency, { creditGrade: 'FULL', leads: 'HANDLER' }, D);
    const routedHere = seed.leads.filter((l) => l.routedAgency === agency && l.routedDistrict === D);
    expect(routedHere.length).toBeGreaterThan(0);
    const operators = [...new Set(seed.leads.map((l) => l.uscc))];
    const all = await entities(district, 'uscc leads { id }', operators);
    expect(all._entities.flatMap((o: any) => ids(o.leads)).sort()).toEqual(ids(routedHere).sort());
    const outsideMine = routed.find((l) => l.routedDistrict !== D)!;
    expect((await leadEntities(district, [routedHere[0]!.id, outsideMine.id, notMine.id]))._entities.map((l: any) => l?.id ?? null)).toEqual([routedHere[0]!.id, null, null]);
    const districtStats = (await runAs(district, STATISTICS)).associationStatistics;
    expect(districtStats.map((r: any) => [r.district, r.leads, r.openLeads])).toEqual([
      [D, routedHere.length, routedHere.filter((l) => l.status !== 'CLOSED').length],
    ]);
  });

  it('an AGGREGATE caller gets the statistics with cells of fewer than 3 operators suppressed, and no list', async () => {
    const auth = caller('statistics', { creditGrade: 'AGGREGATE', leads: 'AGGREGATE' }, null);
    const rows = (await runAs(auth, STATISTICS)).associationStatistics;
    const cell = (n: number, operators = n) => (operators < 3 ? null : n);
    const districts = [...new Set([...seed.memberships.map((m) => m.district), ...seed.leads.map((l) => l.district)])].sort();
    expect(rows.map((r: any) => r.district)).toEqual(districts);
    for (const row of rows) {
      const members = seed.memberships.filter((m) => m.district === row.district);
      const leads = seed.leads.filter((l) => l.district === row.district);
      const open = leads.filter((l) => l.status !== 'CLOSED');
      const operators = (list: typeof leads) => new Set(list.map((l) => l.uscc)).size;
      expect(row).toEqual({
        district: row.district,
        members: cell(members.length),
        // Complementary suppression (issue 10): shown only when neither the active nor the other members are under 3.
        activeMembers: members.length < 3 ? null : cell(members.filter((m) => m.status === 'ACTIVE').length, Math.min(...[true, false].map((a) => members.filter((m) => (m.status === 'ACTIVE') === a).length))),
        byGrade: CREDIT_GRADES.map((grade) => ({ grade, members: cell(members.filter((m) => m.grade === grade).length) })),
        leads: cell(leads.length, operators(leads)),
        openLeads: cell(open.length, operators(open)),
      });
    }
    // Both sides occur in the seed: some cells are suppressed, some are not.
    const cells = rows.flatMap((r: any) => [r.members, r.activeMembers, r.leads, r.openLeads, ...r.byGrade.map((g: any) => g.members)]);
    expect(cells).toContain(null);
    expect(cells.some((c: unknown) => typeof c === 'number')).toBe(true);

    const list = await server.execute('{ members(first: 5) { totalCount } }', {}, auth);
    expect(list.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    // The owner, by contrast, reads every cell unsuppressed.
    const owner = (await run(STATISTICS)).data as any;
    expect(owner.associationStatistics.flatMap((r: any) => [r.members, r.leads])).not.toContain(null);
  });
});

describe('intake (即时上传 / 定期更新)', () => {
  // A database of its own, without the seed: the counts of an import are then exactly the file's.
  let intakeDatabases: TestDatabases;
  let intakeDatabase: ServiceDatabase;
  let intake: ReturnType<typeof createAssociationServer>;
  const uploader = uploaderAuth('association');
  const westLake = uploaderAuth('association', { district: '330106' });
  const since = '2000-01-01T00:00:00Z';
  const sample = (name: string) => readFileSync(new URL(`../../../samples/${name}.csv`, import.meta.url), 'utf8');
  /** The sample operators (see samples/*.csv): 1-3 in 330106, 4 in 330108, 5 lapsed, 6 a non-member with a lead. */
  const op = (n: number) => completeUscc(`91330106MA2B0000${n}`);
  const NEW_MEMBER = completeUscc('91330106MA2B00007');
  const NEVER_MEMBER = completeUscc('91330106MA2B00008');

  beforeAll(async () => {
    intakeDatabases = await startTestDatabases();
    intakeDatabase = await connectAssociationDatabase(intakeDatabases.config('association').database);
    intake = createAssociationServer(intakeDatabase, await generateGatewayKeys());
  });

  afterAll(async () => {
    await intake?.stop();
    await intakeDatabase?.close();
    await intakeDatabases?.close();
  });

  const as = (auth: SubgraphAuth, query: string, variables: Record<string, unknown> = {}) => intake.execute(query, variables, auth);
  async function ok(auth: SubgraphAuth, query: string, variables: Record<string, unknown> = {}) {
    const result = await as(auth, query, variables);
    expect(result.errors).toBeUndefined();
    return result.data as any;
  }
  const changes = async () =>
    (
      await ok(uploader, 'query($s: DateTime!) { changes(since: $s) { memberships { nodes { key operation changedFields batchId } } leads { nodes { key operation changedFields batchId } } } }', {
        s: since,
      })
    ).changes as Record<'memberships' | 'leads', { nodes: Array<{ key: string; operation: string; changedFields: string[]; batchId: string }> }>;
  const changeCount = async () => {
    const all = await changes();
    return all.memberships.nodes.length + all.leads.nodes.length;
  };
  const lastBatch = async (dataset: string) =>
    (await ok(uploader, '{ dataFreshness { association { dataset mode lastBatch { id kind } } } }')).dataFreshness.association.find((d: any) => d.dataset === dataset).lastBatch;
  const member = async (uscc: string) =>
    (
      await ok(uploader, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { membership { memberNumber since status present source } creditGrade { grade validFrom validTo } } } }', {
        r: [{ __typename: 'Operator', uscc }],
      })
    )._entities[0];
  const IMPORT = 'mutation($i: ImportInput!) { importAssociationData(input: $i) { accepted rows newRows changedRows unchangedRows absentRows rejectedRows errors { line column reason } batch { id kind status } } }';
  const importFile = (dataset: string, csv: string, auth: SubgraphAuth = uploader) =>
    as(auth, IMPORT, { i: { dataset, fileName: `${dataset}.csv`, contentBase64: Buffer.from(csv).toString('base64') } });
  const MEMBERSHIP = 'mutation($i: MembershipInput!) { recordMembership(input: $i) { memberNumber since status present source } }';
  const CREDIT_GRADE = 'mutation($i: CreditGradeInput!) { recordCreditGrade(input: $i) { grade validFrom validTo source } }';
  const LEAD = 'mutation($i: LeadInput!) { reportLead(input: $i) { id type uscc district routedAgency routedDistrict copyToCommerce reportedOn feedbackDue status feedback feedbackOn } }';
  const newMember = { uscc: NEW_MEMBER, district: '330106', memberNumber: 'hzxr-2026-00101', since: '2026-10-08', status: 'ACTIVE' };
  const lead = { uscc: op(1), district: '330106', facts: '干洗机无溶剂回收装置，异味明显。', evidence: '现场照片3张' };

  it('imports the sample CSVs, and a second import of the same file changes nothing', async () => {
    for (const [dataset, rows] of [
      ['memberships', 5],
      ['leads', 4],
    ] as const) {
      const csv = sample(dataset);
      expect(csv.trim().split('\n')).toHaveLength(rows + 1);
      const first = (await importFile(dataset, csv)).data as any;
      expect(first.importAssociationData).toMatchObject({ accepted: true, rows, newRows: rows, changedRows: 0, absentRows: 0, rejectedRows: 0, errors: [] });
      expect(first.importAssociationData.batch).toMatchObject({ kind: 'IMPORT', status: 'SUCCEEDED' });
      const again = (await importFile(dataset, csv)).data as any;
      expect(again.importAssociationData).toMatchObject({ accepted: true, rows, newRows: 0, changedRows: 0, unchangedRows: rows, absentRows: 0 });
      expect(await lastBatch(dataset)).toEqual({ id: again.importAssociationData.batch.id, kind: 'IMPORT' });
      const logged = (await changes())[dataset].nodes;
      expect(logged).toHaveLength(rows);
      expect(logged.every((c) => c.operation === 'INSERTED' && c.batchId === first.importAssociationData.batch.id)).toBe(true);
    }
    expect(await member(op(4))).toEqual({
      membership: { memberNumber: 'HZXR-2017-00025', since: '2017-03-15', status: 'SUSPENDED', present: true, source: expect.stringMatching(/^import:/) },
      creditGrade: { grade: 'B', validFrom: '2025-04-01', validTo: '2027-03-31' },
    });
  });

  it('marks a member that the next snapshot leaves out as no longer present, and present again when listed', async () => {
    const full = sample('memberships');
    const without = full
      .split('\n')
      .filter((line) => !line.startsWith(op(5)))
      .join('\n');
    const report = ((await importFile('memberships', without)).data as any).importAssociationData;
    expect(report).toMatchObject({ accepted: true, rows: 4, newRows: 0, changedRows: 0, unchangedRows: 4, absentRows: 1 });
    expect((await member(op(5))).membership).toMatchObject({ status: 'LAPSED', present: false });
    expect((await member(op(1))).membership.present).toBe(true);
    const absent = (await changes()).memberships.nodes.filter((c) => c.operation === 'ABSENT');
    expect(absent).toEqual([{ key: op(5), operation: 'ABSENT', changedFields: ['present'], batchId: report.batch.id }]);

    const back = ((await importFile('memberships', full)).data as any).importAssociationData;
    expect(back).toMatchObject({ newRows: 0, changedRows: 1, absentRows: 0 });
    expect((await member(op(5))).membership.present).toBe(true);
  });

  it('records a membership: written, read back, in the change log and the freshness', async () => {
    const data = await ok(uploader, MEMBERSHIP, { i: newMember });
    expect(data.recordMembership).toEqual({ memberNumber: 'HZXR-2026-00101', since: '2026-10-08', status: 'ACTIVE', present: true, source: 'upload:association-uploader' });
    expect((await member(NEW_MEMBER)).membership).toEqual(data.recordMembership);
    const batch = await lastBatch('memberships');
    expect(batch.kind).toBe('UPLOAD');
    expect((await changes()).memberships.nodes.at(-1)).toEqual({ key: NEW_MEMBER, operation: 'INSERTED', changedFields: [], batchId: batch.id });

    // Rated with the membership; a later change of status leaves the grade as it was.
    await ok(uploader, MEMBERSHIP, { i: { ...newMember, grade: 'AA', gradeValidFrom: '2026-04-01', gradeValidTo: '2028-03-31' } });
    const suspended = await ok(uploader, MEMBERSHIP, { i: { ...newMember, status: 'SUSPENDED' } });
    expect(suspended.recordMembership.status).toBe('SUSPENDED');
    expect((await member(NEW_MEMBER)).creditGrade).toEqual({ grade: 'AA', validFrom: '2026-04-01', validTo: '2028-03-31' });
    expect((await changes()).memberships.nodes.slice(-2).map((c) => c.changedFields)).toEqual([['grade', 'gradeValidFrom', 'gradeValidTo'], ['status']]);
  });

  it('keeps the member’s name (会员名称) as recorded: given, kept when omitted, cleared by null, read from a file’s name column', async () => {
    const uscc = completeUscc('91330106MA2B00009');
    const named = { uscc, district: '330106', memberNumber: 'HZXR-2026-00109', since: '2026-10-09', status: 'ACTIVE' };
    const NAME = 'mutation($i: MembershipInput!) { recordMembership(input: $i) { name status } }';
    expect((await ok(uploader, NAME, { i: { ...named, name: '西湖洁雅洗衣店' } })).recordMembership).toEqual({ name: '西湖洁雅洗衣店', status: 'ACTIVE' });
    expect((await ok(uploader, NAME, { i: { ...named, status: 'SUSPENDED' } })).recordMembership).toEqual({ name: '西湖洁雅洗衣店', status: 'SUSPENDED' });
    expect((await ok(uploader, NAME, { i: { ...named, name: null } })).recordMembership).toEqual({ name: null, status: 'ACTIVE' });
    // A file's 会员名称 column is read (a dry run: the file is not the whole member list).
    const file = (name: string) => Buffer.from(`uscc,district,member_number,会员名称,since,status\n${uscc},330106,HZXR-2026-00109,${name},2026-10-09,ACTIVE\n`).toString('base64');
    const DRY = 'mutation($i: ImportInput!) { importAssociationData(input: $i) { accepted rows changedRows unchangedRows } }';
    await ok(uploader, NAME, { i: { ...named, name: '杭州洁雅洗衣有限公司' } });
    const same = (await ok(uploader, DRY, { i: { dataset: 'memberships', contentBase64: file('杭州洁雅洗衣有限公司'), dryRun: true } })).importAssociationData;
    expect(same).toMatchObject({ accepted: true, rows: 1, changedRows: 0, unchangedRows: 1 });
    const renamed = (await ok(uploader, DRY, { i: { dataset: 'memberships', contentBase64: file('杭州洁雅洗涤服务有限公司'), dryRun: true } })).importAssociationData;
    expect(renamed).toMatchObject({ accepted: true, rows: 1, changedRows: 1, unchangedRows: 0 });
  });

  it('records a credit grade of a member; refuses an operator that is not (or no longer) a member', async () => {
    const data = await ok(uploader, CREDIT_GRADE, { i: { uscc: NEW_MEMBER, grade: 'A', validFrom: '2026-06-01', validTo: '2028-05-31' } });
    expect(data.recordCreditGrade).toEqual({ grade: 'A', validFrom: '2026-06-01', validTo: '2028-05-31', source: 'upload:association-uploader' });
    expect((await member(NEW_MEMBER)).creditGrade).toEqual({ grade: 'A', validFrom: '2026-06-01', validTo: '2028-05-31' });
    const batch = await lastBatch('memberships');
    expect(batch.kind).toBe('UPLOAD');
    expect((await changes()).memberships.nodes.at(-1)).toEqual({ key: NEW_MEMBER, operation: 'UPDATED', changedFields: ['grade', 'gradeValidFrom', 'gradeValidTo'], batchId: batch.id });

    const before = await changeCount();
    for (const uscc of [NEVER_MEMBER, op(5)]) {
      const refused = await as(uploader, CREDIT_GRADE, { i: { uscc, grade: 'AAA', validFrom: '2026-04-01', validTo: '2028-03-31' } });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.uscc' });
    }
    const backwards = await as(uploader, CREDIT_GRADE, { i: { uscc: NEW_MEMBER, grade: 'AAA', validFrom: '2026-04-01', validTo: '2026-04-01' } });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.validTo' });
    expect(await changeCount()).toBe(before);
    expect((await member(NEW_MEMBER)).creditGrade.grade).toBe('A');
    expect((await member(NEVER_MEMBER)).membership).toBeNull();
  });

  it('routes a reported lead by type to the competent regulator, with feedback due in working days', () => {
    expect(DEFAULT_FEEDBACK_WORKING_DAYS).toBe(15);
    expect(feedbackWorkingDays({})).toBe(15);
    expect(feedbackWorkingDays({ LEAD_FEEDBACK_WORKING_DAYS: '10' })).toBe(10);
    expect(() => feedbackWorkingDays({ LEAD_FEEDBACK_WORKING_DAYS: '2.5' })).toThrow(/LEAD_FEEDBACK_WORKING_DAYS/);
    // Friday 20 November 2026: the next Monday is the first working day.
    expect(addWorkingDays('2026-11-20', 1)).toBe('2026-11-23');
    expect(addWorkingDays('2026-11-20', 15)).toBe('2026-12-11');
    // From a Saturday, 15 working days end on the Friday three weeks on.
    expect(addWorkingDays('2026-11-21', 15)).toBe('2026-12-11');
    expect(addWorkingDays('2026-11-23', 15)).toBe('2026-12-14');
  });

  it('reports a lead: routed, written, read back, in the change log (handlers see their own) and the freshness', async () => {
    const reported: Array<{ id: string; routedAgency: string }> = [];
    for (const [type, agency] of [
      ['VOC', 'environment'],
      ['HAZARDOUS_WASTE', 'environment'],
      ['SOCIAL_INSURANCE', 'hrss'],
      ['PREPAID_CARD', 'market'],
      ['CONSUMER_RIGHTS', 'market'],
      ['OTHER', 'market'],
    ] as const) {
      const data = await ok(uploader, LEAD, { i: { ...lead, type, reportedOn: '2026-11-21' } });
      expect(data.reportLead).toEqual({
        id: expect.stringMatching(/^L20261121[0-9A-F]{8}$/),
        type,
        uscc: op(1),
        district: '330106',
        routedAgency: agency,
        routedDistrict: '330106',
        copyToCommerce: true,
        reportedOn: '2026-11-21',
        feedbackDue: '2026-12-11',
        status: 'REPORTED',
        feedback: null,
        feedbackOn: null,
      });
      reported.push(data.reportLead);
    }
    const read = await ok(uploader, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { id routedAgency feedbackDue } } }', {
      r: reported.map((l) => ({ __typename: 'Lead', id: l.id })),
    });
    expect(read._entities.map((l: any) => l.id)).toEqual(reported.map((l) => l.id));

    const today = await ok(uploader, LEAD, { i: { ...lead, type: 'PRICE' } });
    expect(today.reportLead.reportedOn).toBe(todayInShanghai());
    expect(today.reportLead.feedbackDue).toBe(addWorkingDays(todayInShanghai(), 15));
    const previous = process.env.LEAD_FEEDBACK_WORKING_DAYS;
    process.env.LEAD_FEEDBACK_WORKING_DAYS = '5';
    try {
      const shorter = await ok(uploader, LEAD, { i: { ...lead, type: 'PRICE', reportedOn: '2026-11-20' } });
      expect(shorter.reportLead.feedbackDue).toBe('2026-11-27');
      reported.push(today.reportLead, shorter.reportLead);
    } finally {
      if (previous === undefined) delete process.env.LEAD_FEEDBACK_WORKING_DAYS;
      else process.env.LEAD_FEEDBACK_WORKING_DAYS = previous;
    }

    const logged = (await changes()).leads.nodes;
    const batch = await lastBatch('leads');
    expect(batch.kind).toBe('UPLOAD');
    expect(logged.slice(-reported.length)).toEqual(reported.map((l, i) => ({ key: l.id, operation: 'INSERTED', changedFields: [], batchId: i === reported.length - 1 ? batch.id : expect.any(String) })));

    // A HANDLER reads the change log of the leads routed to its agency only (the samples' included).
    const environment = caller('environment', { leads: 'HANDLER' }, null);
    const feed = await ok(environment, 'query($s: DateTime!) { changes(since: $s) { leads { nodes { key } } } }', { s: since });
    const theirs = feed.changes.leads.nodes.map((c: { key: string }) => c.key);
    expect(theirs).toEqual(['L20261020B5D2E8A1', ...reported.filter((l) => l.routedAgency === 'environment').map((l) => l.id)]);
  });

  it('answers BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const before = await changeCount();
    const other = { ...newMember, uscc: NEVER_MEMBER, memberNumber: 'HZXR-2026-00102' };
    for (const [mutation, input, field] of [
      [MEMBERSHIP, { ...other, district: '330199' }, 'input.district'],
      [MEMBERSHIP, { ...other, uscc: '91330106MA2B000080' }, 'input.uscc'],
      [MEMBERSHIP, { ...other, memberNumber: 'HZXR 2026/102' }, 'input.memberNumber'],
      [MEMBERSHIP, { ...other, since: '2099-01-01' }, 'input.since'],
      [MEMBERSHIP, { ...other, grade: 'A' }, 'input.gradeValidFrom'],
      [MEMBERSHIP, { ...other, grade: 'A', gradeValidFrom: '2026-04-01', gradeValidTo: '2025-03-31' }, 'input.gradeValidTo'],
      // Held by the first sample member.
      [MEMBERSHIP, { ...other, memberNumber: 'HZXR-2015-00012' }, 'input.memberNumber'],
      [LEAD, { ...lead, type: 'PRICE', reportedOn: '2099-01-01' }, 'input.reportedOn'],
      [LEAD, { ...lead, type: 'PRICE', facts: '事'.repeat(2001) }, 'input.facts'],
      [LEAD, { ...lead, type: 'PRICE', uscc: 'not-a-uscc' }, 'input.uscc'],
    ] as const) {
      const result = await as(uploader, mutation, { i: input });
      expect(result.errors?.[0]?.extensions, JSON.stringify(input).slice(0, 120)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    }

    // A file with a bad row is refused whole: its good rows are not written either.
    const bad = `${sample('memberships').trim()}\n${NEVER_MEMBER},330106,HZXR-2026-00102,2026-10-08,ACTIVE,A,2026-04-01,2026-03-01\n`;
    const refused = ((await importFile('memberships', bad.replace('HZXR-2015-00012,2015-05-20,ACTIVE', 'HZXR-2015-00012,2015-05-20,SUSPENDED'))).data as any).importAssociationData;
    expect(refused).toMatchObject({ accepted: false, rejectedRows: 1, batch: { status: 'REJECTED' } });
    expect(refused.errors).toEqual([{ line: 7, column: 'grade_valid_to', reason: expect.stringMatching(/after/) }]);
    const leadCsv = sample('leads').replace(',market,330105,', ',commerce,330105,');
    const refusedLeads = ((await importFile('leads', leadCsv)).data as any).importAssociationData;
    expect(refusedLeads).toMatchObject({ accepted: false, errors: [{ line: 5, column: 'routed_agency' }] });
    // Two members with one member number: the database refuses it, reported on the file.
    const twice = await importFile('memberships', sample('memberships').replace('HZXR-2019-00007', 'HZXR-2015-00012'));
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contentBase64' });

    expect(await changeCount()).toBe(before);
    expect((await member(NEVER_MEMBER)).membership).toBeNull();
    expect((await member(op(1))).membership.status).toBe('ACTIVE');
    expect((await member(op(2))).membership.memberNumber).toBe('HZXR-2019-00007');
  });

  it('refuses readers and other agencies (FORBIDDEN); a district uploader writes only in its district', async () => {
    const before = await changeCount();
    const inWestLake = { ...newMember, uscc: NEVER_MEMBER, memberNumber: 'HZXR-2026-00103' };
    for (const auth of [ownerAuth('association'), uploaderAuth('association', { agency: 'market' }), uploaderAuth('association', { agency: 'commerce' })]) {
      // 联动: any agency's uploader may report a lead (see the 联动 tests); a reader may not.
      const reader = !auth.principal.roles.includes('uploader');
      for (const [mutation, input] of [
        [MEMBERSHIP, inWestLake],
        [CREDIT_GRADE, { uscc: op(1), grade: 'AAA', validFrom: '2026-04-01', validTo: '2028-03-31' }],
        ...(reader ? ([[LEAD, { ...lead, type: 'PRICE' }]] as const) : []),
      ] as const) {
        const result = await as(auth, mutation, { i: input });
        expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      const imported = await importFile('leads', sample('leads'), auth);
      expect(imported.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    for (const [mutation, input, field] of [
      [MEMBERSHIP, { ...inWestLake, district: '330108' }, 'input.district'],
      // A member held under 330108 may not be moved by a 330106 uploader.
      [MEMBERSHIP, { uscc: op(4), district: '330106', memberNumber: 'HZXR-2017-00025', since: '2017-03-15', status: 'ACTIVE' }, 'input.district'],
      [CREDIT_GRADE, { uscc: op(4), grade: 'A', validFrom: '2026-04-01', validTo: '2028-03-31' }, 'input.uscc'],
      [LEAD, { ...lead, type: 'PRICE', district: '330108' }, 'input.district'],
    ] as const) {
      const result = await as(westLake, mutation, { i: input });
      expect(result.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({ code: 'FORBIDDEN', field });
    }
    expect(await changeCount()).toBe(before);

    expect((await ok(westLake, MEMBERSHIP, { i: inWestLake })).recordMembership).toMatchObject({ memberNumber: 'HZXR-2026-00103', present: true });
    expect((await ok(westLake, CREDIT_GRADE, { i: { uscc: op(1), grade: 'AAA', validFrom: '2026-04-01', validTo: '2028-03-31' } })).recordCreditGrade.grade).toBe('AAA');
    expect((await ok(westLake, LEAD, { i: { ...lead, type: 'PRICE' } })).reportLead).toMatchObject({ routedAgency: 'market', routedDistrict: '330106' });
    expect(await changeCount()).toBe(before + 3);
  });
});

describe('联动: leads reported by any agency, handled by the regulator routed to, tracked', () => {
  // A seeded database of its own: the story below changes leads, the other blocks compare with the seed.
  let linkDatabases: TestDatabases;
  let linkDatabase: ServiceDatabase;
  let link: ReturnType<typeof createAssociationServer>;
  const D = '330106';
  /** Today in Asia/Shanghai, worked out here (UTC+8, no summer time). */
  const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  /** `n` Monday-to-Friday days after `from`. */
  function weekdaysAfter(from: string, n: number): string {
    const day = new Date(`${from}T12:00:00Z`);
    for (let left = n; left > 0; ) {
      day.setUTCDate(day.getUTCDate() + 1);
      if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) left--;
    }
    return day.toISOString().slice(0, 10);
  }
  const daysBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

  /** A caller of `agency` with the default grants, as the gateway would vouch for it. */
  function agencyAuth(agency: Agency, district: string | null, roles: Role[] = ['reader']): SubgraphAuth {
    const principal: Principal = { sub: `${agency}-${district ?? 'city'}-${roles.at(-1)}`, agency, level: district ? 'district' : 'city', district, roles };
    return { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId: 'linkage' };
  }
  const associationUploader = uploaderAuth('association');
  const owner = ownerAuth('association');
  const environmentHere = agencyAuth('environment', D);
  const environmentThere = agencyAuth('environment', '330108');
  const commerceHere = agencyAuth('commerce', D);
  const marketHere = agencyAuth('market', D);
  const environmentUploaderHere = uploaderAuth('association', { agency: 'environment', district: D });
  const environmentUploaderThere = uploaderAuth('association', { agency: 'environment', district: '330108' });
  const marketUploader = uploaderAuth('association', { agency: 'market' });
  const marketUploaderHere = uploaderAuth('association', { agency: 'market', district: D });

  const LEAD_FIELDS = `id type uscc district routedAgency routedDistrict reportedOn feedbackDue status feedback feedbackOn reportedByAgency overdue
    history { at action fromStatus actorSub actorAgency actorDistrict note }`;
  const REPORT = `mutation($i: LeadInput!) { reportLead(input: $i) { ${LEAD_FIELDS} } }`;
  const ACCEPT = `mutation($i: LeadActionInput!) { acceptLead(input: $i) { ${LEAD_FIELDS} } }`;
  const INVESTIGATE = `mutation($i: LeadActionInput!) { startLeadInvestigation(input: $i) { ${LEAD_FIELDS} } }`;
  const CLOSE = `mutation($i: CloseLeadInput!) { closeLead(input: $i) { ${LEAD_FIELDS} } }`;
  const LIST = 'query($f: LeadFilter, $first: Int, $after: String) { leads(filter: $f, first: $first, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }';
  const OVERDUE = 'query($d: String, $first: Int, $after: String) { overdueLeads(district: $d, first: $first, after: $after) { totalCount nodes { id feedbackDue overdue } pageInfo { hasNextPage endCursor } } }';

  const as = (auth: SubgraphAuth, query: string, variables: Record<string, unknown> = {}) => link.execute(query, variables, auth);
  async function ok(auth: SubgraphAuth, query: string, variables: Record<string, unknown> = {}) {
    const result = await as(auth, query, variables);
    expect(result.errors).toBeUndefined();
    return result.data as any;
  }
  async function refused(auth: SubgraphAuth, query: string, variables: Record<string, unknown>, code: string, field?: string) {
    const result = await as(auth, query, variables);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code, ...(field ? { field } : {}) });
    expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    return result.errors![0]!;
  }
  const entity = async (auth: SubgraphAuth, id: string) =>
    (await ok(auth, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { ${LEAD_FIELDS} } } }`, { r: [{ __typename: 'Lead', id }] }))._entities[0];
  /** Every page of a list, followed through its cursors. */
  async function allPages(auth: SubgraphAuth, query: string, field: 'leads' | 'overdueLeads', variables: Record<string, unknown>, first: number) {
    const ids: string[] = [];
    let after: string | null = null;
    let totalCount = -1;
    for (;;) {
      const page: any = (await ok(auth, query, { ...variables, first, after }))[field];
      ids.push(...page.nodes.map((n: { id: string }) => n.id));
      totalCount = page.totalCount;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return { ids, totalCount };
  }
  const listIds = async (auth: SubgraphAuth, filter: Record<string, unknown> = {}) => (await allPages(auth, LIST, 'leads', { f: filter }, 1000)).ids;
  const operatorLeadIds = async (auth: SubgraphAuth, uscc: string) =>
    (await ok(auth, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { leads { id } } } }', { r: [{ __typename: 'Operator', uscc }] }))._entities[0].leads.map(
      (l: { id: string }) => l.id,
    );
  const changesOf = async (auth: SubgraphAuth, id: string) =>
    (await ok(auth, 'query { changes(since: "2000-01-01T00:00:00Z") { leads(first: 1000) { nodes { key operation changedFields } } } }')).changes.leads.nodes.filter(
      (c: { key: string }) => c.key === id,
    );

  /** A trading operator of the district whose code passes the check character (the intake insists). */
  const operator = world.find((o) => {
    const check = checkUscc(o.uscc);
    return o.district === D && o.status === 'ACTIVE' && check.ok && check.checkDigitValid;
  })!;
  const facts = { uscc: operator.uscc, district: D, facts: '干洗机无溶剂回收装置，店内四氯乙烯异味明显。', evidence: '现场照片3张；协会巡查记录' };
  const story: { id: string } = { id: '' };

  beforeAll(async () => {
    linkDatabases = await startTestDatabases();
    linkDatabase = await connectAssociationDatabase(linkDatabases.config('association').database);
    await insertAssociationSeed(linkDatabase.db, seed);
    link = createAssociationServer(linkDatabase, await generateGatewayKeys());
  });

  afterAll(async () => {
    await link?.stop();
    await linkDatabase?.close();
    await linkDatabases?.close();
  });

  it('lists leads in scope, most recently reported first, a page at a time, with their history in one more statement', async () => {
    const recent = (list: typeof seed.leads) => [...list].sort((a, b) => b.reportedOn.localeCompare(a.reportedOn) || b.id.localeCompare(a.id)).map((l) => l.id);
    const paged = await allPages(owner, LIST, 'leads', {}, 7);
    expect(paged).toEqual({ ids: recent(seed.leads), totalCount: seed.leads.length });
    // A city-level HANDLER: the leads routed to its agency (the seed's are all the association's reports).
    expect(await listIds(agencyAuth('environment', null))).toEqual(recent(seed.leads.filter((l) => l.routedAgency === 'environment')));
    expect(await listIds(commerceHere)).toEqual(recent(seed.leads.filter((l) => l.routedDistrict === D)));
    const filtered = seed.leads.filter((l) => l.routedDistrict === D && l.routedAgency === 'market' && l.status !== 'CLOSED');
    expect(await listIds(owner, { district: D, routedAgency: 'market', status: 'REPORTED' })).toEqual(recent(filtered.filter((l) => l.status === 'REPORTED')));
    const type = seed.leads[0]!.type;
    expect(await listIds(owner, { type })).toEqual(recent(seed.leads.filter((l) => l.type === type)));
    const overdue = seed.leads.filter((l) => l.status !== 'CLOSED' && l.feedbackDue < today());
    expect(overdue.length).toBeGreaterThan(0);
    expect(await listIds(owner, { overdue: true })).toEqual(recent(overdue));
    expect(await listIds(owner, { overdue: false })).toEqual(recent(seed.leads.filter((l) => !overdue.includes(l))));

    // Histories come back as seeded, for a whole page, in one statement after the page's.
    const before = linkDatabase.statements.total;
    const page = await ok(owner, '{ leads(first: 50) { nodes { id status history { at action fromStatus actorSub actorAgency actorDistrict note } } } }');
    expect(linkDatabase.statements.total - before).toBe(2);
    for (const node of page.leads.nodes) {
      const expected = seed.leadEvents.filter((e) => e.leadId === node.id).map(({ leadId: _lead, ...e }) => ({ ...e, at: new Date(e.at).toISOString() }));
      expect(node.history).toEqual(expected);
      expect(node.history.at(-1).action).toBe(node.status);
    }

    for (const [variables, field] of [
      [{ f: { routedAgency: 'commerce' } }, 'filter.routedAgency'],
      [{ f: { district: '330199' } }, 'filter.district'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ first: 1001 }, 'first'],
    ] as const) {
      await refused(owner, LIST, variables, 'BAD_USER_INPUT', field);
    }
  });

  it('an association uploader reports a VOC lead: routed to environment at 330106, 15 working days, history [REPORTED]', async () => {
    const day = today();
    const data = await ok(associationUploader, REPORT, { i: { ...facts, type: 'VOC' } });
    story.id = data.reportLead.id;
    expect(data.reportLead).toEqual({
      id: expect.stringMatching(new RegExp(`^L${day.replaceAll('-', '')}[0-9A-F]{8}$`)),
      type: 'VOC',
      uscc: operator.uscc,
      district: D,
      routedAgency: 'environment',
      routedDistrict: D,
      reportedOn: day,
      feedbackDue: weekdaysAfter(day, 15),
      status: 'REPORTED',
      feedback: null,
      feedbackOn: null,
      reportedByAgency: 'association',
      overdue: false,
      history: [{ at: expect.any(String), action: 'REPORTED', fromStatus: null, actorSub: 'association-uploader', actorAgency: 'association', actorDistrict: null, note: null }],
    });
    expect(Math.abs(Date.parse(data.reportLead.history[0].at) - Date.now())).toBeLessThan(60_000);
    expect(await changesOf(owner, story.id)).toEqual([{ key: story.id, operation: 'INSERTED', changedFields: [] }]);
  });

  it('is seen by environment and commerce of 330106, not by environment 330108 nor market 330106', async () => {
    for (const auth of [environmentHere, commerceHere]) {
      const lead = await entity(auth, story.id);
      expect(lead).toMatchObject({ id: story.id, routedAgency: 'environment', reportedByAgency: 'association' });
      expect(lead.history.map((e: any) => e.action)).toEqual(['REPORTED']);
      expect(await listIds(auth)).toContain(story.id);
      expect(await operatorLeadIds(auth, operator.uscc)).toContain(story.id);
      expect((await changesOf(auth, story.id)).map((c: any) => c.operation)).toEqual(['INSERTED']);
    }
    for (const auth of [environmentThere, marketHere]) {
      expect(await entity(auth, story.id)).toBeNull();
      expect(await listIds(auth)).not.toContain(story.id);
      expect(await operatorLeadIds(auth, operator.uscc)).not.toContain(story.id);
      expect(await changesOf(auth, story.id)).toEqual([]);
    }
  });

  it('only the environment uploader of 330106 handles it: accepted, investigated, closed, each step in the history and the change log', async () => {
    const id = story.id;
    // Out of scope: answered exactly as an id that does not exist.
    const hidden = await refused(environmentUploaderThere, ACCEPT, { i: { id } }, 'BAD_USER_INPUT', 'input.id');
    const missing = await refused(environmentUploaderThere, ACCEPT, { i: { id: 'L20261101DEADBEEF' } }, 'BAD_USER_INPUT', 'input.id');
    expect(hidden.message).toBe(`input.id: no lead ${id}`);
    expect(missing.message).toBe('input.id: no lead L20261101DEADBEEF');
    await refused(marketUploaderHere, ACCEPT, { i: { id } }, 'BAD_USER_INPUT', 'input.id');
    // Not a handler at all: the shield refuses before the resolver runs.
    for (const auth of [associationUploader, uploaderAuth('association', { agency: 'commerce' }), environmentHere]) await refused(auth, ACCEPT, { i: { id } }, 'FORBIDDEN');
    expect((await entity(owner, id)).history).toHaveLength(1);

    const accepted = (await ok(environmentUploaderHere, ACCEPT, { i: { id, note: '  已受理，交执法大队核查。 ' } })).acceptLead;
    expect(accepted).toMatchObject({ status: 'ACCEPTED', feedback: null });
    const investigating = (await ok(environmentUploaderHere, INVESTIGATE, { i: { id } })).startLeadInvestigation;
    expect(investigating.status).toBe('INVESTIGATING');
    const feedback = '经现场检查，当事人已停用开启式干洗机，限期完成设备更换。';
    const closed = (await ok(environmentUploaderHere, CLOSE, { i: { id, feedback, note: '办结' } })).closeLead;
    expect(closed).toMatchObject({ status: 'CLOSED', feedback, feedbackOn: today(), overdue: false });

    const actor = { actorSub: 'environment-uploader-330106', actorAgency: 'environment', actorDistrict: D };
    expect(closed.history.map(({ at: _at, ...e }: any) => e)).toEqual([
      { action: 'REPORTED', fromStatus: null, actorSub: 'association-uploader', actorAgency: 'association', actorDistrict: null, note: null },
      { action: 'ACCEPTED', fromStatus: 'REPORTED', ...actor, note: '已受理，交执法大队核查。' },
      { action: 'INVESTIGATING', fromStatus: 'ACCEPTED', ...actor, note: null },
      { action: 'CLOSED', fromStatus: 'INVESTIGATING', ...actor, note: '办结' },
    ]);
    const times = closed.history.map((e: any) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Read by anyone in scope, the same lead and history.
    expect(await entity(commerceHere, id)).toEqual(closed);
    expect(await changesOf(environmentHere, id)).toEqual([
      { key: id, operation: 'INSERTED', changedFields: [] },
      { key: id, operation: 'UPDATED', changedFields: ['status'] },
      { key: id, operation: 'UPDATED', changedFields: ['status'] },
      { key: id, operation: 'UPDATED', changedFields: ['status', 'feedback', 'feedbackOn'] },
    ]);
  });

  it('refuses an illegal transition or a bad close, naming the status, and changes nothing', async () => {
    const closed = await entity(owner, story.id);
    const fresh = (await ok(associationUploader, REPORT, { i: { ...facts, type: 'HAZARDOUS_WASTE' } })).reportLead;
    const states = async () => [await entity(owner, story.id), await entity(owner, fresh.id), await changesOf(owner, story.id), await changesOf(owner, fresh.id)];
    const before = await states();
    for (const [query, input, message] of [
      [ACCEPT, { id: story.id }, `lead ${story.id} is CLOSED; it cannot be accepted`],
      [INVESTIGATE, { id: story.id }, `lead ${story.id} is CLOSED; it cannot be put under investigation`],
      [CLOSE, { id: story.id, feedback: '再次办结' }, `lead ${story.id} is CLOSED; it cannot be closed`],
      [INVESTIGATE, { id: fresh.id }, `lead ${fresh.id} is REPORTED; it cannot be put under investigation`],
      [CLOSE, { id: fresh.id, feedback: '未受理先办结' }, `lead ${fresh.id} is REPORTED; it cannot be closed`],
    ] as const) {
      const error = await refused(environmentUploaderHere, query, { i: input }, 'BAD_USER_INPUT', 'input.id');
      expect(error.message).toBe(`input.id: ${message}`);
    }
    await ok(environmentUploaderHere, ACCEPT, { i: { id: fresh.id } });
    const accepted = await states();
    for (const [input, field] of [
      [{ id: fresh.id, feedback: '   ' }, 'input.feedback'],
      [{ id: fresh.id, feedback: '果'.repeat(2001) }, 'input.feedback'],
      [{ id: fresh.id, feedback: '已办结', note: '注'.repeat(2001) }, 'input.note'],
    ] as const) {
      await refused(environmentUploaderHere, CLOSE, { i: input }, 'BAD_USER_INPUT', field);
    }
    expect(await states()).toEqual(accepted);
    expect(accepted[0]).toEqual(closed);
    expect(accepted[2]).toEqual(before[2]);
    expect(accepted[1].history.map((e: any) => e.action)).toEqual(['REPORTED', 'ACCEPTED']);
  });

  it('of two handlers accepting one lead at once, exactly one succeeds', async () => {
    const lead = (await ok(associationUploader, REPORT, { i: { ...facts, type: 'VOC' } })).reportLead;
    const other = uploaderAuth('association', { agency: 'environment', district: D, requestId: 'second' });
    const results = await Promise.all([as(environmentUploaderHere, ACCEPT, { i: { id: lead.id, note: 'first' } }), as(other, ACCEPT, { i: { id: lead.id, note: 'second' } })]);
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    const loser = results.find((r) => r.errors)!;
    expect(loser.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
    expect(loser.errors![0]!.message).toBe(`input.id: lead ${lead.id} is ACCEPTED; it cannot be accepted`);
    const stored = await entity(owner, lead.id);
    expect(stored.history.map((e: any) => e.action)).toEqual(['REPORTED', 'ACCEPTED']);
    expect((await changesOf(owner, lead.id)).map((c: any) => c.operation)).toEqual(['INSERTED', 'UPDATED']);
  });

  it('lists a lead past its deadline and not closed in overdueLeads (commerce 330106), overdue: true, until it is closed', async () => {
    // Reported 40 days ago: 15 working days have long passed.
    const reportedOn = daysBefore(today(), 40);
    const late = (await ok(associationUploader, REPORT, { i: { ...facts, type: 'PRICE', reportedOn } })).reportLead;
    expect(late).toMatchObject({ routedAgency: 'market', feedbackDue: weekdaysAfter(reportedOn, 15), overdue: true });
    const due = (list: Array<{ id: string; feedbackDue: string }>) => [...list].sort((a, b) => a.feedbackDue.localeCompare(b.feedbackDue) || a.id.localeCompare(b.id)).map((l) => l.id);
    const seededOverdueHere = seed.leads.filter((l) => l.routedDistrict === D && l.status !== 'CLOSED' && l.feedbackDue < today());
    const expected = due([...seededOverdueHere, late]);

    const paged = await allPages(commerceHere, OVERDUE, 'overdueLeads', {}, 2);
    expect(paged).toEqual({ ids: expected, totalCount: expected.length });
    const page = (await ok(commerceHere, OVERDUE, { first: 1000 })).overdueLeads;
    expect(page.nodes.every((n: any) => n.overdue === true && n.feedbackDue < today())).toBe(true);
    expect((await entity(commerceHere, late.id)).overdue).toBe(true);
    // The city's list, narrowed to the district, is the same; another district's does not hold it.
    expect((await allPages(owner, OVERDUE, 'overdueLeads', { d: D }, 1000)).ids).toEqual(expected);
    expect((await allPages(owner, OVERDUE, 'overdueLeads', { d: '330108' }, 1000)).ids).not.toContain(late.id);
    expect(await listIds(commerceHere, { overdue: true })).toContain(late.id);
    // environment handles none of these: it sees none of the market's overdue leads.
    const environmentOverdue = (await allPages(environmentHere, OVERDUE, 'overdueLeads', {}, 1000)).ids;
    expect(environmentOverdue).toEqual(due(seededOverdueHere.filter((l) => l.routedAgency === 'environment')));

    await ok(marketUploaderHere, ACCEPT, { i: { id: late.id } });
    const closed = (await ok(marketUploaderHere, CLOSE, { i: { id: late.id, feedback: '经核查，已督促当事人规范明码标价。' } })).closeLead;
    expect(closed).toMatchObject({ status: 'CLOSED', overdue: false, feedbackOn: today() });
    expect(closed.history.map((e: any) => `${e.fromStatus}>${e.action}`)).toEqual(['null>REPORTED', 'REPORTED>ACCEPTED', 'ACCEPTED>CLOSED']);
    const after = await allPages(commerceHere, OVERDUE, 'overdueLeads', {}, 1000);
    expect(after).toEqual({ ids: expected.filter((id) => id !== late.id), totalCount: expected.length - 1 });
    expect(await listIds(commerceHere, { overdue: true })).not.toContain(late.id);
    expect(await listIds(commerceHere, { overdue: false })).toContain(late.id);
  });

  it('a market uploader (any agency) reports a lead and sees it as its reporter; only environment handles it', async () => {
    const lead = (await ok(marketUploader, REPORT, { i: { ...facts, type: 'VOC' } })).reportLead;
    expect(lead).toMatchObject({ routedAgency: 'environment', routedDistrict: D, reportedByAgency: 'market', status: 'REPORTED' });
    expect(lead.history).toEqual([{ at: expect.any(String), action: 'REPORTED', fromStatus: null, actorSub: 'market-uploader', actorAgency: 'market', actorDistrict: null, note: null }]);
    // Market's readers see it (reported by market), as does environment (routed); not environment of another district.
    for (const auth of [marketHere, agencyAuth('market', null), environmentHere]) {
      expect((await entity(auth, lead.id))?.reportedByAgency).toBe('market');
      expect(await listIds(auth)).toContain(lead.id);
      expect(await operatorLeadIds(auth, operator.uscc)).toContain(lead.id);
      expect((await changesOf(auth, lead.id)).map((c: any) => c.operation)).toEqual(['INSERTED']);
    }
    expect(await entity(agencyAuth('market', '330108'), lead.id)).toBeNull();
    expect(await entity(environmentThere, lead.id)).toBeNull();
    // Seeing it is not handling it: market is not the regulator it is routed to.
    const error = await refused(marketUploaderHere, ACCEPT, { i: { id: lead.id } }, 'FORBIDDEN', 'input.id');
    expect(error.message).toMatch(/routed to environment/);
    expect((await ok(environmentUploaderHere, ACCEPT, { i: { id: lead.id } })).acceptLead.status).toBe('ACCEPTED');

    // A district-level reporter reports only about its own district's operators.
    await refused(marketUploaderHere, REPORT, { i: { ...facts, district: '330108', type: 'PRICE' } }, 'FORBIDDEN', 'input.district');
    const here = (await ok(marketUploaderHere, REPORT, { i: { ...facts, type: 'PRICE' } })).reportLead;
    expect(here).toMatchObject({ reportedByAgency: 'market', routedAgency: 'market', history: [{ actorSub: 'market-uploader-330106', actorDistrict: D }] });
  });

  it('moves on a lead about an operator whose early pilot code fails the check (only the patch is new input)', async () => {
    // A registry holds such codes (a flag, not an error): a lead about one must not get stuck.
    const valid = completeUscc('91330106MA9XPXLT1');
    const pilot = `${valid.slice(0, 17)}${valid[17] === '0' ? '1' : '0'}`;
    expect(checkUscc(pilot)).toMatchObject({ ok: true, checkDigitValid: false });
    const id = 'L20260101PILOT001';
    await linkDatabase.db.insert(leads).values({
      id, uscc: pilot, district: D, type: 'VOC', facts: '试点期代码的经营者', evidence: '巡查记录', routedAgency: 'environment', routedDistrict: D,
      copyToCommerce: true, reportedOn: '2026-01-01', feedbackDue: '2026-01-22', status: 'REPORTED', source: 'fixture', reportedByAgency: 'association',
    });
    const accepted = (await ok(environmentUploaderHere, ACCEPT, { i: { id } })).acceptLead;
    expect(accepted).toMatchObject({ id, uscc: pilot, status: 'ACCEPTED' });
    // A new report with such a code is still refused: new input must carry a valid code.
    await refused(associationUploader, REPORT, { i: { uscc: pilot, district: D, type: 'VOC', facts: '新线索', evidence: '无' } }, 'BAD_USER_INPUT', 'input.uscc');
  });

  it('an imported leads file enters the history at the status it gives, once per change', async () => {
    const csv = readFileSync(new URL('../../../samples/leads.csv', import.meta.url), 'utf8');
    const IMPORT = 'mutation($i: ImportInput!) { importAssociationData(input: $i) { accepted newRows changedRows batch { id } } }';
    const importCsv = async (text: string) => (await ok(associationUploader, IMPORT, { i: { dataset: 'leads', contentBase64: Buffer.from(text).toString('base64') } })).importAssociationData;
    const rows = csv.trim().split('\n').slice(1).map((line) => line.split(','));
    const first = await importCsv(csv);
    expect(first).toMatchObject({ accepted: true, newRows: rows.length });
    for (const [id, , , , , , , , , , , status] of rows) {
      const lead = await entity(owner, id!);
      expect(lead.reportedByAgency).toBe('association');
      expect(lead.history).toEqual([
        { at: expect.any(String), action: status, fromStatus: null, actorSub: 'association-uploader', actorAgency: 'association', actorDistrict: null, note: `import:${first.batch.id}` },
      ]);
    }
    // The same file again changes nothing; a status moved on adds one step.
    expect((await importCsv(csv)).changedRows).toBe(0);
    const moved = await importCsv(csv.replace(',REPORTED,,', ',ACCEPTED,,'));
    expect(moved.changedRows).toBe(1);
    const id = rows.find((r) => r[11] === 'REPORTED')![0]!;
    expect((await entity(owner, id)).history.map((e: any) => [e.fromStatus, e.action, e.note])).toEqual([
      [null, 'REPORTED', `import:${first.batch.id}`],
      ['REPORTED', 'ACCEPTED', `import:${moved.batch.id}`],
    ]);
  });
});
