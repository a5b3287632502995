import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { connectRegistrationDatabase } from './db';
import { generateRegistrationSeed, insertRegistrationSeed } from './db/seed';
import { createRegistrationServer } from './server';
import { generateGatewayKeys } from '@xiran/auth';

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

  it('counts per district', async () => {
    const result = await run('{ registrationStatistics { district operators active openOutlets } }');
    const rows = (result.data as any).registrationStatistics;
    expect(rows.reduce((s: number, r: any) => s + r.operators, 0)).toBe(300);
  });
});
