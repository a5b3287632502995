import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, inArray } from 'drizzle-orm';
import { isInputObjectType, isObjectType } from 'graphql';
import { startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { checkUscc, completeUscc, organisationCheckCharacter, type Agency } from '@xiran/common';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectSocialInsuranceDatabase } from './db';
import { changeLog, importBatches, unitHeadcount, unitInsuranceStatus } from './db/schema';
import { generateSocialInsuranceSeed, insertSocialInsuranceSeed } from './db/seed';
import { DATASETS, insuranceStatusDataset, insuredHeadcountDataset } from './datasets';
import { createSocialInsuranceServer } from './server';
import { INSURANCE_CODES } from './resolvers/InsuranceStatus';
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

/** A caller as the gateway would vouch for it: `district` null for a city-level caller. */
function caller(agency: Agency, district: string | null, grants: Partial<Record<GroupId, Scope>>): SubgraphAuth {
  return {
    principal: { sub: 't', agency, level: district ? 'district' : 'city', district, roles: ['reader'] },
    grants: new Map(Object.entries(grants).map(([group, scope]) => [group as GroupId, { group: group as GroupId, scope: scope!, grantId: 'g' }])),
    requestId: 'r',
  };
}

const STATISTICS_QUERY = `query($d: String) { socialInsuranceStatistics(district: $d) {
  district units unitsInArrears unitsTerminated headcountBands { band units } } }`;
const BANDS_QUERY = 'query($d: String) { socialInsuranceStatistics(district: $d) { district districtName headcountBands { band units } } }';
const BANDS = ['NONE', 'FROM_1_TO_5', 'FROM_6_TO_20', 'FROM_21_TO_50', 'OVER_50'] as const;

/** The seed's counts for one district, as a caller seeing every unit there would get them. */
function expectedRow(district: string) {
  const here = [...units().values()].filter((u) => u.district === district);
  return {
    district,
    units: here.length,
    unitsInArrears: here.filter((u) => u.inArrears).length,
    unitsTerminated: here.filter((u) => u.terminated).length,
    headcountBands: BANDS.map((band) => ({ band, units: seed.headcount.filter((h) => h.district === district && h.band === band).length })),
  };
}
const small = (n: number) => (n < 3 ? null : n);

describe('social-insurance row scope (限定知悉范围)', () => {
  const home = '330106';
  const districts = [...new Set(seed.headcount.map((h) => h.district))].sort();
  const elsewhere = districts.find((d) => d !== home)!;
  const commerceDistrict = caller('commerce', home, { socialInsuranceStatus: 'FULL', insuredHeadcount: 'FULL' });

  it('has units in the home district and elsewhere to tell apart', () => {
    expect(seed.headcount.filter((h) => h.district === home).length).toBeGreaterThan(3);
    expect(seed.headcount.filter((h) => h.district !== home).length).toBeGreaterThan(3);
  });

  it('a district-level caller resolves only the units of its district; others come back with null parts', async () => {
    const inside = seed.headcount.filter((h) => h.district === home).map((h) => h.uscc);
    const outside = seed.headcount.filter((h) => h.district !== home).map((h) => h.uscc);
    const keys = [...inside.slice(0, 5), mixedUnit, ...outside.slice(0, 5)];
    const before = database.statements.total;
    const result = await server.execute(ENTITY_QUERY, { r: keys.map((uscc) => ({ __typename: 'Operator', uscc })) }, commerceDistrict);
    expect(result.errors).toBeUndefined();
    expect(database.statements.total - before).toBe(1);
    const entities = (result.data as any)._entities as any[];
    expect(entities.map((e) => e.uscc)).toEqual(keys);
    const folded = units();
    for (const entity of entities) {
      const head = headcountRow(entity.uscc)!;
      if (head.district === home) {
        const unit = folded.get(entity.uscc)!;
        expect(entity.socialInsuranceStatus).toMatchObject({ inArrears: unit.inArrears, maxArrearsMonths: unit.maxArrears, terminated: unit.terminated });
        expect(entity.socialInsuranceStatus.insurances).toHaveLength(statusRows(entity.uscc).length);
        expect(entity.insuredHeadcount).toMatchObject({ band: head.band, asOfPeriod: head.asOfPeriod });
      } else {
        expect(entity).toEqual({ uscc: entity.uscc, socialInsuranceStatus: null, insuredHeadcount: null });
      }
    }
    // The same keys as the city-level owner: everything.
    const owner = await run(ENTITY_QUERY, { r: outside.slice(0, 5).map((uscc) => ({ __typename: 'Operator', uscc })) });
    for (const entity of (owner.data as any)._entities) expect(entity.insuredHeadcount).not.toBeNull();
  });

  it('filters each part with its own group scope', async () => {
    const inside = seed.headcount.find((h) => h.district === home)!;
    const outside = seed.headcount.find((h) => h.district !== home)!;
    const headcountOnly = caller('commerce', home, { insuredHeadcount: 'FULL' });
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { uscc insuredHeadcount { band } } } }';
    const result = await server.execute(query, { r: [inside, outside].map(({ uscc }) => ({ __typename: 'Operator', uscc })) }, headcountOnly);
    expect(result.errors).toBeUndefined();
    expect((result.data as any)._entities).toEqual([
      { uscc: inside.uscc, insuredHeadcount: { band: inside.band } },
      { uscc: outside.uscc, insuredHeadcount: null },
    ]);
    // No socialInsuranceStatus grant: the part is refused, not read.
    const refused = await server.execute(ENTITY_QUERY, { r: [{ __typename: 'Operator', uscc: inside.uscc }] }, headcountOnly);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a district-level caller counts only its district', async () => {
    const all = await server.execute(STATISTICS_QUERY, {}, commerceDistrict);
    expect(all.errors).toBeUndefined();
    expect((all.data as any).socialInsuranceStatistics).toEqual([expectedRow(home)]);

    const own = await server.execute(STATISTICS_QUERY, { d: home }, commerceDistrict);
    expect((own.data as any).socialInsuranceStatistics).toEqual([expectedRow(home)]);

    // Another district: nothing, not even a row of zeros; the city-level owner does see it.
    const other = await server.execute(STATISTICS_QUERY, { d: elsewhere }, commerceDistrict);
    expect(other.errors).toBeUndefined();
    expect((other.data as any).socialInsuranceStatistics).toEqual([]);
    const ownerOther = await run(STATISTICS_QUERY, { d: elsewhere });
    expect((ownerOther.data as any).socialInsuranceStatistics).toEqual([expectedRow(elsewhere)]);
  });

  it('AGGREGATE gets null for cells of fewer than 3 units, FULL the same cells in full', async () => {
    const statistics = caller('statistics', null, { insuredHeadcount: 'AGGREGATE' });
    const result = await server.execute(BANDS_QUERY, {}, statistics);
    expect(result.errors).toBeUndefined();
    const rows = (result.data as any).socialInsuranceStatistics as any[];
    expect(rows.map((r) => r.district)).toEqual(districts);
    const cells: Array<number | null> = [];
    for (const row of rows) {
      const expected = expectedRow(row.district).headcountBands.map(({ band, units: n }) => ({ band, units: small(n) }));
      expect(row.headcountBands).toEqual(expected);
      cells.push(...row.headcountBands.map((b: any) => b.units));
    }
    // The seed has both kinds of cell, so the test proves something.
    expect(cells.some((c) => c === null)).toBe(true);
    expect(cells.some((c) => c !== null)).toBe(true);

    // Aggregates only: the unit's own band is refused.
    const entity = await server.execute('query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { insuredHeadcount { band } } } }',
      { r: [{ __typename: 'Operator', uscc: seed.headcount[0]!.uscc }] }, statistics);
    expect(entity.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });

    // Status cells under an AGGREGATE grant on socialInsuranceStatus are suppressed the same way.
    const both = await server.execute(STATISTICS_QUERY, {}, caller('data', null, { socialInsuranceStatus: 'AGGREGATE', insuredHeadcount: 'AGGREGATE' }));
    expect(both.errors).toBeUndefined();
    const statusCells: Array<number | null> = [];
    for (const row of (both.data as any).socialInsuranceStatistics as any[]) {
      const expected = expectedRow(row.district);
      expect(row).toEqual({
        district: row.district,
        units: small(expected.units),
        unitsInArrears: small(expected.unitsInArrears),
        unitsTerminated: small(expected.unitsTerminated),
        headcountBands: expected.headcountBands.map(({ band, units: n }) => ({ band, units: small(n) })),
      });
      statusCells.push(row.unitsInArrears);
    }
    expect(statusCells.some((c) => c === null)).toBe(true);

    // Each group's scope on its own cells: FULL on the status, AGGREGATE on the bands.
    const mixed = await server.execute(STATISTICS_QUERY, {}, caller('commerce', null, { socialInsuranceStatus: 'FULL', insuredHeadcount: 'AGGREGATE' }));
    for (const row of (mixed.data as any).socialInsuranceStatistics as any[]) {
      const expected = expectedRow(row.district);
      expect(row.unitsInArrears).toBe(expected.unitsInArrears);
      expect(row.headcountBands).toEqual(expected.headcountBands.map(({ band, units: n }) => ({ band, units: small(n) })));
    }
  });

  it('AGGREGATE at district level: its district only, small cells suppressed', async () => {
    const result = await server.execute(BANDS_QUERY, {}, caller('statistics', home, { insuredHeadcount: 'AGGREGATE' }));
    expect(result.errors).toBeUndefined();
    const rows = (result.data as any).socialInsuranceStatistics as any[];
    expect(rows.map((r) => r.district)).toEqual([home]);
    expect(rows[0].headcountBands).toEqual(expectedRow(home).headcountBands.map(({ band, units: n }) => ({ band, units: small(n) })));
    const other = await server.execute(BANDS_QUERY, { d: elsewhere }, caller('statistics', home, { insuredHeadcount: 'AGGREGATE' }));
    expect((other.data as any).socialInsuranceStatistics).toEqual([]);
  });
});

const SAMPLES = new URL('../../../samples/', import.meta.url);
const sample = (dataset: string) => readFileSync(new URL(`${dataset}.csv`, SAMPLES), 'utf8');
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** The file without its last record (a snapshot that left one out). */
const withoutLastRow = (csv: string) => `${csv.trimEnd().split('\n').slice(0, -1).join('\n')}\n`;

const STATUS_FIELDS = 'type code paymentStatus inArrears arrearsMonths lastPaidPeriod asOfPeriod source present';
const SET_STATUS = `mutation($i: InsuranceStatusInput!) { setInsuranceStatus(input: $i) { ${STATUS_FIELDS} } }`;
const SET_HEADCOUNT = 'mutation($i: HeadcountInput!) { setInsuredHeadcount(input: $i) { band asOfPeriod source present } }';
const IMPORT = `mutation($i: ImportInput!) { importSocialInsuranceData(input: $i) {
  dataset accepted rows newRows changedRows unchangedRows absentRows rejectedRows errors { line column reason } batch { id kind status } } }`;
const CHANGES = `query($since: DateTime!) { changes(since: $since) {
  insuranceStatus(first: 1000) { nodes { key operation changedFields batchId } }
  insuredHeadcount(first: 1000) { nodes { key operation changedFields batchId } } } }`;
const FRESHNESS = '{ dataFreshness { hrss { dataset mode lastBatch { id kind status } } } }';
const UNIT_QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator {
  socialInsuranceStatus { insurances { ${STATUS_FIELDS} } } insuredHeadcount { band asOfPeriod source present } } } }`;

describe('cross-check signals', () => {
  type StatusRow = (typeof seed.insuranceStatus)[number] & { present?: boolean };
  type HeadcountRow = (typeof seed.headcount)[number] & { present?: boolean };
  const home = '330106';
  const districts = [...new Set(seed.headcount.map((h) => h.district))].sort();
  const elsewhere = districts.find((d) => d !== home)!;

  // Hand-made units of the home district, for what the seed never has: a unit insuring staff with a
  // TERMINATED type, or with a TERMINATED record left out of the last snapshot (no longer counts),
  // a headcount left out of the last snapshot, and arrears at the 240-month bound.
  const unit = (tag: string) => completeUscc(`91330106MA${tag}${organisationCheckCharacter(`MA${tag}`)}`);
  const [insured, halfTerminated, staleHeadcount] = [unit('XCHK01'), unit('XCHK02'), unit('XCHK03')];
  const row = { district: home, asOfPeriod: '2026-10', source: 'fixture', updatedAt: '2026-11-01T00:00:00Z' };
  const status = (uscc: string, type: StatusRow['type'], paymentStatus: StatusRow['paymentStatus'], arrearsMonths = 0, present = true): StatusRow => ({
    ...row, uscc, type, paymentStatus, arrearsMonths, inArrears: arrearsMonths > 0, lastPaidPeriod: '2026-09', present,
  });
  const fixtureStatus: StatusRow[] = [
    status(insured, 'PENSION', 'PAYING', 240),
    status(insured, 'MEDICAL', 'TERMINATED', 0, false),
    status(halfTerminated, 'PENSION', 'PAYING'),
    status(halfTerminated, 'WORK_INJURY', 'TERMINATED'),
    status(staleHeadcount, 'PENSION', 'PAYING'),
  ];
  const fixtureHeadcount: HeadcountRow[] = [
    { ...row, uscc: insured, band: 'FROM_6_TO_20' },
    { ...row, uscc: halfTerminated, band: 'FROM_1_TO_5' },
    { ...row, uscc: staleHeadcount, band: 'FROM_1_TO_5', present: false },
  ];
  const fixtureUnits = [insured, halfTerminated, staleHeadcount];
  const allStatus: StatusRow[] = [...seed.insuranceStatus, ...fixtureStatus];
  const allHeadcount: HeadcountRow[] = [...seed.headcount, ...fixtureHeadcount];

  beforeAll(async () => {
    await database.db.insert(unitInsuranceStatus).values(fixtureStatus);
    await database.db.insert(unitHeadcount).values(fixtureHeadcount);
  });
  afterAll(async () => {
    await database.db.delete(unitInsuranceStatus).where(inArray(unitInsuranceStatus.uscc, fixtureUnits));
    await database.db.delete(unitHeadcount).where(inArray(unitHeadcount.uscc, fixtureUnits));
  });

  const IN_ARREARS = `query($d: String!, $m: Int!) { operatorsInArrears(district: $d, minMonths: $m) {
    uscc socialInsuranceStatus { inArrears maxArrearsMonths terminated insurances { type paymentStatus arrearsMonths } } insuredHeadcount { band } } }`;
  const KEYS_ONLY = 'query($d: String!, $m: Int!) { operatorsInArrears(district: $d, minMonths: $m) { uscc } }';
  const INSURED = 'query($d: String!) { insuredUnitKeys(district: $d) }';
  const TYPES = ['PENSION', 'UNEMPLOYMENT', 'MEDICAL', 'WORK_INJURY', 'MATERNITY'];

  /** What operatorsInArrears should answer, folded here from the rows. */
  function expectedInArrears(district: string, minMonths: number) {
    const usccs = [...new Set(allStatus.filter((r) => r.district === district && r.arrearsMonths! >= minMonths).map((r) => r.uscc))].sort();
    return usccs.map((uscc) => {
      const rows = allStatus.filter((r) => r.uscc === uscc).sort((a, b) => TYPES.indexOf(a.type) - TYPES.indexOf(b.type));
      const head = allHeadcount.find((h) => h.uscc === uscc);
      return {
        uscc,
        socialInsuranceStatus: {
          inArrears: rows.some((r) => r.arrearsMonths! > 0),
          maxArrearsMonths: Math.max(...rows.map((r) => r.arrearsMonths!)),
          terminated: rows.every((r) => r.paymentStatus === 'TERMINATED'),
          insurances: rows.map((r) => ({ type: r.type, paymentStatus: r.paymentStatus, arrearsMonths: r.arrearsMonths })),
        },
        insuredHeadcount: head ? { band: head.band } : null,
      };
    });
  }

  function expectedInsured(district: string) {
    const terminated = new Set(allStatus.filter((r) => r.present !== false && r.paymentStatus === 'TERMINATED').map((r) => r.uscc));
    return allHeadcount
      .filter((h) => h.district === district && h.present !== false && h.band !== 'NONE' && !terminated.has(h.uscc))
      .map((h) => h.uscc)
      .sort();
  }

  async function query(text: string, variables: Record<string, unknown>, auth: SubgraphAuth = ownerAuth('social-insurance')) {
    const result = await server.execute(text, variables, auth);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return Object.values(result.data as Record<string, any[]>)[0]!;
  }

  it('operatorsInArrears answers Operator entities with their parts, in one statement', async () => {
    // The district with most units in arrears in the seed, and the home district with the fixtures.
    const [busiest] = districts.map((d) => [d, expectedInArrears(d, 1).length] as const).sort((a, b) => b[1] - a[1])[0]!;
    const want = expectedInArrears(busiest, 1);
    expect(want.length).toBeGreaterThan(2);
    expect(new Set(want.map((x) => x.socialInsuranceStatus.maxArrearsMonths)).size).toBeGreaterThan(1);
    const before = database.statements.total;
    expect(await query(IN_ARREARS, { d: busiest, m: 1 })).toEqual(want);
    expect(database.statements.total - before).toBe(1);
    const mine = expectedInArrears(home, 1);
    expect(mine.map((x) => x.uscc)).toEqual(expect.arrayContaining([mixedUnit, insured]));
    expect(await query(IN_ARREARS, { d: home, m: 1 })).toEqual(mine);
  });

  it('operatorsInArrears: minMonths matters, each side of it', async () => {
    // The mixed unit owes 4 months of 养老 at most.
    const at4 = await query(KEYS_ONLY, { d: home, m: 4 });
    const at5 = await query(KEYS_ONLY, { d: home, m: 5 });
    expect(at4.map((x: any) => x.uscc)).toEqual(expectedInArrears(home, 4).map((x) => x.uscc));
    expect(at5.map((x: any) => x.uscc)).toEqual(expectedInArrears(home, 5).map((x) => x.uscc));
    expect(at4.map((x: any) => x.uscc)).toContain(mixedUnit);
    expect(at5.map((x: any) => x.uscc)).not.toContain(mixedUnit);
    expect(at4.length).toBeGreaterThan(at5.length);
    // The bound itself: only the fixture owes 240 months.
    expect(await query(KEYS_ONLY, { d: home, m: 240 })).toEqual([{ uscc: insured }]);
    // Across the city, every district gives what its rows say.
    for (const district of districts) {
      expect((await query(KEYS_ONLY, { d: district, m: 2 })).map((x: any) => x.uscc)).toEqual(expectedInArrears(district, 2).map((x) => x.uscc));
    }
  });

  it('insuredUnitKeys lists the units with insured staff and no present TERMINATED record', async () => {
    const want = expectedInsured(home);
    expect(want.length).toBeGreaterThan(2);
    // Each condition matters: the band, the terminated type, the snapshot presence of either.
    expect(want).toContain(insured);
    expect(want).not.toContain(halfTerminated);
    expect(want).not.toContain(staleHeadcount);
    expect(want).not.toContain(mixedUnit);
    const before = database.statements.total;
    expect(await query(INSURED, { d: home })).toEqual(want);
    expect(database.statements.total - before).toBe(1);
    expect(await query(INSURED, { d: elsewhere })).toEqual(expectedInsured(elsewhere));
    expect(expectedInsured(elsewhere).some((u) => want.includes(u))).toBe(false);
  });

  it('answers BAD_USER_INPUT for a bad district or minMonths', async () => {
    for (const [text, variables, field] of [
      [KEYS_ONLY, { d: '330199', m: 1 }, 'district'],
      [KEYS_ONLY, { d: home, m: 0 }, 'minMonths'],
      [KEYS_ONLY, { d: home, m: 241 }, 'minMonths'],
      [INSURED, { d: '330103' }, 'district'],
    ] as const) {
      const result = await run(text, variables);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it("applies the caller's row scope: a district-level caller of another district gets nothing", async () => {
    const reader = (agency: Agency, district: string | null) => {
      const principal = { sub: `${agency}-reader`, agency, level: district ? ('district' as const) : ('city' as const), district, roles: ['reader' as const] };
      return { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId: 't' } satisfies SubgraphAuth;
    };
    expect(await query(IN_ARREARS, { d: home, m: 1 }, reader('commerce', elsewhere))).toEqual([]);
    expect(await query(INSURED, { d: home }, reader('commerce', elsewhere))).toEqual([]);
    expect(await query(IN_ARREARS, { d: home, m: 1 }, reader('commerce', home))).toEqual(expectedInArrears(home, 1));
    expect(await query(INSURED, { d: home }, reader('commerce', home))).toEqual(expectedInsured(home));
    // 发改委 reads socialInsuranceStatus (F) but not insuredHeadcount (-): the band is refused, the list not.
    const ndrc = await server.execute(IN_ARREARS, { d: home, m: 1 }, reader('ndrc', null));
    expect((ndrc.data as any).operatorsInArrears.map((x: any) => x.uscc)).toEqual(expectedInArrears(home, 1).map((x) => x.uscc));
    expect((ndrc.data as any).operatorsInArrears.every((x: any) => x.insuredHeadcount === null)).toBe(true);
    expect(ndrc.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
    const refused = await server.execute(INSURED, { d: home }, reader('ndrc', null));
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    // 统计局's AGGREGATE grant of insuredHeadcount opens the statistics, not the list.
    const aggregate = await server.execute(INSURED, { d: home }, reader('statistics', null));
    expect(aggregate.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('intake', () => {
  const hrss = uploaderAuth('social-insurance');
  const westLake = uploaderAuth('social-insurance', { district: '330106' });
  // The sample units: 1 and 2 in 330106 (西湖区), 3 in 330108 (滨江区), 4 in 330110 (余杭区).
  const [unit1, unit2, unit3] = [1, 2, 3].map((n) => completeUscc(`91330106MA2B0000${n}`)) as [string, string, string];
  const pension = { uscc: unit1, district: '330106', type: 'PENSION', paymentStatus: 'SUSPENDED', arrearsMonths: 2, lastPaidPeriod: '2026-08', asOfPeriod: '2026-10' };
  const headcount = { uscc: unit1, district: '330106', band: 'FROM_6_TO_20', asOfPeriod: '2026-10' };

  const upload = (query: string, variables: Record<string, unknown>, auth: SubgraphAuth = hrss) => server.execute(query, variables, auth);
  const changesSince = async (since: string) => {
    const result = await run(CHANGES, { since });
    expect(result.errors).toBeUndefined();
    return (result.data as any).changes as Record<'insuranceStatus' | 'insuredHeadcount', { nodes: Array<{ key: string; operation: string; changedFields: string[]; batchId: string }> }>;
  };
  const freshness = async (dataset: string) => {
    const result = await run(FRESHNESS);
    expect(result.errors).toBeUndefined();
    return ((result.data as any).dataFreshness.hrss as any[]).find((d) => d.dataset === dataset);
  };
  const unit = async (uscc: string) => {
    const result = await run(UNIT_QUERY, { r: [{ __typename: 'Operator', uscc }] });
    expect(result.errors).toBeUndefined();
    return (result.data as any)._entities[0] as { socialInsuranceStatus: { insurances: any[] } | null; insuredHeadcount: any };
  };
  /** Rows of the change log and of the batch table: unchanged when nothing was written. */
  const written = async () => {
    const [[log], [batches]] = await Promise.all([database.db.select({ n: count() }).from(changeLog), database.db.select({ n: count() }).from(importBatches)]);
    return { log: log!.n, batches: batches!.n };
  };

  it('serves only unit-level fields: the inputs are exactly the datasets\' columns', () => {
    const fields = (name: string) => {
      const type = server.schema.getType(name);
      if (!isInputObjectType(type) && !isObjectType(type)) throw new Error(`${name} is not an object or input type`);
      return Object.keys(type.getFields());
    };
    expect(fields('InsuranceStatusInput').sort()).toEqual(insuranceStatusDataset.columns.map((c) => c.key).sort());
    expect(fields('HeadcountInput').sort()).toEqual(insuredHeadcountDataset.columns.map((c) => c.key).sort());
    const personal = /name|person|identity|idNumber|idCard|contributionBase|base|amount|salary|wage|phone/i;
    for (const type of ['InsuranceStatus', 'InsuredHeadcount', 'InsuranceStatusInput', 'HeadcountInput']) expect(fields(type).filter((f) => personal.test(f))).toEqual([]);
    for (const dataset of DATASETS) expect(dataset.columns.flatMap((c) => c.headers).filter((h) => personal.test(h) || /姓名|身份证|缴费基数|金额|工资/.test(h))).toEqual([]);
  });

  it('setInsuranceStatus writes, reads back, and shows in the change log and freshness', async () => {
    const since = new Date().toISOString();
    const result = await upload(SET_STATUS, { i: pension });
    expect(result.errors).toBeUndefined();
    expect((result.data as any).setInsuranceStatus).toEqual({
      type: 'PENSION',
      code: '110',
      paymentStatus: 'SUSPENDED',
      inArrears: true,
      arrearsMonths: 2,
      lastPaidPeriod: '2026-08',
      asOfPeriod: '2026-10',
      source: 'upload:hrss-uploader',
      present: true,
    });
    expect((await unit(unit1)).socialInsuranceStatus!.insurances).toEqual([(result.data as any).setInsuranceStatus]);

    // Paid up: the update names the fields that changed, inArrears (derived) among them.
    const paid = await upload(SET_STATUS, { i: { ...pension, paymentStatus: 'PAYING', arrearsMonths: 0, lastPaidPeriod: '2026-10' } });
    expect((paid.data as any).setInsuranceStatus).toMatchObject({ paymentStatus: 'PAYING', inArrears: false, arrearsMonths: 0, lastPaidPeriod: '2026-10' });

    const { insuranceStatus } = await changesSince(since);
    expect(insuranceStatus.nodes.map(({ batchId: _, ...node }) => node)).toEqual([
      { key: `${unit1}/PENSION`, operation: 'INSERTED', changedFields: [] },
      { key: `${unit1}/PENSION`, operation: 'UPDATED', changedFields: expect.arrayContaining(['paymentStatus', 'arrearsMonths', 'lastPaidPeriod', 'inArrears']) },
    ]);
    expect(insuranceStatus.nodes[1]!.changedFields).toHaveLength(4);
    expect(await freshness('insurance-status')).toEqual({
      dataset: 'insurance-status',
      mode: 'SNAPSHOT',
      lastBatch: { id: insuranceStatus.nodes[1]!.batchId, kind: 'UPLOAD', status: 'SUCCEEDED' },
    });
  });

  it('setInsuredHeadcount writes, reads back, and shows in the change log and freshness', async () => {
    const since = new Date().toISOString();
    const result = await upload(SET_HEADCOUNT, { i: headcount });
    expect(result.errors).toBeUndefined();
    expect((result.data as any).setInsuredHeadcount).toEqual({ band: 'FROM_6_TO_20', asOfPeriod: '2026-10', source: 'upload:hrss-uploader', present: true });
    expect((await unit(unit1)).insuredHeadcount).toEqual((result.data as any).setInsuredHeadcount);

    const { insuredHeadcount, insuranceStatus } = await changesSince(since);
    expect(insuranceStatus.nodes).toEqual([]);
    expect(insuredHeadcount.nodes).toEqual([{ key: unit1, operation: 'INSERTED', changedFields: [], batchId: expect.stringMatching(/^upl-/) }]);
    expect((await freshness('insured-headcount')).lastBatch).toEqual({ id: insuredHeadcount.nodes[0]!.batchId, kind: 'UPLOAD', status: 'SUCCEEDED' });
  });

  it('answers BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const before = await written();
    const stored = await unit(unit1);
    for (const [query, input, field] of [
      [SET_STATUS, { ...pension, arrearsMonths: 241 }, 'input.arrearsMonths'],
      [SET_STATUS, { ...pension, arrearsMonths: -1 }, 'input.arrearsMonths'],
      [SET_STATUS, { ...pension, lastPaidPeriod: '2026-11' }, 'input.lastPaidPeriod'],
      [SET_STATUS, { ...pension, lastPaidPeriod: '2026-13' }, 'input.lastPaidPeriod'],
      [SET_STATUS, { ...pension, asOfPeriod: '2099-01', lastPaidPeriod: null }, 'input.asOfPeriod'],
      [SET_STATUS, { ...pension, paymentStatus: 'TERMINATED' }, 'input.arrearsMonths'],
      [SET_STATUS, { ...pension, uscc: `${unit1.slice(0, 17)}${unit1.endsWith('0') ? '1' : '0'}` }, 'input.uscc'],
      [SET_STATUS, { ...pension, district: '330199' }, 'input.district'],
      [SET_HEADCOUNT, { ...headcount, band: 'FROM_1_TO_5', asOfPeriod: '26-10' }, 'input.asOfPeriod'],
      [SET_HEADCOUNT, { ...headcount, band: 'FROM_1_TO_5', district: '330103' }, 'input.district'],
    ] as const) {
      const result = await upload(query, { i: input });
      expect(result.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(result.data).toBeNull();
    }
    expect(await written()).toEqual(before);
    expect(await unit(unit1)).toEqual(stored);
  });

  it('refuses readers and other agencies; a district uploader writes only in its district', async () => {
    const before = await written();
    const input = { ...pension, arrearsMonths: 5 };
    for (const auth of [ownerAuth('social-insurance'), uploaderAuth('social-insurance', { agency: 'market' })]) {
      for (const [query, variables] of [
        [SET_STATUS, { i: input }],
        [SET_HEADCOUNT, { i: headcount }],
        [IMPORT, { i: { dataset: 'insured-headcount', contentBase64: base64(sample('insured-headcount')) } }],
      ] as const) {
        const result = await upload(query, variables, auth);
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
      }
    }
    // 330106's uploader in 滨江区 (330108): refused, whether the record is new or held there.
    const binjiang = { uscc: unit3, district: '330108', band: 'NONE', asOfPeriod: '2026-10' };
    const outside = await upload(SET_HEADCOUNT, { i: binjiang }, westLake);
    expect(outside.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.district' });
    expect(await written()).toEqual(before);
    expect((await upload(SET_HEADCOUNT, { i: binjiang })).errors).toBeUndefined();
    const after = await written();
    const heldElsewhere = await upload(SET_HEADCOUNT, { i: { ...binjiang, district: '330106' } }, westLake);
    expect(heldElsewhere.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.district' });
    expect(await written()).toEqual(after);
    expect((await unit(unit3)).insuredHeadcount).toMatchObject({ band: 'NONE' });

    // In its own district it writes.
    const own = await upload(SET_STATUS, { i: { ...pension, uscc: unit2, arrearsMonths: 3, lastPaidPeriod: '2026-07' } }, westLake);
    expect(own.errors).toBeUndefined();
    expect((own.data as any).setInsuranceStatus).toMatchObject({ type: 'PENSION', arrearsMonths: 3, source: 'upload:hrss-uploader-330106', present: true });
  });

  for (const dataset of DATASETS) {
    it(`${dataset.name}: imports the sample, again with no change, and marks a left-out record absent`, async () => {
      const csv = sample(dataset.name);
      const rows = csv.trimEnd().split('\n').length - 1;
      const table = dataset === insuranceStatusDataset ? unitInsuranceStatus : unitHeadcount;
      const keyOf = (record: Record<string, unknown>) => dataset.key.map((k) => String(record[k])).join('/');
      const header = csv.split('\n')[0]!.split(',');
      const sampleKeys = new Set(
        csv.trimEnd().split('\n').slice(1).map((line) => {
          const cells = line.split(',');
          return keyOf(Object.fromEntries(dataset.columns.map((c) => [c.key, cells[header.indexOf(c.headers[0])]])));
        }),
      );
      // A city-level snapshot: every present record the file does not list becomes absent.
      const stored = (await database.db.select().from(table)) as Array<Record<string, unknown>>;
      const leftOut = stored.filter((row) => row.present && !sampleKeys.has(keyOf(row))).length;
      expect(leftOut).toBeGreaterThan(0);

      const importFile = async (text: string, fileName: string) => {
        // Over the seeded world on purpose: the sample leaves most of the seed's records out.
        const result = await upload(IMPORT, { i: { dataset: dataset.name, fileName, contentBase64: base64(text), allowMassAbsent: true } });
        expect(result.errors).toBeUndefined();
        return (result.data as any).importSocialInsuranceData;
      };
      const first = await importFile(csv, `${dataset.name}.csv`);
      expect(first).toMatchObject({ dataset: dataset.name, accepted: true, rows, rejectedRows: 0, errors: [], absentRows: leftOut, batch: { kind: 'IMPORT', status: 'SUCCEEDED' } });
      expect(first.newRows + first.changedRows + first.unchangedRows).toBe(rows);
      expect(first.newRows).toBeGreaterThan(0);

      const again = await importFile(csv, `${dataset.name}.csv`);
      expect(again).toMatchObject({ accepted: true, rows, newRows: 0, changedRows: 0, unchangedRows: rows, absentRows: 0 });

      const since = new Date().toISOString();
      const shorter = await importFile(withoutLastRow(csv), `${dataset.name}-short.csv`);
      expect(shorter).toMatchObject({ accepted: true, rows: rows - 1, newRows: 0, changedRows: 0, absentRows: 1 });
      const lastLine = csv.trimEnd().split('\n').at(-1)!.split(',');
      const [uscc, type] = [lastLine[header.indexOf('uscc')]!, lastLine[header.indexOf('type')]];
      const missing = await unit(uscc);
      if (dataset === insuranceStatusDataset) expect(missing.socialInsuranceStatus!.insurances.find((i) => i.type === type)).toMatchObject({ present: false });
      else expect(missing.insuredHeadcount).toMatchObject({ present: false });
      const changes = (await changesSince(since))[dataset.changeField as 'insuranceStatus' | 'insuredHeadcount'];
      expect(changes.nodes).toEqual([{ key: keyOf({ uscc, type }), operation: 'ABSENT', changedFields: ['present'], batchId: shorter.batch.id }]);
      expect((await freshness(dataset.name)).lastBatch).toEqual({ id: shorter.batch.id, kind: 'IMPORT', status: 'SUCCEEDED' });
    });
  }

  it('takes Chinese headers and labels for the same values, and refuses a file with a bad row whole', async () => {
    const chinese = [
      '统一社会信用代码,所属区县,参保人数区间,数据所属期',
      `${unit1},330106,6-20人,2026-10`,
      `${unit2},330106,1-5人,2026-10`,
      `${unit3},330108,无,2026-10`,
      `${completeUscc('91330106MA2B00004')},330110,21-50人,2026-10`,
    ].join('\n');
    const result = await upload(IMPORT, { i: { dataset: 'insured-headcount', contentBase64: base64(chinese), allowMassAbsent: true } });
    // The same records as the sample; the one left out last time comes back.
    expect((result.data as any).importSocialInsuranceData).toMatchObject({ accepted: true, rows: 4, newRows: 0, changedRows: 1, unchangedRows: 3, absentRows: 0 });

    const before = await written();
    const bad = `${sample('insurance-status').trimEnd()}\n${unit2},330106,工伤保险,终止缴费,0,2026-11,2026-10\n`;
    const rejected = await upload(IMPORT, { i: { dataset: 'insurance-status', contentBase64: base64(bad) } });
    const report = (rejected.data as any).importSocialInsuranceData;
    expect(report).toMatchObject({ accepted: false, rejectedRows: 1, newRows: 0, batch: { status: 'REJECTED' } });
    expect(report.errors).toEqual([{ line: 8, column: 'last_paid_period', reason: expect.stringContaining('after the period') }]);
    // Only the REJECTED batch row: no record, no change-log entry.
    expect(await written()).toEqual({ log: before.log, batches: before.batches + 1 });
  });
});
