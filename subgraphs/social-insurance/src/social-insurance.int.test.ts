import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUscc, completeUscc, organisationCheckCharacter, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectSocialInsuranceDatabase } from './db';
import { generateSocialInsuranceSeed, insertSocialInsuranceSeed } from './db/seed';
import { createSocialInsuranceServer } from './server';
import { INSURANCE_CODES } from './resolvers/InsuranceStatus';
import { generateGatewayKeys } from '@xiran/auth';

const asOf = '2026-11-01';
let databases: TestDatabases;
let database: ServiceDatabase;
let server: ReturnType<typeof createSocialInsuranceServer>;
const world = generateRegistrationSeed(300, { asOf }).world;
const generated = generateSocialInsuranceSeed(world, { asOf });

/**
 * One hand-made unit beside the generated ones, part-way through 注销: three types terminated,
 * two still owing (so "any type" and "every type" give different answers).
 */
const mixedUnit = completeUscc(`91330106MAXXXXXX${organisationCheckCharacter('MAXXXXXX')}`);
const fixture = { uscc: mixedUnit, district: '330106', asOfPeriod: '2026-10', source: 'fixture', updatedAt: '2026-11-01T00:00:00Z' };
const seed = {
  insuranceStatus: [
    ...generated.insuranceStatus,
    { ...fixture, type: 'PENSION', paymentStatus: 'SUSPENDED', inArrears: true, arrearsMonths: 4, lastPaidPeriod: '2026-02' },
    { ...fixture, type: 'UNEMPLOYMENT', paymentStatus: 'SUSPENDED', inArrears: true, arrearsMonths: 2, lastPaidPeriod: '2026-04' },
    { ...fixture, type: 'MEDICAL', paymentStatus: 'TERMINATED', inArrears: false, arrearsMonths: 0, lastPaidPeriod: '2026-06' },
    { ...fixture, type: 'WORK_INJURY', paymentStatus: 'TERMINATED', inArrears: false, arrearsMonths: 0, lastPaidPeriod: '2026-06' },
    { ...fixture, type: 'MATERNITY', paymentStatus: 'TERMINATED', inArrears: false, arrearsMonths: 0, lastPaidPeriod: null },
  ] satisfies typeof generated.insuranceStatus,
  headcount: [...generated.headcount, { ...fixture, band: 'NONE' as const }],
};

const run = (query: string, variables: Record<string, unknown> = {}) => server.execute(query, variables);

const statusRows = (uscc: string) => seed.insuranceStatus.filter((r) => r.uscc === uscc);
const headcountRow = (uscc: string) => seed.headcount.find((r) => r.uscc === uscc);

/** The seed folded per unit, as the statistics and the summaries should report it. */
function units() {
  const byUnit = new Map<string, { district: string; inArrears: boolean; terminated: boolean; maxArrears: number }>();
  for (const row of seed.insuranceStatus) {
    const unit = byUnit.get(row.uscc) ?? { district: row.district, inArrears: false, terminated: true, maxArrears: 0 };
    unit.inArrears ||= Boolean(row.inArrears);
    unit.terminated &&= row.paymentStatus === 'TERMINATED';
    unit.maxArrears = Math.max(unit.maxArrears, row.arrearsMonths ?? 0);
    byUnit.set(row.uscc, unit);
  }
  return byUnit;
}

const ENTITY_QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator {
  uscc
  socialInsuranceStatus { inArrears maxArrearsMonths terminated
    insurances { type code paymentStatus inArrears arrearsMonths lastPaidPeriod asOfPeriod source updatedAt } }
  insuredHeadcount { band asOfPeriod source updatedAt }
} } }`;

beforeAll(async () => {
  databases = await startTestDatabases();
  database = await connectSocialInsuranceDatabase(databases.config('social-insurance').database);
  await insertSocialInsuranceSeed(database.db, seed);
  server = createSocialInsuranceServer(database, await generateGatewayKeys());
});

afterAll(async () => {
  await server?.stop();
  await database?.close();
  await databases?.close();
});

describe('social-insurance seed', () => {
  it('is deterministic, unit-level only, and carries the cases the cross-checks look for', () => {
    expect(generateSocialInsuranceSeed(world, { asOf })).toEqual(generated);
    const columns = new Set([...generated.insuranceStatus, ...generated.headcount].flatMap((row) => Object.keys(row)));
    for (const personal of ['name', 'idNumber', 'contributionBase', 'amount', 'headcount']) expect(columns.has(personal)).toBe(false);
    // Five rows per unit, one per type, and a headcount band for each unit.
    const folded = units();
    expect(seed.insuranceStatus).toHaveLength(folded.size * 5);
    expect(new Set(seed.headcount.map((h) => h.uscc))).toEqual(new Set(folded.keys()));
    const deregisteredPaying = world.filter((op) => op.status === 'DEREGISTERED' && statusRows(op.uscc).some((r) => r.paymentStatus === 'PAYING'));
    const deregistered = world.filter((op) => op.status === 'DEREGISTERED' && statusRows(op.uscc).length > 0);
    expect(deregistered.filter((op) => units().get(op.uscc)!.terminated).length / deregistered.length).toBeGreaterThan(0.7);
    expect(deregisteredPaying.length).toBeGreaterThan(0);
    const arrearsShare = [...folded.values()].filter((u) => u.inArrears).length / folded.size;
    expect(arrearsShare).toBeGreaterThan(0.03);
    expect(arrearsShare).toBeLessThan(0.15);
    const activeWithoutRecord = world.filter((op) => op.status === 'ACTIVE' && op.outlets.length > 0 && !folded.has(op.uscc));
    expect(activeWithoutRecord.length).toBeGreaterThan(0);
  });
});

describe('social-insurance subgraph', () => {
  it('resolves operators in one statement, with null parts for unknown units', async () => {
    // Every unit of the seed, one operator it has no record of, and a uscc nobody registered.
    const known = seed.headcount.map((h) => h.uscc);
    const inArrears = generated.insuranceStatus.find((r) => r.inArrears)!.uscc;
    const terminated = [...units()].find(([, u]) => u.terminated)![0];
    const withoutRecord = world.find((op) => !headcountRow(op.uscc))!.uscc;
    const unknown = completeUscc(`91330106MAYYYYYY${organisationCheckCharacter('MAYYYYYY')}`);
    expect(checkUscc(unknown).ok).toBe(true);
    expect(world.some((op) => op.uscc === unknown)).toBe(false);
    const keys = [withoutRecord, ...known, unknown];
    const before = database.statements.total;
    const result = await run(ENTITY_QUERY, { r: keys.map((uscc) => ({ __typename: 'Operator', uscc })) });
    expect(result.errors).toBeUndefined();
    expect(database.statements.total - before).toBe(1);
    const entities = (result.data as any)._entities as any[];
    expect(entities.map((e) => e.uscc)).toEqual(keys);
    const folded = units();
    for (const entity of entities) {
      const rows = statusRows(entity.uscc);
      const head = headcountRow(entity.uscc);
      if (rows.length === 0) {
        expect(entity.socialInsuranceStatus).toBeNull();
        expect(entity.insuredHeadcount).toBeNull();
        continue;
      }
      const unit = folded.get(entity.uscc)!;
      expect(entity.socialInsuranceStatus).toMatchObject({ inArrears: unit.inArrears, maxArrearsMonths: unit.maxArrears, terminated: unit.terminated });
      expect(entity.socialInsuranceStatus.insurances.map((i: any) => i.code)).toEqual(['110', '210', '310', '410', '510']);
      for (const insurance of entity.socialInsuranceStatus.insurances) {
        const row = rows.find((r) => r.type === insurance.type)!;
        expect(insurance.code).toBe(INSURANCE_CODES[row.type]);
        expect(insurance).toMatchObject({
          paymentStatus: row.paymentStatus,
          inArrears: row.inArrears,
          arrearsMonths: row.arrearsMonths,
          lastPaidPeriod: row.lastPaidPeriod,
          asOfPeriod: row.asOfPeriod,
          source: row.source,
        });
        expect(insurance.updatedAt).toBe(new Date(row.updatedAt!).toISOString());
      }
      expect(entity.insuredHeadcount).toMatchObject({ band: head!.band, asOfPeriod: head!.asOfPeriod, source: head!.source });
    }
    const byUscc = new Map(entities.map((e) => [e.uscc, e]));
    expect(byUscc.get(unknown)).toEqual({ uscc: unknown, socialInsuranceStatus: null, insuredHeadcount: null });
    expect(byUscc.get(withoutRecord).socialInsuranceStatus).toBeNull();
    expect(byUscc.get(inArrears).socialInsuranceStatus.inArrears).toBe(true);
    expect(byUscc.get(terminated).socialInsuranceStatus.terminated).toBe(true);
    expect(byUscc.get(mixedUnit).socialInsuranceStatus).toMatchObject({ inArrears: true, maxArrearsMonths: 4, terminated: false });
  });

  it('fetches only the requested part', async () => {
    const uscc = seed.headcount[0]!.uscc;
    const result = await run('query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { insuredHeadcount { band } } } }', {
      r: [{ __typename: 'Operator', uscc }],
    });
    expect(result.errors).toBeUndefined();
    expect((result.data as any)._entities).toEqual([{ insuredHeadcount: { band: headcountRow(uscc)!.band } }]);
  });

  it('counts per district, matching the seed', async () => {
    const result = await run('{ socialInsuranceStatistics { district districtName units unitsInArrears unitsTerminated headcountBands { band units } } }');
    expect(result.errors).toBeUndefined();
    const rows = (result.data as any).socialInsuranceStatistics as any[];
    const folded = [...units().values()];
    expect(rows.map((r) => r.district)).toEqual([...new Set(folded.map((u) => u.district))].sort());
    for (const row of rows) {
      const here = folded.filter((u) => u.district === row.district);
      expect(row.districtName).not.toBe(row.district);
      expect(row.units).toBe(here.length);
      expect(row.unitsInArrears).toBe(here.filter((u) => u.inArrears).length);
      expect(row.unitsTerminated).toBe(here.filter((u) => u.terminated).length);
      expect(row.headcountBands.map((b: any) => b.band)).toEqual(['NONE', 'FROM_1_TO_5', 'FROM_6_TO_20', 'FROM_21_TO_50', 'OVER_50']);
      for (const { band, units: count } of row.headcountBands) {
        expect(count).toBe(seed.headcount.filter((h) => h.district === row.district && h.band === band).length);
      }
    }
    expect(rows.reduce((sum, r) => sum + r.units, 0)).toBe(seed.headcount.length);
    expect(rows.reduce((sum, r) => sum + r.unitsInArrears, 0)).toBe(folded.filter((u) => u.inArrears).length);

    const one = seed.headcount[0]!.district;
    const single = await run('query($d: String) { socialInsuranceStatistics(district: $d) { district units } }', { d: one });
    expect((single.data as any).socialInsuranceStatistics).toEqual([{ district: one, units: folded.filter((u) => u.district === one).length }]);
  });

  it('answers BAD_USER_INPUT for an unknown or abolished district', async () => {
    for (const [query, field] of [
      ['{ socialInsuranceStatistics(district: "330199") { district } }', 'district'],
      ['{ socialInsuranceStatistics(district: "330103") { district } }', 'district'],
    ] as const) {
      const result = await run(query);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    }
  });
});
