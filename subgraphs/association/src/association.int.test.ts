import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeUscc, DISTRICTS, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectAssociationDatabase } from './db';
import { CREDIT_GRADES } from './db/queries';
import { FEEDBACK_DAYS, generateAssociationSeed, insertAssociationSeed, SCORE_DIMENSIONS } from './db/seed';
import { addWorkingDays, DEFAULT_FEEDBACK_WORKING_DAYS, feedbackWorkingDays, LEAD_AGENCY, todayInShanghai } from './lead-routing';
import { createAssociationServer } from './server';
import { generateGatewayKeys, ownerAuth, uploaderAuth, type Agency, type GroupId, type Scope, type SubgraphAuth } from '@xiran/auth';

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
        activeMembers: cell(members.filter((m) => m.status === 'ACTIVE').length),
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
      for (const [mutation, input] of [
        [MEMBERSHIP, inWestLake],
        [CREDIT_GRADE, { uscc: op(1), grade: 'AAA', validFrom: '2026-04-01', validTo: '2028-03-31' }],
        [LEAD, { ...lead, type: 'PRICE' }],
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
