import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceMemberScope, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { connectRegistrationDatabase } from './db';
import { generateRegistrationSeed, insertRegistrationSeed } from './db/seed';
import { createRegistrationServer } from './server';
import { defaultGrantRows, effectiveGrants, generateGatewayKeys, type SubgraphAuth } from '@xiran/auth';
import type { Agency } from '@xiran/common';
import { memberScope } from './db/schema';

const asOf = '2026-11-01';
let databases: TestDatabases;
let database: ServiceDatabase;
let server: ReturnType<typeof createRegistrationServer>;
const seed = generateRegistrationSeed(300, { asOf });

const run = (query: string, variables: Record<string, unknown> = {}) => server.execute(query, variables);

beforeAll(async () => {
  databases = await startTestDatabases();
  database = await connectRegistrationDatabase(databases.config('registration').database);
  await insertRegistrationSeed(database.db, seed);
  server = createRegistrationServer(database, await generateGatewayKeys());
});

afterAll(async () => {
  await server?.stop();
  await database?.close();
  await databases?.close();
});

describe('registration subgraph', () => {
  it('pages through operators with a stable total and cursor', async () => {
    const first = await run('query { operators(first: 50) { totalCount nodes { uscc } pageInfo { hasNextPage endCursor } } }');
    const page = (first.data as any).operators;
    expect(page.totalCount).toBe(300);
    expect(page.nodes).toHaveLength(50);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await run('query($after: String) { operators(first: 1000, after: $after) { nodes { uscc } pageInfo { hasNextPage } } }', {
      after: page.pageInfo.endCursor,
    });
    const rest = (next.data as any).operators;
    expect(rest.nodes).toHaveLength(250);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const all = [...page.nodes, ...rest.nodes].map((n: { uscc: string }) => n.uscc);
    expect(new Set(all).size).toBe(300);
    expect([...all].sort()).toEqual(all);
  });

  it('filters by district and status, and counts only the matches', async () => {
    const district = seed.operators[0]!.district;
    const expected = seed.operators.filter((o) => o.district === district && o.status === 'ACTIVE').length;
    const result = await run('query($d: String) { operators(first: 1000, filter: { district: $d, status: ACTIVE }) { totalCount nodes { district status } } }', { d: district });
    const page = (result.data as any).operators;
    expect(page.totalCount).toBe(expected);
    expect(page.nodes.every((n: any) => n.district === district && n.status === 'ACTIVE')).toBe(true);
  });

  it('returns an operator with its outlets, and flags a failing check digit', async () => {
    const flagged = seed.operators.find((o) => !o.usccCheckDigitValid) ?? seed.operators[0]!;
    const result = await run('query($u: ID!) { operator(uscc: $u) { uscc name usccCheckDigitValid districtName outlets { id type location { lng lat } services } } }', { u: flagged.uscc });
    const op = (result.data as any).operator;
    expect(op.uscc).toBe(flagged.uscc);
    expect(op.usccCheckDigitValid).toBe(flagged.usccCheckDigitValid);
    expect(op.outlets.length).toBe(seed.outlets.filter((o) => o.uscc === flagged.uscc).length);
    expect(op.outlets[0].location.lng).toBeGreaterThan(118);
  });

  it('answers BAD_USER_INPUT for a malformed uscc, an unknown district and an oversized page', async () => {
    for (const [query, field] of [
      ['{ operator(uscc: "91330106MA2OOOOOOO") { name } }', 'uscc'],
      ['{ operators(first: 5000) { totalCount } }', 'first'],
      ['{ operators(filter: { district: "330199" }) { totalCount } }', 'filter.district'],
      ['{ registrationStatistics(district: "330103") { district } }', 'district'],
    ] as const) {
      const result = await run(query);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    }
  });

  it('counts per district, each district its own open outlets (the subquery is correlated on the operator table)', async () => {
    const result = await run('{ registrationStatistics { district operators active openOutlets } }');
    const rows = (result.data as any).registrationStatistics;
    expect(rows.reduce((s: number, r: any) => s + r.operators, 0)).toBe(300);
    for (const row of rows) expect(row.openOutlets, row.district).toBe(seed.outlets.filter((o) => o.status === 'OPEN' && o.district === row.district).length);
    expect(new Set(rows.map((r: any) => r.openOutlets)).size).toBeGreaterThan(1);
  });

  it('an AGGREGATE caller: cells under 3 suppressed, and a second status cell wherever one could be recovered from operators', async () => {
    const principal = { sub: 't', agency: 'statistics' as Agency, level: 'city' as const, district: null, roles: ['reader' as const] };
    const grants = new Map([['registration', 'AGGREGATE'], ['outlets', 'AGGREGATE']].map(([group, scope]) => [group, { group, scope, grantId: 'g' }])) as SubgraphAuth['grants'];
    const result = await server.execute('{ registrationStatistics { district operators active revoked deregistered movedOut abnormalListed openOutlets } }', {}, { principal, grants, requestId: 'r' });
    expect(result.errors).toBeUndefined();
    let suppressed = 0;
    for (const row of (result.data as any).registrationStatistics) {
      const mine = seed.operators.filter((o) => o.district === row.district);
      const cells = (['ACTIVE', 'REVOKED', 'DEREGISTERED', 'MOVED_OUT'] as const).map((status) => mine.filter((o) => o.status === status).length);
      const shown = [row.active, row.revoked, row.deregistered, row.movedOut];
      expect(row.operators).toBe(mine.length < 3 ? null : mine.length);
      shown.forEach((value, i) => expect(value === null || value === cells[i]).toBe(true));
      // Never exactly one suppressed status cell under a shown total.
      if (row.operators !== null) expect(shown.filter((v) => v === null).length).not.toBe(1);
      if (row.operators !== null && shown.some((v) => v === null)) suppressed++;
    }
    expect(suppressed).toBeGreaterThan(0);
  });
});

describe('cross-check signals', () => {
  type Status = (typeof seed.operators)[number]['status'];
  const KEYS = 'query($f: OperatorFilter!) { operatorKeys(filter: $f) }';
  const openOutletOf = new Set(seed.outlets.filter((o) => o.status === 'OPEN').map((o) => o.uscc));
  const byDistrict = (district: string) => seed.operators.filter((o) => o.district === district);
  const usccs = (rows: Array<{ uscc: string }>) => rows.map((o) => o.uscc).sort();
  const gone: Status[] = ['DEREGISTERED', 'REVOKED', 'MOVED_OUT'];
  /** The district with most stopped operators that still have an open outlet: the rule's candidates. */
  const home = [...new Set(seed.operators.map((o) => o.district))]
    .map((d) => [d, byDistrict(d).filter((o) => gone.includes(o.status) && openOutletOf.has(o.uscc)).length] as const)
    .sort((a, b) => b[1] - a[1])[0]![0];
  const elsewhere = seed.operators.find((o) => o.district !== home)!.district;

  /** A reader of `agency` with the default catalogue's grants, at city level or in one district. */
  function readerAuth(agency: Agency, district: string | null = null): SubgraphAuth {
    const principal = { sub: `${agency}-reader`, agency, level: district ? ('district' as const) : ('city' as const), district, roles: ['reader' as const] };
    return { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId: 't' };
  }

  async function keys(filter: Record<string, unknown>, auth: SubgraphAuth = readerAuth('commerce')): Promise<string[]> {
    const result = await server.execute(KEYS, { f: filter }, auth);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return (result.data as any).operatorKeys;
  }

  it('lists the usccs a filter selects, in uscc order: stopped operators with an open outlet', async () => {
    const expected = usccs(byDistrict(home).filter((o) => gone.includes(o.status) && openOutletOf.has(o.uscc)));
    expect(expected.length).toBeGreaterThan(0);
    const got = await keys({ district: home, statusIn: gone, hasOpenOutlets: true });
    expect(got).toEqual(expected);
    // Each condition matters: without the outlets, without the statuses.
    const stopped = usccs(byDistrict(home).filter((o) => gone.includes(o.status)));
    expect(stopped.length).toBeGreaterThan(expected.length);
    expect(await keys({ district: home, statusIn: gone })).toEqual(stopped);
    const withOpen = usccs(byDistrict(home).filter((o) => openOutletOf.has(o.uscc)));
    expect(withOpen.length).toBeGreaterThan(expected.length);
    expect(await keys({ district: home, hasOpenOutlets: true })).toEqual(withOpen);
    expect(await keys({ district: home })).toEqual(usccs(byDistrict(home)));
  });

  it('hasOpenOutlets: false selects the operators without any open outlet', async () => {
    const expected = usccs(byDistrict(home).filter((o) => o.status === 'ACTIVE' && !openOutletOf.has(o.uscc)));
    expect(expected.length).toBeGreaterThan(0);
    expect(await keys({ district: home, status: 'ACTIVE', hasOpenOutlets: false })).toEqual(expected);
    // Open and not open split the district.
    const open = await keys({ district: home, hasOpenOutlets: true });
    const closed = await keys({ district: home, hasOpenOutlets: false });
    expect([...open, ...closed].sort()).toEqual(usccs(byDistrict(home)));
    expect(open.filter((u) => closed.includes(u))).toEqual([]);
  });

  it('statusIn combines with status, and an empty statusIn selects none', async () => {
    const active = usccs(byDistrict(home).filter((o) => o.status === 'ACTIVE'));
    expect(await keys({ district: home, statusIn: ['ACTIVE', 'REVOKED'], status: 'ACTIVE' })).toEqual(active);
    expect(await keys({ district: home, statusIn: ['REVOKED'], status: 'ACTIVE' })).toEqual([]);
    expect(await keys({ district: home, statusIn: [] })).toEqual([]);
  });

  it('keeps to the district asked for', async () => {
    const other = await keys({ district: elsewhere });
    expect(other).toEqual(usccs(byDistrict(elsewhere)));
    expect(other.some((u) => byDistrict(home).some((o) => o.uscc === u))).toBe(false);
  });

  it('the new filter fields work in operators(filter:) too, total included', async () => {
    const expected = usccs(byDistrict(home).filter((o) => gone.includes(o.status) && openOutletOf.has(o.uscc)));
    const result = await run('query($f: OperatorFilter) { operators(first: 1000, filter: $f) { totalCount nodes { uscc } } }', {
      f: { district: home, statusIn: gone, hasOpenOutlets: true },
    });
    expect((result.data as any).operators.totalCount).toBe(expected.length);
    expect((result.data as any).operators.nodes.map((n: any) => n.uscc)).toEqual(expected);
    // Across the city (no district there): every stopped operator with an open outlet.
    const city = await run('query($f: OperatorFilter) { operators(first: 1000, filter: $f) { totalCount } }', { f: { statusIn: gone, hasOpenOutlets: true } });
    expect((city.data as any).operators.totalCount).toBe(seed.operators.filter((o) => gone.includes(o.status) && openOutletOf.has(o.uscc)).length);
  });

  it('answers BAD_USER_INPUT without a district or with a bad one', async () => {
    for (const [filter, field] of [
      [{ status: 'ACTIVE' }, 'filter.district'],
      [{ district: '330199' }, 'filter.district'],
      [{ district: '330103', hasOpenOutlets: true }, 'filter.district'],
    ] as const) {
      const result = await server.execute(KEYS, { f: filter }, readerAuth('commerce'));
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(result.data).toBeNull();
    }
  });

  it("applies the caller's row scope: a district-level caller of another district gets nothing", async () => {
    expect(await keys({ district: home }, readerAuth('commerce', elsewhere))).toEqual([]);
    expect(await keys({ district: home, hasOpenOutlets: true }, readerAuth('commerce', elsewhere))).toEqual([]);
    expect(await keys({ district: home }, readerAuth('commerce', home))).toEqual(usccs(byDistrict(home)));
  });

  it('refuses hasOpenOutlets to a caller without an outlets grant, and serves it the rest', async () => {
    // 人社局 reads registration (F) but not outlets (-).
    const hrss = readerAuth('hrss');
    const refused = await server.execute(KEYS, { f: { district: home, hasOpenOutlets: false } }, hrss);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'filter.hasOpenOutlets' });
    const listed = await server.execute('query($f: OperatorFilter) { operators(filter: $f) { totalCount } }', { f: { hasOpenOutlets: true } }, hrss);
    expect(listed.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'filter.hasOpenOutlets' });
    expect(await keys({ district: home, statusIn: gone }, hrss)).toEqual(usccs(byDistrict(home).filter((o) => gone.includes(o.status))));
  });

  it("a MEMBERS grant (the association) lists only the member operators", async () => {
    const members = byDistrict(home).filter((_, i) => i % 3 === 0).map((o) => o.uscc);
    await replaceMemberScope(database.db, memberScope, members);
    try {
      const expected = usccs(byDistrict(home).filter((o) => members.includes(o.uscc) && openOutletOf.has(o.uscc)));
      expect(expected.length).toBeGreaterThan(0);
      expect(await keys({ district: home, hasOpenOutlets: true }, readerAuth('association'))).toEqual(expected);
    } finally {
      await replaceMemberScope(database.db, memberScope, []);
    }
  });
});
