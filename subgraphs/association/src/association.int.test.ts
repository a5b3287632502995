import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRICTS, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectAssociationDatabase } from './db';
import { CREDIT_GRADES } from './db/queries';
import { FEEDBACK_DAYS, generateAssociationSeed, insertAssociationSeed, SCORE_DIMENSIONS } from './db/seed';
import { LEAD_AGENCY } from './lead-routing';
import { createAssociationServer } from './server';
import { generateGatewayKeys, type Agency, type GroupId, type Scope, type SubgraphAuth } from '@xiran/auth';

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
