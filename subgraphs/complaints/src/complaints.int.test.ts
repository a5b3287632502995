import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { addDays, replaceMemberScope, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { completeUscc, type Agency } from '@xiran/common';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectComplaintsDatabase } from './db';
import { complainants, memberScope, tickets, type NewTicketRow } from './db/schema';
import { generateComplaintsSeed, insertComplaintsSeed } from './db/seed';
import { createComplaintsServer } from './server';
import {
  defaultGrantRows,
  effectiveGrants,
  generateGatewayKeys,
  ownerAuth,
  uploaderAuth,
  type GroupId,
  type Scope,
  type SubgraphAuth,
} from '@xiran/auth';

const asOf = '2026-11-01';
/** A calendar quarter that has ended: the window of a caller without complaintTickets in full (issue 10). */
const QUARTER = { from: '2026-07-01', to: '2026-09-30' };
const world = generateRegistrationSeed(300, { asOf }).world;
const seed = generateComplaintsSeed(world, { asOf });
let databases: TestDatabases;
let database: ServiceDatabase;
let server: ReturnType<typeof createComplaintsServer>;
/** The database's current_date: the summary and default statistics windows end on it. */
let today: string;

const run = (query: string, variables: Record<string, unknown> = {}) => server.execute(query, variables);

/** Runs a query and returns its data and how many SQL statements it cost. */
async function counted(query: string, variables: Record<string, unknown> = {}) {
  const before = database.statements.total;
  const result = await run(query, variables);
  expect(result.errors).toBeUndefined();
  return { data: result.data as any, statements: database.statements.total - before };
}

const newestFirst = (a: NewTicketRow, b: NewTicketRow) =>
  a.receivedOn !== b.receivedOn ? (a.receivedOn < b.receivedOn ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

function tally<K extends string>(rows: NewTicketRow[], key: (row: NewTicketRow) => K): Map<K, number> {
  const out = new Map<K, number>();
  for (const row of rows) out.set(key(row), (out.get(key(row)) ?? 0) + 1);
  return out;
}

const ticketsOf = (uscc: string) => seed.tickets.filter((t) => t.uscc === uscc);

beforeAll(async () => {
  databases = await startTestDatabases();
  database = await connectComplaintsDatabase(databases.config('complaints').database);
  await insertComplaintsSeed(database.db, seed);
  server = createComplaintsServer(database, await generateGatewayKeys());
  const result = await database.db.execute<{ today: string }>(sql`select current_date::text as today`);
  today = result.rows[0]!.today;
});

afterAll(async () => {
  await server?.stop();
  await database?.close();
  await databases?.close();
});

describe('complaints seed', () => {
  it('is realistic: every category and status, unregistered names, open tickets on deregistered operators, rising card complaints', () => {
    const ids = new Set(seed.tickets.map((t) => t.id));
    expect(ids.size).toBe(seed.tickets.length);
    expect(seed.complainants.map((c) => c.ticketId).sort()).toEqual([...ids].sort());
    for (const t of seed.tickets) expect(t.id).toMatch(/^(12345|12315|XF|WS)-\d{4}-\d{7}$/);
    expect(new Set(seed.tickets.map((t) => t.category)).size).toBe(8);
    expect(new Set(seed.tickets.map((t) => t.status)).size).toBe(6);
    const categories = [...tally(seed.tickets, (t) => t.category).entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    expect(categories.slice(0, 2).sort()).toEqual(['GARMENT_DAMAGE', 'PREPAID_CARD']);
    expect(seed.tickets.every((t) => t.satisfaction == null || t.status === 'CLOSED')).toBe(true);
    expect(seed.tickets.every((t) => t.receivedOn <= asOf && t.receivedOn >= addDays(asOf, -730))).toBe(true);
    // Names matching no registration.
    const names = new Set(world.map((o) => o.name));
    expect(seed.tickets.filter((t) => !t.uscc && !names.has(t.respondentName)).length).toBeGreaterThan(0);
    // Deregistered operators with tickets still open.
    const gone = new Set(world.filter((o) => o.status !== 'ACTIVE').map((o) => o.uscc));
    expect(seed.tickets.filter((t) => t.uscc && gone.has(t.uscc) && t.status !== 'CLOSED' && t.status !== 'REJECTED').length).toBeGreaterThan(0);
    // Operators whose 预付卡 complaints rise month on month over the five months before asOf.
    const months = [5, 4, 3, 2, 1].map((back) => {
      const d = new Date(`${asOf.slice(0, 7)}-01T00:00:00Z`);
      d.setUTCMonth(d.getUTCMonth() - back);
      return d.toISOString().slice(0, 7);
    });
    const rising = world.filter((o) => {
      const cards = ticketsOf(o.uscc).filter((t) => t.category === 'PREPAID_CARD');
      const perMonth = months.map((m) => cards.filter((t) => t.receivedOn.startsWith(m)).length);
      return perMonth.every((n, i) => i === 0 || n > perMonth[i - 1]!);
    });
    expect(rising.length).toBeGreaterThan(0);
    // Redacted texts carry no complainant's name or phone.
    const byId = new Map(seed.tickets.map((t) => [t.id, t]));
    for (const c of seed.complainants) {
      const text = byId.get(c.ticketId)!.text;
      expect(text.includes(c.name)).toBe(false);
      expect(text.includes(c.phone)).toBe(false);
    }
  });
});

describe('complaints subgraph', () => {
  it('resolves Operator entities in one statement: summary and tickets for every operator, zeros for an unknown uscc', async () => {
    const unknown = completeUscc('91330106MA2XXXXX1');
    const keys = [...world.map((o) => o.uscc), unknown];
    const { data, statements } = await counted(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { uscc
        complaintSummary { total open byCategory { category count } byStatus { status count } }
        complaints { id receivedOn category status uscc district operator { uscc } } } } }`,
      { r: keys.map((uscc) => ({ __typename: 'Operator', uscc })) },
    );
    expect(statements).toBe(1);
    expect(data._entities.map((e: any) => e.uscc)).toEqual(keys);
    const from = addDays(today, -89);
    let withTickets = 0;
    let withOpen = 0;
    for (const entity of data._entities) {
      const all = ticketsOf(entity.uscc);
      const windowed = all.filter((t) => t.receivedOn >= from && t.receivedOn <= today);
      const summary = entity.complaintSummary;
      expect(summary.total).toBe(windowed.length);
      expect(summary.open).toBe(windowed.filter((t) => t.status !== 'CLOSED' && t.status !== 'REJECTED').length);
      expect(new Map(summary.byCategory.map((x: any) => [x.category, x.count]))).toEqual(tally(windowed, (t) => t.category));
      expect(new Map(summary.byStatus.map((x: any) => [x.status, x.count]))).toEqual(tally(windowed, (t) => t.status));
      const counts = summary.byCategory.map((x: any) => x.count);
      expect([...counts].sort((x: number, y: number) => y - x)).toEqual(counts);
      expect(entity.complaints.map((t: any) => t.id)).toEqual(all.sort(newestFirst).map((t) => t.id));
      expect(entity.complaints.every((t: any) => t.uscc === entity.uscc && t.operator.uscc === entity.uscc)).toBe(true);
      if (windowed.length > 0) withTickets++;
      if (summary.open > 0) withOpen++;
    }
    // Most operators have no complaint in 90 days; some do, and some of those are still open.
    expect(withTickets).toBeGreaterThan(0);
    expect(withTickets).toBeLessThan(world.length / 2);
    expect(withOpen).toBeGreaterThan(0);
    const last = data._entities[keys.length - 1];
    expect(last).toEqual({ uscc: unknown, complaintSummary: { total: 0, open: 0, byCategory: [], byStatus: [] }, complaints: [] });
  });

  it('folds the complainants of an operator\'s tickets into the same statement', async () => {
    const uscc = seed.tickets.find((t) => t.uscc)!.uscc!;
    const { data, statements } = await counted(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { complaints { id complainant { name phone address } } } } }',
      { r: [{ __typename: 'Operator', uscc }] },
    );
    expect(statements).toBe(1);
    const byTicket = new Map(seed.complainants.map((c) => [c.ticketId, c]));
    for (const t of data._entities[0].complaints) {
      const c = byTicket.get(t.id)!;
      expect(t.complainant).toEqual({ name: c.name, phone: c.phone, address: c.address ?? null });
    }
  });

  it('resolves ComplaintTicket entities with their complainants in one statement, null for an unknown id', async () => {
    const picked = [seed.tickets[0]!, seed.tickets[seed.tickets.length - 1]!, seed.tickets.find((t) => !t.uscc)!];
    const { data, statements } = await counted(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on ComplaintTicket { id channel category status receivedOn dueOn closedOn
        satisfaction handlingAgency handlingDistrict respondentName uscc district text operator { uscc } complainant { name phone } source updatedAt } } }`,
      { r: [...picked.map((t) => ({ __typename: 'ComplaintTicket', id: t.id })), { __typename: 'ComplaintTicket', id: '12345-1999-0000000' }] },
    );
    expect(statements).toBe(1);
    picked.forEach((t, i) => {
      const got = data._entities[i];
      const c = seed.complainants.find((x) => x.ticketId === t.id)!;
      expect(got).toMatchObject({
        id: t.id,
        channel: t.channel,
        category: t.category,
        status: t.status,
        receivedOn: t.receivedOn,
        dueOn: t.dueOn,
        closedOn: t.closedOn ?? null,
        satisfaction: t.satisfaction ?? null,
        handlingAgency: t.handlingAgency,
        respondentName: t.respondentName,
        uscc: t.uscc ?? null,
        district: t.district,
        text: t.text,
        operator: t.uscc ? { uscc: t.uscc } : null,
        complainant: { name: c.name, phone: c.phone },
        source: 'seed',
      });
      expect(got.updatedAt).toBe(new Date(`${asOf}T00:00:00Z`).toISOString());
    });
    expect(data._entities[3]).toBeNull();
  });

  it('pages through every ticket newest first with a stable total and cursor, complainants folded in', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { data, statements } = await counted(
        'query($after: String) { complaintTickets(first: 100, after: $after) { totalCount nodes { id receivedOn complainant { phone } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(statements).toBe(1);
      const page = data.complaintTickets;
      expect(page.totalCount).toBe(seed.tickets.length);
      expect(page.nodes.every((n: any) => typeof n.complainant.phone === 'string')).toBe(true);
      seen.push(...page.nodes.map((n: any) => n.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(seed.tickets.length / 100));
    expect(seen).toEqual([...seed.tickets].sort(newestFirst).map((t) => t.id));
  });

  it("batches the summaries of the tickets' operators into one more statement", async () => {
    const { data, statements } = await counted('{ complaintTickets(first: 200) { nodes { uscc operator { uscc complaintSummary { total } } } } }');
    expect(statements).toBe(2);
    const from = addDays(today, -89);
    for (const node of data.complaintTickets.nodes) {
      if (!node.uscc) {
        expect(node.operator).toBeNull();
        continue;
      }
      const expected = ticketsOf(node.uscc).filter((t) => t.receivedOn >= from && t.receivedOn <= today).length;
      expect(node.operator).toEqual({ uscc: node.uscc, complaintSummary: { total: expected } });
    }
    expect(data.complaintTickets.nodes.some((n: any) => n.uscc === null)).toBe(true);
  });

  it('filters by district, status, category, received dates and uscc, and counts only the matches', async () => {
    const sample = seed.tickets.find((t) => t.status === 'CLOSED' && t.uscc)!;
    const cases: Array<[Record<string, unknown>, (t: NewTicketRow) => boolean]> = [
      [{ district: sample.district, status: 'CLOSED' }, (t) => t.district === sample.district && t.status === 'CLOSED'],
      [{ category: 'PREPAID_CARD', receivedFrom: '2026-06-01', receivedTo: '2026-09-30' }, (t) => t.category === 'PREPAID_CARD' && t.receivedOn >= '2026-06-01' && t.receivedOn <= '2026-09-30'],
      [{ uscc: sample.uscc }, (t) => t.uscc === sample.uscc],
    ];
    for (const [filter, match] of cases) {
      const expected = seed.tickets.filter(match).sort(newestFirst).map((t) => t.id);
      expect(expected.length).toBeGreaterThan(0);
      const { data } = await counted('query($f: ComplaintTicketFilter) { complaintTickets(first: 1000, filter: $f) { totalCount nodes { id } } }', { f: filter });
      expect(data.complaintTickets.totalCount).toBe(expected.length);
      expect(data.complaintTickets.nodes.map((n: any) => n.id)).toEqual(expected);
    }
  });

  it('counts per district over an explicit window, matching the seed', async () => {
    const from = addDays(asOf, -730);
    const { data } = await counted(
      'query($from: Date, $to: Date) { complaintStatistics(from: $from, to: $to) { district districtName tickets operators byCategory { category count } byStatus { status count } } }',
      { from, to: asOf },
    );
    const rows = data.complaintStatistics;
    expect(rows.reduce((s: number, r: any) => s + r.tickets, 0)).toBe(seed.tickets.length);
    const byDistrict = tally(seed.tickets, (t) => t.district);
    expect(new Map(rows.map((r: any) => [r.district, r.tickets]))).toEqual(byDistrict);
    for (const row of rows) {
      const mine = seed.tickets.filter((t) => t.district === row.district);
      expect(row.operators).toBe(new Set(mine.filter((t) => t.uscc).map((t) => t.uscc)).size);
      expect(new Map(row.byCategory.map((x: any) => [x.category, x.count]))).toEqual(tally(mine, (t) => t.category));
      expect(new Map(row.byStatus.map((x: any) => [x.status, x.count]))).toEqual(tally(mine, (t) => t.status));
      expect(row.districtName).toMatch(/[区县市]$/);
    }
  });

  it('defaults to the last 90 days, and answers one row for a named district', async () => {
    const from = addDays(today, -89);
    const windowed = seed.tickets.filter((t) => t.receivedOn >= from && t.receivedOn <= today);
    const { data } = await counted('{ complaintStatistics { district tickets } }');
    expect(new Map(data.complaintStatistics.map((r: any) => [r.district, r.tickets]))).toEqual(tally(windowed, (t) => t.district));
    const district = seed.tickets[0]!.district;
    const one = await counted('query($d: String) { complaintStatistics(district: $d, from: "2024-01-01") { district districtName tickets } }', { d: district });
    expect(one.data.complaintStatistics).toHaveLength(1);
    expect(one.data.complaintStatistics[0].tickets).toBe(seed.tickets.filter((t) => t.district === district && t.receivedOn <= today).length);
    const empty = await counted('{ complaintStatistics(district: "330127", from: "2000-01-01", to: "2000-01-31") { district districtName tickets operators byCategory { count } } }');
    expect(empty.data.complaintStatistics).toEqual([{ district: '330127', districtName: '淳安县', tickets: 0, operators: 0, byCategory: [] }]);
  });

  it('answers BAD_USER_INPUT for bad pages, cursors, districts, codes and date ranges', async () => {
    for (const [query, field, variables] of [
      ['{ complaintTickets(first: 5000) { totalCount } }', 'first', {}],
      ['{ complaintTickets(first: 0) { totalCount } }', 'first', {}],
      ['{ complaintTickets(after: "bm90LWEtY3Vyc29y") { totalCount } }', 'after', {}],
      [`{ complaintTickets(after: "${Buffer.from('k:yesterday|x').toString('base64url')}") { totalCount } }`, 'after', {}],
      ['{ complaintTickets(filter: { district: "330103" }) { totalCount } }', 'filter.district', {}],
      ['{ complaintTickets(filter: { uscc: "91330106MA2OOOOOOO" }) { totalCount } }', 'filter.uscc', {}],
      ['{ complaintTickets(filter: { receivedFrom: "2026-10-01", receivedTo: "2026-09-01" }) { totalCount } }', 'filter.receivedTo', {}],
      ['query($d: Date) { complaintTickets(filter: { receivedFrom: $d }) { totalCount } }', 'date', { d: '2026-02-30' }],
      ['{ complaintStatistics(district: "330199") { district } }', 'district', {}],
      ['{ complaintStatistics(from: "2026-10-01", to: "2026-01-01") { district } }', 'to', {}],
    ] as const) {
      const result = await run(query, variables);
      expect(result.errors?.[0]?.extensions, query).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    }
  });
});

/** A caller of `agency` holding exactly `grants`; district-level when `district` is given. */
function callerAuth(agency: Agency, grants: Partial<Record<GroupId, Scope>>, district: string | null = null): SubgraphAuth {
  return {
    principal: { sub: 't', agency, level: district ? 'district' : 'city', district, roles: ['reader'] },
    grants: new Map(Object.entries(grants).map(([group, scope]) => [group as GroupId, { group: group as GroupId, scope: scope as Scope, grantId: 'g' }])),
    requestId: 'r',
  };
}

/** Runs a query as `auth`; it must succeed. */
async function runAs(auth: SubgraphAuth, query: string, variables: Record<string, unknown> = {}) {
  const result = await server.execute(query, variables, auth);
  expect(result.errors).toBeUndefined();
  return result.data as any;
}

const ENTITY_QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { uscc
  complaintSummary { total open byCategory { category count } }
  complaints { id district handlingAgency text complainant { name } } } } }`;
const TICKETS_QUERY = 'query($f: ComplaintTicketFilter) { complaintTickets(first: 1000, filter: $f) { totalCount nodes { id district handlingAgency text } } }';
const TICKET_ENTITY_QUERY = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on ComplaintTicket { id district handlingAgency text complainant { name } } } }';
const STATISTICS_QUERY = `query($d: String, $from: Date, $to: Date) { complaintStatistics(district: $d, from: $from, to: $to) {
  district tickets operators byCategory { category count } byStatus { status count } } }`;
const ticketRefs = (rows: NewTicketRow[]) => ({ r: rows.map((t) => ({ __typename: 'ComplaintTicket', id: t.id })) });
const operatorRefs = (usccs: string[]) => ({ r: usccs.map((uscc) => ({ __typename: 'Operator', uscc })) });
const distinctOperators = (rows: NewTicketRow[]) => new Set(rows.filter((t) => t.uscc).map((t) => t.uscc)).size;

describe('row scope (限定知悉范围)', () => {
  const historyFrom = addDays(asOf, -730);
  const inSummaryWindow = (t: NewTicketRow) => t.receivedOn >= addDays(today, -89) && t.receivedOn <= today;
  /** The operator of `district` (or, with `not`, of another district) with most tickets in the summary window, then overall. */
  function busiestOperator(match: (district: string) => boolean): string {
    const candidates = world.filter((o) => match(o.district) && ticketsOf(o.uscc).length > 0);
    const score = (uscc: string) => ticketsOf(uscc).filter(inSummaryWindow).length * 10_000 + ticketsOf(uscc).length;
    return candidates.sort((a, b) => score(b.uscc) - score(a.uscc))[0]!.uscc;
  }
  const districtCounts = tally(seed.tickets, (t) => t.district);
  /** 330106 (西湖区) when the seed has tickets there, else the district with most tickets. */
  const home = districtCounts.has('330106') ? '330106' : [...districtCounts.entries()].sort((a, b) => b[1] - a[1])[0]![0];

  it('a district-level caller sees only its district: entities, lists, totalCount, by-id look-ups and statistics', async () => {
    const auth = callerAuth('petition', { complaintSummary: 'OWNER', complaintTickets: 'OWNER', complaintText: 'OWNER', complainantIdentity: 'OWNER' }, home);
    const mine = busiestOperator((d) => d === home);
    const other = busiestOperator((d) => d !== home);
    const otherTickets = ticketsOf(other);
    expect(otherTickets.length).toBeGreaterThan(0);

    // Operator entities: the own district's operator in full, the other's empty.
    const entities = (await runAs(auth, ENTITY_QUERY, operatorRefs([mine, other])))._entities;
    const mineExpected = ticketsOf(mine).filter((t) => t.district === home);
    expect(mineExpected.length).toBeGreaterThan(0);
    expect(entities[0].complaints.map((t: any) => t.id)).toEqual([...mineExpected].sort(newestFirst).map((t) => t.id));
    expect(entities[0].complaints.every((t: any) => typeof t.text === 'string' && typeof t.complainant.name === 'string')).toBe(true);
    expect(entities[0].complaintSummary.total).toBe(mineExpected.filter(inSummaryWindow).length);
    expect(entities[1]).toEqual({ uscc: other, complaintSummary: { total: 0, open: 0, byCategory: [] }, complaints: [] });
    // The owner, for contrast, sees the other operator's tickets.
    const owned = (await counted(ENTITY_QUERY, operatorRefs([other]))).data._entities[0];
    expect(owned.complaints).toHaveLength(otherTickets.length);

    // The ticket list and its total: the district's tickets only.
    const homeTickets = seed.tickets.filter((t) => t.district === home).sort(newestFirst);
    const list = (await runAs(auth, TICKETS_QUERY)).complaintTickets;
    expect(list.totalCount).toBe(homeTickets.length);
    expect(list.nodes.map((n: any) => n.id)).toEqual(homeTickets.slice(0, 1000).map((t) => t.id));
    const elsewhere = (await runAs(auth, TICKETS_QUERY, { f: { district: otherTickets[0]!.district } })).complaintTickets;
    expect(elsewhere).toEqual({ totalCount: 0, nodes: [] });
    const byUscc = (await runAs(auth, TICKETS_QUERY, { f: { uscc: other } })).complaintTickets;
    expect(byUscc.totalCount).toBe(0);

    // Tickets by id: the other district's ticket is null.
    const byId = (await runAs(auth, TICKET_ENTITY_QUERY, ticketRefs([homeTickets[0]!, otherTickets[0]!])))._entities;
    expect(byId[0]).toMatchObject({ id: homeTickets[0]!.id, district: home, text: homeTickets[0]!.text });
    expect(byId[1]).toBeNull();

    // Statistics: one row, the district's, matching the seed; another district answers nothing.
    const stats = (await runAs(auth, STATISTICS_QUERY, { from: historyFrom, to: asOf })).complaintStatistics;
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatchObject({ district: home, tickets: homeTickets.length, operators: distinctOperators(homeTickets) });
    expect(new Map(stats[0].byCategory.map((x: any) => [x.category, x.count]))).toEqual(tally(homeTickets, (t) => t.category));
    const otherStats = await runAs(auth, STATISTICS_QUERY, { d: otherTickets[0]!.district, from: historyFrom, to: asOf });
    expect(otherStats.complaintStatistics).toEqual([]);
  });

  it('a HANDLER grant on tickets and text sees only the tickets routed to its agency', async () => {
    const auth = callerAuth('market', { complaintSummary: 'FULL', complaintTickets: 'HANDLER', complaintText: 'HANDLER' });
    const routed = seed.tickets.filter((t) => t.handlingAgency === 'market').sort(newestFirst);
    const notRouted = seed.tickets.filter((t) => t.handlingAgency !== 'market');
    expect(routed.length).toBeGreaterThan(0);
    expect(notRouted.length).toBeGreaterThan(0);

    const list = (await runAs(auth, TICKETS_QUERY)).complaintTickets;
    expect(list.totalCount).toBe(routed.length);
    expect(list.nodes.map((n: any) => n.id)).toEqual(routed.slice(0, 1000).map((t) => t.id));
    const byText = new Map(seed.tickets.map((t) => [t.id, t.text]));
    expect(list.nodes.every((n: any) => n.handlingAgency === 'market' && n.text === byText.get(n.id))).toBe(true);

    const byId = (await runAs(auth, TICKET_ENTITY_QUERY.replace(' complainant { name }', ''), ticketRefs([routed[0]!, notRouted[0]!])))._entities;
    expect(byId[0]).toMatchObject({ id: routed[0]!.id, handlingAgency: 'market' });
    expect(byId[1]).toBeNull();

    // An operator with tickets routed both to market and elsewhere: only market's are listed.
    const mixed = world.find((o) => {
      const agencies = new Set(ticketsOf(o.uscc).map((t) => t.handlingAgency));
      return agencies.has('market') && agencies.size > 1;
    })!;
    expect(mixed).toBeDefined();
    const entity = (await runAs(auth, ENTITY_QUERY.replace(' complainant { name }', ''), operatorRefs([mixed.uscc])))._entities[0];
    expect(entity.complaints.map((t: any) => t.id)).toEqual(ticketsOf(mixed.uscc).filter((t) => t.handlingAgency === 'market').sort(newestFirst).map((t) => t.id));
    // The summary is complaintSummary's (FULL here): every ticket of the window counts.
    expect(entity.complaintSummary.total).toBe(ticketsOf(mixed.uscc).filter(inSummaryWindow).length);
  });

  it('text and complainant under a HANDLER grant are null on the visible tickets routed elsewhere (in SQL, same statement)', async () => {
    const auth = callerAuth('environment', { complaintTickets: 'FULL', complaintText: 'HANDLER', complainantIdentity: 'HANDLER' });
    const query = 'query($f: ComplaintTicketFilter) { complaintTickets(first: 1000, filter: $f) { totalCount nodes { id handlingAgency text complainant { name } } } }';
    const before = database.statements.total;
    const list = (await runAs(auth, query)).complaintTickets;
    expect(database.statements.total - before).toBe(1);
    expect(list.totalCount).toBe(seed.tickets.length);
    const byText = new Map(seed.tickets.map((t) => [t.id, t.text]));
    const names = new Map(seed.complainants.map((c) => [c.ticketId, c.name]));
    let routed = 0;
    for (const node of list.nodes) {
      const mine = node.handlingAgency === 'environment';
      if (mine) routed++;
      expect(node.text).toBe(mine ? byText.get(node.id) : null);
      expect(node.complainant).toEqual(mine ? { name: names.get(node.id) } : null);
    }
    expect(routed).toBeGreaterThan(0);
    expect(routed).toBeLessThan(list.nodes.length);
    // The same through an operator's tickets and the ticket entities.
    const uscc = world.find((o) => ticketsOf(o.uscc).some((t) => t.handlingAgency === 'environment') && ticketsOf(o.uscc).some((t) => t.handlingAgency !== 'environment'))!.uscc;
    const entity = (await runAs(auth, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { complaints { id handlingAgency text complainant { name } } } } }', operatorRefs([uscc])))._entities[0];
    const tickets = await runAs(auth, TICKET_ENTITY_QUERY, ticketRefs(ticketsOf(uscc)));
    for (const node of [...entity.complaints, ...tickets._entities]) {
      const mine = node.handlingAgency === 'environment';
      expect(node.text).toBe(mine ? byText.get(node.id) : null);
      expect(node.complainant).toEqual(mine ? { name: names.get(node.id) } : null);
    }
    expect(entity.complaints).toHaveLength(ticketsOf(uscc).length);
  });

  it("a MEMBERS grant counts only the association's member operators (member_scope)", async () => {
    const auth = callerAuth('association', { complaintSummary: 'MEMBERS' });
    // Members: a handful of operators with tickets, some with tickets in the summary window.
    const withTickets = world.filter((o) => ticketsOf(o.uscc).length > 0);
    const recent = withTickets.filter((o) => ticketsOf(o.uscc).some(inSummaryWindow));
    const memberList = [...new Set([...recent.slice(0, 3), ...withTickets.slice(0, 3)].map((o) => o.uscc))];
    const outsider = recent.find((o) => !memberList.includes(o.uscc))!;
    expect(outsider).toBeDefined();
    await replaceMemberScope(database.db, memberScope, memberList);
    try {
      const entities = (await runAs(auth, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { uscc complaintSummary { total open } } } }', operatorRefs([...memberList, outsider.uscc])))._entities;
      memberList.forEach((uscc, i) => expect(entities[i].complaintSummary.total).toBe(ticketsOf(uscc).filter(inSummaryWindow).length));
      expect(entities.some((e: any) => e.complaintSummary.total > 0)).toBe(true);
      expect(entities[memberList.length].complaintSummary).toEqual({ total: 0, open: 0 });

      const members = new Set(memberList);
      // Issue 10: without complaintTickets, counts are over a calendar month or quarter that has ended.
      const memberTickets = seed.tickets.filter((t) => t.uscc && members.has(t.uscc) && t.receivedOn >= QUARTER.from && t.receivedOn <= QUARTER.to);
      expect(memberTickets.length).toBeGreaterThan(0);
      const stats = (await runAs(auth, STATISTICS_QUERY, QUARTER)).complaintStatistics;
      expect(new Map(stats.map((r: any) => [r.district, r.tickets]))).toEqual(tally(memberTickets, (t) => t.district));
      for (const row of stats) {
        const mine = memberTickets.filter((t) => t.district === row.district);
        expect(row.operators).toBe(distinctOperators(mine));
        expect(new Map(row.byStatus.map((x: any) => [x.status, x.count]))).toEqual(tally(mine, (t) => t.status));
      }
    } finally {
      await replaceMemberScope(database.db, memberScope, []);
    }
  });

  it('an AGGREGATE grant gets null for statistics cells behind which fewer than 3 operators stand', async () => {
    const auth = callerAuth('statistics', { complaintSummary: 'AGGREGATE' });
    const cells = { suppressed: 0, shown: 0 };
    const rows = { suppressed: 0, shown: 0 };
    // Issue 10: an AGGREGATE caller counts over a calendar quarter (large cells) or month (small ones).
    const refused = await server.execute(STATISTICS_QUERY, { from: historyFrom, to: asOf }, auth);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    for (const [from, to] of [[QUARTER.from, QUARTER.to], ['2026-10-01', '2026-10-31']] as const) {
      const windowed = seed.tickets.filter((t) => t.receivedOn >= from && t.receivedOn <= to);
      const stats = (await runAs(auth, STATISTICS_QUERY, { from, to })).complaintStatistics;
      const owner = (await counted(STATISTICS_QUERY, { from, to })).data.complaintStatistics;
      expect(stats.map((r: any) => r.district)).toEqual(owner.map((r: any) => r.district));
      expect(new Set(stats.map((r: any) => r.district))).toEqual(new Set(windowed.map((t) => t.district)));
      for (const row of stats) {
        const mine = windowed.filter((t) => t.district === row.district);
        const operators = distinctOperators(mine);
        const small = operators < 3;
        expect(row.operators).toBe(small ? null : operators);
        expect(row.tickets).toBe(small ? null : mine.length);
        rows[small ? 'suppressed' : 'shown']++;
        for (const [list, key] of [[row.byCategory, 'category'], [row.byStatus, 'status']] as const) {
          const expected = tally(mine, (t) => t[key] as string);
          expect(new Set(list.map((x: any) => x[key]))).toEqual(new Set(expected.keys()));
          const own = list.map((cell: any) => (distinctOperators(mine.filter((t) => t[key] === cell[key])) < 3 ? null : expected.get(cell[key])!));
          // Complementary suppression: with the total shown, one suppressed cell takes the smallest other with it.
          const lone = !small && own.filter((c: number | null) => c === null).length === 1;
          const smallest = lone ? own.reduce((m: number, c: number | null, i: number) => (c !== null && (m < 0 || c < own[m]!) ? i : m), -1) : -1;
          list.forEach((cell: any, i: number) => {
            const value = i === smallest ? null : own[i];
            expect(cell.count).toBe(value);
            cells[value === null ? 'suppressed' : 'shown']++;
          });
          expect(list.filter((cell: any) => cell.count === null).length === 1 && !small).toBe(false);
        }
      }
      // The owner reads every cell.
      expect(owner.every((r: any) => r.tickets !== null && r.byCategory.every((x: any) => x.count !== null))).toBe(true);
    }
    expect(cells.suppressed).toBeGreaterThan(0);
    expect(cells.shown).toBeGreaterThan(0);
    expect(rows.suppressed).toBeGreaterThan(0);
    expect(rows.shown).toBeGreaterThan(0);
    // A named district without tickets in the window: zeros, suppressed.
    const empty = await runAs(auth, STATISTICS_QUERY, { d: '330127', from: '2000-01-01', to: '2000-01-31' });
    expect(empty.complaintStatistics).toEqual([{ district: '330127', tickets: null, operators: null, byCategory: [], byStatus: [] }]);
  });
});

describe('cross-check signals', () => {
  const historyFrom = addDays(asOf, -730);
  const TALLIES = `query($d: String!, $from: Date!, $to: Date, $c: ComplaintCategory) {
    complainedOperators(district: $d, from: $from, to: $to, category: $c) { uscc tickets open operator { uscc } } }`;
  const isOpen = (t: NewTicketRow) => t.status !== 'CLOSED' && t.status !== 'REJECTED';
  /** The district with most tickets naming an operator, and another one. */
  const ranked = [...tally(seed.tickets.filter((t) => t.uscc), (t) => t.district).entries()].sort((a, b) => b[1] - a[1]);
  const home = ranked[0]![0];
  const elsewhere = ranked[1]![0];

  /** What complainedOperators should answer, folded here from the seed's rows. */
  function expected(district: string, from: string, to: string, category: string | null = null, keep: (t: NewTicketRow) => boolean = () => true) {
    const rows = seed.tickets.filter(
      (t) => t.uscc && t.district === district && t.receivedOn >= from && t.receivedOn <= to && (!category || t.category === category) && keep(t),
    );
    const byOperator = new Map<string, { uscc: string; tickets: number; open: number; operator: { uscc: string } }>();
    for (const t of rows) {
      const entry = byOperator.get(t.uscc!) ?? { uscc: t.uscc!, tickets: 0, open: 0, operator: { uscc: t.uscc! } };
      entry.tickets++;
      if (isOpen(t)) entry.open++;
      byOperator.set(t.uscc!, entry);
    }
    return [...byOperator.values()].sort((a, b) => b.tickets - a.tickets || (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  }

  async function tallies(variables: Record<string, unknown>, auth: SubgraphAuth = ownerAuth('complaints')) {
    return (await runAs(auth, TALLIES, variables)).complainedOperators;
  }

  it('counts each operator\'s tickets and open tickets in the window, most tickets first, in one statement', async () => {
    const want = expected(home, historyFrom, asOf);
    expect(want.length).toBeGreaterThan(3);
    expect(want.some((x) => x.open > 0)).toBe(true);
    expect(want.some((x) => x.open < x.tickets)).toBe(true);
    expect(new Set(want.map((x) => x.tickets)).size).toBeGreaterThan(1);
    const before = database.statements.total;
    expect(await tallies({ d: home, from: historyFrom, to: asOf })).toEqual(want);
    expect(database.statements.total - before).toBe(1);
    // Without `to`: up to today.
    expect(await tallies({ d: home, from: historyFrom })).toEqual(expected(home, historyFrom, today));
  });

  it('the window bounds matter, each side of them', async () => {
    // A day with tickets in the district: from that day they count, from the next they do not.
    const days = seed.tickets.filter((t) => t.uscc && t.district === home).map((t) => t.receivedOn).sort();
    const day = days[Math.floor(days.length / 2)]!;
    const onTheDay = expected(home, day, day);
    expect(onTheDay.length).toBeGreaterThan(0);
    expect(await tallies({ d: home, from: day, to: day })).toEqual(onTheDay);
    const from = await tallies({ d: home, from: day, to: asOf });
    const fromNext = await tallies({ d: home, from: addDays(day, 1), to: asOf });
    expect(from).toEqual(expected(home, day, asOf));
    expect(fromNext).toEqual(expected(home, addDays(day, 1), asOf));
    const total = (rows: Array<{ tickets: number }>) => rows.reduce((sum, x) => sum + x.tickets, 0);
    expect(total(from) - total(fromNext)).toBe(onTheDay.reduce((sum, x) => sum + x.tickets, 0));
    const toBefore = await tallies({ d: home, from: historyFrom, to: addDays(day, -1) });
    expect(toBefore).toEqual(expected(home, historyFrom, addDays(day, -1)));
    expect(total(toBefore) + total(from)).toBe(total(await tallies({ d: home, from: historyFrom, to: asOf })));
    // A window without tickets: no operator at all.
    expect(await tallies({ d: home, from: '2000-01-01', to: '2000-12-31' })).toEqual([]);
  });

  it('counts one category when given', async () => {
    const cards = expected(home, historyFrom, asOf, 'PREPAID_CARD');
    expect(cards.length).toBeGreaterThan(0);
    expect(cards).not.toEqual(expected(home, historyFrom, asOf));
    expect(await tallies({ d: home, from: historyFrom, to: asOf, c: 'PREPAID_CARD' })).toEqual(cards);
  });

  it('keeps to the district asked for', async () => {
    const other = await tallies({ d: elsewhere, from: historyFrom, to: asOf });
    expect(other).toEqual(expected(elsewhere, historyFrom, asOf));
    const homeOperators = new Set(seed.tickets.filter((t) => t.district === home).map((t) => t.uscc));
    expect(other.length).toBeGreaterThan(0);
    expect(other.some((x: any) => homeOperators.has(x.uscc))).toBe(false);
  });

  it('answers BAD_USER_INPUT for a bad district or window', async () => {
    for (const [variables, field] of [
      [{ d: '330199', from: historyFrom }, 'district'],
      [{ d: '330103', from: historyFrom }, 'district'],
      [{ d: home, from: '2026-10-01', to: '2026-09-30' }, 'to'],
      [{ d: home, from: '2026-02-30' }, 'date'],
    ] as const) {
      const result = await run(TALLIES, variables);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('applies the complaintSummary row scope: another district\'s caller gets nothing, a HANDLER grant its routed tickets', async () => {
    const reader = (agency: Agency, district: string | null = null): SubgraphAuth => {
      const principal = { sub: `${agency}-reader`, agency, level: district ? ('district' as const) : ('city' as const), district, roles: ['reader' as const] };
      return { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId: 't' };
    };
    // Issue 10: a caller without complaintTickets in full counts over a calendar month or quarter that has ended.
    const arbitrary = await server.execute(TALLIES, { d: home, from: historyFrom, to: asOf }, reader('market'));
    expect(arbitrary.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const variables = { d: home, ...QUARTER };
    expect(await tallies(variables, reader('commerce', elsewhere))).toEqual([]);
    expect(await tallies(variables, reader('commerce', home))).toEqual(expected(home, QUARTER.from, QUARTER.to));
    expect(await tallies(variables, reader('market'))).toEqual(expected(home, QUARTER.from, QUARTER.to));
    // A HANDLER grant of complaintSummary counts only the tickets routed to the caller's agency.
    const handler = callerAuth('market', { complaintSummary: 'HANDLER' });
    const routed = expected(home, QUARTER.from, QUARTER.to, null, (t) => t.handlingAgency === 'market');
    expect(routed.length).toBeGreaterThan(0);
    expect(routed).not.toEqual(expected(home, QUARTER.from, QUARTER.to));
    expect(await tallies(variables, handler)).toEqual(routed);
    // An AGGREGATE grant reads statistics only: the list is refused.
    const aggregate = await server.execute(TALLIES, variables, reader('statistics'));
    expect(aggregate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it("a MEMBERS grant counts only the association's member operators", async () => {
    const all = expected(home, QUARTER.from, QUARTER.to);
    const members = all.filter((_, i) => i % 2 === 0).map((x) => x.uscc);
    await replaceMemberScope(database.db, memberScope, members);
    try {
      const got = await tallies({ d: home, ...QUARTER }, callerAuth('association', { complaintSummary: 'MEMBERS' }));
      expect(got).toEqual(all.filter((x) => members.includes(x.uscc)));
    } finally {
      await replaceMemberScope(database.db, memberScope, []);
    }
  });
});

describe('intake (即时上传 / 定期更新)', () => {
  const uploader = uploaderAuth('complaints');
  /** Before any write of these tests (the seed writes no change log). */
  const since = '2020-01-01T00:00:00.000Z';
  const usccA = completeUscc('91330106MA2B00001');
  const TICKET = 'id channel status receivedOn dueOn closedOn satisfaction handlingAgency handlingDistrict respondentName uscc district text source';
  const OPEN = `mutation($i: OpenComplaintInput!) { openComplaint(input: $i) { ${TICKET} complainant { name phone address } } }`;
  const ROUTE = `mutation($i: RouteComplaintInput!) { routeComplaint(input: $i) { ${TICKET} } }`;
  const UPDATE = `mutation($i: UpdateComplaintInput!) { updateComplaint(input: $i) { ${TICKET} } }`;
  const CLOSE = `mutation($i: CloseComplaintInput!) { closeComplaint(input: $i) { ${TICKET} } }`;
  const IMPORT = `mutation($i: ImportInput!) { importComplaintsData(input: $i) { accepted rows newRows changedRows unchangedRows absentRows rejectedRows
    errors { line column reason } batch { id kind status } } }`;
  const CHANGES = 'query($s: DateTime!) { changes(since: $s) { complaintTickets(first: 1000) { nodes { key operation changedFields batchId } } } }';
  const FRESHNESS = '{ dataFreshness { petition { dataset mode lastBatch { id kind status rows newRows changedRows } } } }';
  const sample = readFileSync(new URL('../../../samples/complaints.csv', import.meta.url), 'utf8');

  /** Received three days before the database's today: within the notFuture bound whatever the clock. */
  const receivedOn = () => addDays(today, -3);
  const ticketId = (prefix: string, serial: number) => `${prefix}-${receivedOn().slice(0, 4)}-${String(serial).padStart(7, '0')}`;
  const openInput = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    channel: 'HOTLINE_12345',
    receivedOn: receivedOn(),
    category: 'GARMENT_DAMAGE',
    respondentName: '西湖洁净洗衣店',
    uscc: usccA,
    district: '330106',
    text: '来电人反映：送洗的羽绒服取回时面料破损，店方仅同意赔偿100元，要求调解。',
    ...extra,
  });

  async function mutate(auth: SubgraphAuth, query: string, input: Record<string, unknown>) {
    const result = await server.execute(query, { i: input }, auth);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return Object.values(result.data as Record<string, any>)[0];
  }

  async function refused(auth: SubgraphAuth, query: string, input: Record<string, unknown>, code: string, field?: string) {
    const result = await server.execute(query, { i: input }, auth);
    expect(result.errors?.[0]?.extensions, JSON.stringify(result.errors)).toMatchObject(field ? { code, field } : { code });
    return result.errors![0]!;
  }

  async function changesOf(id: string, auth: SubgraphAuth = uploader) {
    const result = await server.execute(CHANGES, { s: since }, auth);
    expect(result.errors).toBeUndefined();
    return (result.data as any).changes.complaintTickets.nodes.filter((n: any) => n.key === id);
  }

  async function freshness() {
    const result = await server.execute(FRESHNESS, {}, uploader);
    expect(result.errors).toBeUndefined();
    return (result.data as any).dataFreshness.petition;
  }

  async function stored(id: string) {
    const [row] = await database.db.select().from(tickets).where(eq(tickets.id, id));
    return row;
  }

  /** Rows of every table a write touches: a refused write leaves them all as they were. */
  async function counts() {
    const result = await database.db.execute<{ tickets: number; complainants: number; changes: number; batches: number }>(sql`select
      (select count(*)::int from complaints.tickets) as tickets, (select count(*)::int from complaints.complainants) as complainants,
      (select count(*)::int from complaints.change_log) as changes, (select count(*)::int from complaints.intake_batches) as batches`);
    return result.rows[0]!;
  }

  const importText = (text: string, auth: SubgraphAuth = uploader) =>
    server.execute(IMPORT, { i: { dataset: 'complaints', fileName: 'complaints.csv', contentBase64: Buffer.from(text).toString('base64') } }, auth);

  it('openComplaint writes the ticket and its complainant together, logged as INSERTED and fresh as an UPLOAD', async () => {
    const id = ticketId('12345', 990001);
    const complainant = { name: '王小明', phone: '138 1234 5678', address: '杭州市西湖区文三路1号' };
    const opened = await mutate(uploader, OPEN, openInput(id, { complainant }));
    expect(opened).toMatchObject({
      id,
      status: 'RECEIVED',
      handlingAgency: 'petition',
      handlingDistrict: '330106',
      // The 12345 channel's 办理时限: 15 days.
      dueOn: addDays(receivedOn(), 15),
      closedOn: null,
      uscc: usccA,
      source: 'upload:petition-uploader',
      complainant: { name: '王小明', phone: '13812345678', address: '杭州市西湖区文三路1号' },
    });
    const [person] = await database.db.select().from(complainants).where(eq(complainants.ticketId, id));
    expect(person).toMatchObject({ uscc: usccA, district: '330106', phone: '13812345678' });

    const [change] = await changesOf(id);
    expect(change).toMatchObject({ key: id, operation: 'INSERTED', changedFields: [] });
    const [dataset] = await freshness();
    expect(dataset).toMatchObject({ dataset: 'complaints', mode: 'INCREMENTAL', lastBatch: { id: change.batchId, kind: 'UPLOAD', status: 'SUCCEEDED', newRows: 1 } });

    // Without a complainant: the ticket alone; the handling district and due date as given.
    const plain = await mutate(uploader, OPEN, openInput(ticketId('XF', 990002), { channel: 'PETITION', handlingDistrict: '330105', dueOn: addDays(receivedOn(), 30) }));
    expect(plain).toMatchObject({ status: 'RECEIVED', handlingDistrict: '330105', dueOn: addDays(receivedOn(), 30), complainant: null });
  });

  it('routeComplaint, updateComplaint and closeComplaint move a ticket through 转办 → 办理中 → 答复 → 办结, each logged with its changed fields', async () => {
    const id = ticketId('12315', 990003);
    await mutate(uploader, OPEN, openInput(id, { channel: 'HOTLINE_12315', category: 'PREPAID_CARD' }));
    const due = addDays(receivedOn(), 20);

    const routed = await mutate(uploader, ROUTE, { id, handlingAgency: '商务局', handlingDistrict: '330106', dueOn: due });
    expect(routed).toMatchObject({ id, status: 'TRANSFERRED', handlingAgency: 'commerce', dueOn: due });
    const afterRoute = await changesOf(id);
    expect(afterRoute.map((c: any) => c.operation)).toEqual(['INSERTED', 'UPDATED']);
    expect(new Set(afterRoute[1].changedFields)).toEqual(new Set(['status', 'handlingAgency', 'dueOn']));
    expect((await freshness())[0].lastBatch).toMatchObject({ id: afterRoute[1].batchId, kind: 'UPLOAD', changedRows: 1 });

    // The change log is scoped by the agency the ticket is routed to (handlerKey).
    const commerce = callerAuth('commerce', { complaintTickets: 'HANDLER' });
    const environment = callerAuth('environment', { complaintTickets: 'HANDLER' });
    expect((await changesOf(id, commerce)).map((c: any) => c.operation)).toEqual(['UPDATED']);
    expect(await changesOf(id, environment)).toEqual([]);

    const text = '消费者反映：在该店充值的会员卡被拒绝退卡，店方称退卡需扣除30%手续费，要求依法退款。';
    const working = await mutate(uploader, UPDATE, { id, status: 'IN_PROGRESS', text });
    expect(working).toMatchObject({ status: 'IN_PROGRESS', text, handlingAgency: 'commerce' });
    const replied = await mutate(uploader, UPDATE, { id, status: 'REPLIED' });
    expect(replied).toMatchObject({ status: 'REPLIED', text });

    const closedOn = addDays(receivedOn(), 2);
    const closed = await mutate(uploader, CLOSE, { id, status: 'CLOSED', closedOn, satisfaction: 'BASICALLY_SATISFIED' });
    expect(closed).toMatchObject({ status: 'CLOSED', closedOn, satisfaction: 'BASICALLY_SATISFIED' });
    const log = await changesOf(id);
    expect(log.map((c: any) => c.changedFields)).toEqual([[], expect.any(Array), ['status', 'text'], ['status'], ['status', 'closedOn', 'satisfaction']]);
    expect(new Set(log.map((c: any) => c.batchId)).size).toBe(5);
  });

  it('refuses impossible transitions with BAD_USER_INPUT on input.status, writing nothing', async () => {
    const id = ticketId('12345', 990004);
    await mutate(uploader, OPEN, openInput(id));
    await mutate(uploader, CLOSE, { id, status: 'REJECTED', closedOn: receivedOn() });
    const before = { row: await stored(id), counts: await counts() };
    const error = await refused(uploader, CLOSE, { id, status: 'CLOSED', closedOn: receivedOn() }, 'BAD_USER_INPUT', 'input.status');
    expect(error.message).toMatch(/already REJECTED/);
    await refused(uploader, UPDATE, { id, status: 'IN_PROGRESS' }, 'BAD_USER_INPUT', 'input.status');
    await refused(uploader, ROUTE, { id, handlingAgency: 'market', handlingDistrict: '330106', dueOn: addDays(receivedOn(), 10) }, 'BAD_USER_INPUT', 'input.status');
    expect(await stored(id)).toEqual(before.row);
    expect(await counts()).toEqual(before.counts);

    // An answered ticket is not refused any more (不予受理 comes before a reply), nor routed without reopening.
    const replied = ticketId('12345', 990005);
    await mutate(uploader, OPEN, openInput(replied));
    await mutate(uploader, UPDATE, { id: replied, status: 'REPLIED' });
    await refused(uploader, CLOSE, { id: replied, status: 'REJECTED', closedOn: receivedOn() }, 'BAD_USER_INPUT', 'input.status');
    await refused(uploader, ROUTE, { id: replied, handlingAgency: 'market', handlingDistrict: '330106', dueOn: addDays(receivedOn(), 10) }, 'BAD_USER_INPUT', 'input.status');
    // The mutation's own statuses: update does not close, close does not update.
    await refused(uploader, UPDATE, { id: replied, status: 'CLOSED' }, 'BAD_USER_INPUT', 'input.status');
    await refused(uploader, CLOSE, { id: replied, status: 'IN_PROGRESS', closedOn: receivedOn() }, 'BAD_USER_INPUT', 'input.status');
    expect((await stored(replied))!.status).toBe('REPLIED');
  });

  it('answers a bad value with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const open = ticketId('12345', 990006);
    await mutate(uploader, OPEN, openInput(open, { complainant: { name: '李华', phone: '0571-87654321' } }));
    const before = { row: await stored(open), counts: await counts() };
    const fresh = ticketId('12345', 990007);
    // Two days ahead of the database's date: in the future in Shanghai too, whatever the hour.
    const future = addDays(today, 2);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [OPEN, openInput(fresh, { complainant: { name: '张三', phone: '12345' } }), 'input.complainant.phone'],
      [OPEN, openInput(fresh, { complainant: { name: ' ', phone: '13912345678' } }), 'input.complainant.name'],
      [OPEN, openInput(fresh, { text: '来电人张先生（13912345678）反映衣物损坏。' }), 'input.text'],
      [OPEN, openInput(fresh, { channel: 'HOTLINE_12315' }), 'input.id'],
      [OPEN, openInput('12345-1999-123'), 'input.id'],
      [OPEN, openInput(fresh, { uscc: `${usccA.slice(0, 17)}${usccA[17] === '0' ? '1' : '0'}` }), 'input.uscc'],
      [OPEN, openInput(fresh, { district: '330103' }), 'input.district'],
      [OPEN, openInput(fresh, { dueOn: addDays(receivedOn(), -1) }), 'input.dueOn'],
      [OPEN, openInput(`12345-${future.slice(0, 4)}-0990008`, { receivedOn: future }), 'input.receivedOn'],
      // Opening an existing number again would reset its progress.
      [OPEN, openInput(open, { respondentName: '另一家店' }), 'input.id'],
      [ROUTE, { id: open, handlingAgency: 'police', handlingDistrict: '330106', dueOn: addDays(receivedOn(), 10) }, 'input.handlingAgency'],
      [ROUTE, { id: open, handlingAgency: 'market', handlingDistrict: '999999', dueOn: addDays(receivedOn(), 10) }, 'input.handlingDistrict'],
      [ROUTE, { id: open, handlingAgency: 'market', handlingDistrict: '330106', dueOn: addDays(receivedOn(), -1) }, 'input.dueOn'],
      [ROUTE, { id: ticketId('12345', 990099), handlingAgency: 'market', handlingDistrict: '330106', dueOn: addDays(receivedOn(), 10) }, 'input.id'],
      [UPDATE, { id: open, status: 'IN_PROGRESS', text: '来电人称可拨打0571-88889999联系。' }, 'input.text'],
      [CLOSE, { id: open, status: 'REJECTED', closedOn: receivedOn(), satisfaction: 'SATISFIED' }, 'input.satisfaction'],
      [CLOSE, { id: open, status: 'CLOSED', closedOn: addDays(receivedOn(), -1) }, 'input.closedOn'],
      [CLOSE, { id: open, status: 'CLOSED', closedOn: future }, 'input.closedOn'],
    ];
    for (const [query, input, field] of cases) await refused(uploader, query, input, 'BAD_USER_INPUT', field);
    expect(await stored(fresh)).toBeUndefined();
    expect(await stored(open)).toEqual(before.row);
    expect(await counts()).toEqual(before.counts);
  });

  it('lets only petition uploaders write, a district uploader only in its own district', async () => {
    const id = ticketId('12345', 990010);
    const before = await counts();
    await refused(ownerAuth('complaints'), OPEN, openInput(id), 'FORBIDDEN');
    await refused(uploaderAuth('complaints', { agency: 'market' }), OPEN, openInput(id), 'FORBIDDEN');
    const importRefused = await importText(sample, ownerAuth('complaints'));
    expect(importRefused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await counts()).toEqual(before);

    const xihu = uploaderAuth('complaints', { district: '330106' });
    const mine = await mutate(xihu, OPEN, openInput(id));
    expect(mine).toMatchObject({ id, district: '330106', source: 'upload:petition-uploader-330106' });
    await mutate(xihu, ROUTE, { id, handlingAgency: 'market', handlingDistrict: '330106', dueOn: addDays(receivedOn(), 10) });

    const binjiang = ticketId('12345', 990011);
    await refused(xihu, OPEN, openInput(binjiang, { district: '330108' }), 'FORBIDDEN');
    expect(await stored(binjiang)).toBeUndefined();
    // Another district's ticket: refused before its status is looked at, and left as it was.
    await mutate(uploader, OPEN, openInput(binjiang, { district: '330108' }));
    const row = await stored(binjiang);
    await refused(xihu, ROUTE, { id: binjiang, handlingAgency: 'market', handlingDistrict: '330106', dueOn: addDays(receivedOn(), 10) }, 'FORBIDDEN');
    await refused(xihu, CLOSE, { id: binjiang, status: 'REJECTED', closedOn: receivedOn() }, 'FORBIDDEN');
    // Moving a ticket into its district is writing another district's record, too.
    await refused(xihu, OPEN, openInput(binjiang), 'FORBIDDEN');
    expect(await stored(binjiang)).toEqual(row);
  });

  it('imports the sample CSV (accepted, then unchanged), Chinese headers and labels, and keeps complainants in step', async () => {
    const ids = sample.trim().split('\n').slice(1).map((line) => line.split(',')[0]!);
    expect(ids).toHaveLength(5);
    for (const id of ids) expect(await stored(id)).toBeUndefined();

    const first = (await importText(sample)).data as any;
    expect(first.importComplaintsData).toMatchObject({ accepted: true, rows: 5, newRows: 5, changedRows: 0, absentRows: 0, rejectedRows: 0, errors: [], batch: { kind: 'IMPORT', status: 'SUCCEEDED' } });
    const batchId = first.importComplaintsData.batch.id;
    for (const id of ids) expect(await changesOf(id)).toEqual([{ key: id, operation: 'INSERTED', changedFields: [], batchId }]);
    expect((await freshness())[0].lastBatch).toMatchObject({ id: batchId, kind: 'IMPORT', rows: 5, newRows: 5 });
    expect(await stored('12315-2026-0900457')).toMatchObject({ status: 'TRANSFERRED', handlingAgency: 'commerce', closedOn: null, uscc: usccA, source: `import:${batchId}` });

    const again = (await importText(sample)).data as any;
    expect(again.importComplaintsData).toMatchObject({ accepted: true, rows: 5, newRows: 0, changedRows: 0, unchangedRows: 5, absentRows: 0 });

    // An agency export: Chinese headers and labels, one ticket now 办结; the others, left out, stay (incremental).
    const zh = '工单编号,来源渠道,受理日期,投诉类别,办理状态,承办单位,承办区县,办理时限,办结日期,满意度,被投诉对象,统一社会信用代码,所属区县,投诉内容\n'
      + `XF-2026-0900042,信访,2026-10-08,污染扰民,办结,生态环境局,330106,2026-12-07,2026-11-02,不满意,文三干洗中心,${completeUscc('91330106MA2B00002')},330106,信访人反映该店干洗机运行时散发刺鼻气味，晚间气味尤为明显，影响周边居民生活，要求相关部门查处。\n`;
    const update = (await importText(zh)).data as any;
    expect(update.importComplaintsData).toMatchObject({ accepted: true, rows: 1, newRows: 0, changedRows: 1, absentRows: 0 });
    expect(await stored('XF-2026-0900042')).toMatchObject({ status: 'CLOSED', closedOn: '2026-11-02', satisfaction: 'DISSATISFIED', handlingAgency: 'environment' });
    expect((await changesOf('XF-2026-0900042')).at(-1)).toMatchObject({ operation: 'UPDATED', changedFields: ['status', 'closedOn', 'satisfaction'] });
    for (const id of ids) expect((await stored(id))!.present).toBe(true);

    // A correction of a ticket's district carries over to its complainant's copy (row scopes read it).
    const id = ticketId('12345', 990020);
    await mutate(uploader, OPEN, openInput(id, { complainant: { name: '赵敏', phone: '13700001111' } }));
    const row = (await stored(id))!;
    const header = 'id,channel,received_on,category,status,handling_agency,handling_district,due_on,closed_on,satisfaction,respondent_name,uscc,district,text';
    const moved = [row.id, row.channel, row.receivedOn, row.category, row.status, row.handlingAgency, '330105', row.dueOn, '', '', row.respondentName, row.uscc, '330105', row.text].join(',');
    const correction = (await importText(`${header}\n${moved}\n`)).data as any;
    expect(correction.importComplaintsData).toMatchObject({ accepted: true, changedRows: 1 });
    const [person] = await database.db.select().from(complainants).where(eq(complainants.ticketId, id));
    expect(person).toMatchObject({ district: '330105', uscc: usccA, name: '赵敏' });
  });

  it('rejects a CSV with any bad row whole, naming line and column', async () => {
    const before = await counts();
    const lines = sample.trim().split('\n');
    // Line 2: 办结 without its date; line 3: an unknown channel.
    const bad = [lines[0], lines[1]!.replace('2026-09-12,SATISFIED', ','), lines[2]!.replace('HOTLINE_12315', '电话'), ...lines.slice(3)].join('\n');
    const report = ((await importText(bad)).data as any).importComplaintsData;
    expect(report).toMatchObject({ accepted: false, newRows: 0, changedRows: 0, rejectedRows: 2, batch: { status: 'REJECTED' } });
    expect(report.errors).toEqual([
      { line: 2, column: 'closed_on', reason: expect.stringMatching(/CLOSED ticket needs/) },
      { line: 3, column: 'channel', reason: expect.stringMatching(/电话/) },
    ]);
    const after = await counts();
    // Only the REJECTED batch row is kept.
    expect(after).toEqual({ ...before, batches: before.batches + 1 });
  });
});
