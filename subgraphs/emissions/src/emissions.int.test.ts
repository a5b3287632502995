import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { completeUscc, DISTRICTS, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectEmissionsDatabase } from './db';
import { generateEmissionsSeed, insertEmissionsSeed } from './db/seed';
import { createEmissionsServer } from './server';
import { generateGatewayKeys } from '@xiran/auth';

const asOf = '2026-11-01';
let databases: TestDatabases;
let database: ServiceDatabase;
let server: ReturnType<typeof createEmissionsServer>;
/** The database's current_date: penalties and overdue rectifications are judged against it. */
let today: string;
const world = generateRegistrationSeed(300, { asOf }).world;
const seed = generateEmissionsSeed(world, { asOf });

const run = (query: string, variables: Record<string, unknown> = {}) => server.execute(query, variables);

beforeAll(async () => {
  databases = await startTestDatabases();
  database = await connectEmissionsDatabase(databases.config('emissions').database);
  await insertEmissionsSeed(database.db, seed);
  server = createEmissionsServer(database, await generateGatewayKeys());
  const result = await database.db.execute(sql`select current_date::text as today`);
  today = String(result.rows[0]!.today);
});

afterAll(async () => {
  await server?.stop();
  await database?.close();
  await databases?.close();
});

// What the seed says about an operator, computed here independently of the SQL.

const rowsOf = <T extends { uscc: string }>(rows: T[], uscc: string) => rows.filter((r) => r.uscc === uscc);
const hasRecord = (uscc: string) =>
  [seed.machines, seed.permits, seed.inspections, seed.solventLedger, seed.penalties].some((rows) => rows.some((r) => r.uscc === uscc));
const publicised = (uscc: string) =>
  rowsOf(seed.penalties, uscc)
    .filter((p) => p.publicityUntil >= today)
    .sort((a, b) => b.decided.localeCompare(a.decided) || a.id.localeCompare(b.id));

function expectedSummary(uscc: string) {
  if (!hasRecord(uscc)) return null;
  const inUse = rowsOf(seed.machines, uscc).filter((m) => m.status === 'IN_USE');
  const last = rowsOf(seed.inspections, uscc).sort((a, b) => b.date.localeCompare(a.date) || b.id.localeCompare(a.id))[0];
  const hasEia = rowsOf(seed.permits, uscc).some((p) => p.kind === 'EIA_APPROVAL' || p.kind === 'EIA_REGISTRATION_FORM');
  const reasons = [
    inUse.some((m) => m.enclosure === 'OPEN'),
    inUse.some((m) => m.solvent !== 'WET_CLEANING') && !hasEia,
    last?.result === 'VIOLATION',
    !!last && last.result !== 'PASS' && !!last.rectificationDue && last.rectificationDue < today,
  ].filter(Boolean).length + publicised(uscc).length;
  const order = ['PCE', 'HYDROCARBON', 'D5', 'GLYCOL_ETHER', 'CO2', 'WET_CLEANING'];
  return {
    reasonCount: reasons,
    compliant: reasons === 0,
    solvents: [...new Set(inUse.map((m) => m.solvent))].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    machineCount: inUse.length,
    enclosedShare: inUse.length === 0 ? null : inUse.filter((m) => m.enclosure !== 'OPEN').length / inUse.length,
  };
}

function ledgerMonths(uscc: string, months: number) {
  const rows = rowsOf(seed.solventLedger, uscc);
  const kept = new Set([...new Set(rows.map((r) => r.month))].sort().reverse().slice(0, months));
  return rows.filter((r) => kept.has(r.month));
}

const OPERATOR = `... on Operator {
  uscc
  emissionSummary { compliant reasons solvents machineCount enclosedShare }
  machines { id outletId operatorUscc solvent enclosure capacityKg installed status source updatedAt }
  permits { id kind documentNumber issued validUntil source updatedAt }
  inspections { id date kind result issues rectificationDue source updatedAt }
  solventLedger { month solvent purchasedKg consumedKg garmentsKg residueKg manifestNumber solventGramsPerKg source updatedAt }
  penalties { id decisionNumber decided violation fineYuan publicityFrom publicityUntil source updatedAt }
}`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ${OPERATOR} } }`;

describe('emissions subgraph', () => {
  it('resolves operators in one statement, with their rows, and empty parts for unknown operators', async () => {
    const withEverything = world.find((o) => ['machines', 'permits', 'inspections', 'solventLedger'].every((t) => rowsOf((seed as any)[t], o.uscc).length > 0))!;
    const penalised = world.find((o) => publicised(o.uscc).length > 0);
    const nonCompliant = world.find((o) => expectedSummary(o.uscc)?.compliant === false)!;
    const unrecorded = world.find((o) => !hasRecord(o.uscc))!;
    const unknown = completeUscc('91330106MA9ZZZZZ9');
    expect(unrecorded, 'the seed leaves some operators unknown to the department').toBeDefined();
    const usccs = [...new Set([withEverything.uscc, nonCompliant.uscc, ...(penalised ? [penalised.uscc] : []), ...world.slice(0, 40).map((o) => o.uscc), unrecorded.uscc, unknown])];

    const before = database.statements.total;
    const result = await run(ENTITIES, { r: usccs.map((uscc) => ({ __typename: 'Operator', uscc })) });
    expect(database.statements.total - before).toBe(1);
    expect(result.errors).toBeUndefined();
    const entities = (result.data as any)._entities as any[];
    expect(entities.map((e) => e.uscc)).toEqual(usccs);

    for (const entity of entities) {
      const uscc = entity.uscc as string;
      const summary = expectedSummary(uscc);
      if (summary === null) {
        expect(entity.emissionSummary).toBeNull();
      } else {
        expect(entity.emissionSummary).toMatchObject({
          compliant: summary.compliant,
          solvents: summary.solvents,
          machineCount: summary.machineCount,
          enclosedShare: summary.enclosedShare === null ? null : expect.closeTo(summary.enclosedShare, 10),
        });
        expect(entity.emissionSummary.reasons).toHaveLength(summary.reasonCount);
      }
      expect(entity.machines.map((m: any) => m.id)).toEqual(rowsOf(seed.machines, uscc).map((m) => m.id).sort());
      expect(entity.permits.map((p: any) => p.id).sort()).toEqual(rowsOf(seed.permits, uscc).map((p) => p.id).sort());
      expect(entity.inspections.map((i: any) => i.id)).toEqual(rowsOf(seed.inspections, uscc).map((i) => i.id).reverse());
      expect(entity.solventLedger).toHaveLength(ledgerMonths(uscc, 12).length);
      expect(entity.penalties.map((p: any) => p.id)).toEqual(publicised(uscc).map((p) => p.id));
    }

    const full = entities.find((e) => e.uscc === withEverything.uscc);
    const machine = rowsOf(seed.machines, withEverything.uscc)[0]!;
    expect(full.machines.find((m: any) => m.id === machine.id)).toEqual({
      id: machine.id,
      outletId: machine.outletId,
      operatorUscc: machine.uscc,
      solvent: machine.solvent,
      enclosure: machine.enclosure,
      capacityKg: machine.capacityKg,
      installed: machine.installed,
      status: machine.status,
      source: 'seed',
      updatedAt: '2026-11-01T00:00:00.000Z',
    });
    const month = full.solventLedger[0];
    expect(month.month >= full.solventLedger[full.solventLedger.length - 1].month).toBe(true);
    expect(month.solventGramsPerKg).toBeCloseTo((month.consumedKg * 1000) / month.garmentsKg, 6);
    expect(entities.find((e) => e.uscc === nonCompliant.uscc).emissionSummary.compliant).toBe(false);
    for (const empty of [unrecorded.uscc, unknown]) {
      expect(entities.find((e) => e.uscc === empty)).toEqual({
        uscc: empty, emissionSummary: null, machines: [], permits: [], inspections: [], solventLedger: [], penalties: [],
      });
    }
  });

  it('cuts the solvent ledger to the requested months, most recent first', async () => {
    const operator = world.find((o) => new Set(rowsOf(seed.solventLedger, o.uscc).map((r) => r.solvent)).size > 1) ?? world.find((o) => rowsOf(seed.solventLedger, o.uscc).length > 0)!;
    const result = await run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator {
      three: solventLedger(months: 3) { month solvent consumedKg garmentsKg solventGramsPerKg }
      all: solventLedger(months: 36) { month solvent }
    } } }`, { r: [{ __typename: 'Operator', uscc: operator.uscc }] });
    expect(result.errors).toBeUndefined();
    const entity = (result.data as any)._entities[0];
    const expected = ledgerMonths(operator.uscc, 3);
    expect(entity.three.map((r: any) => `${r.month} ${r.solvent}`).sort()).toEqual(expected.map((r) => `${r.month} ${r.solvent}`).sort());
    expect(entity.three.map((r: any) => r.month)).toEqual([...entity.three.map((r: any) => r.month)].sort().reverse());
    for (const row of entity.three) expect(row.solventGramsPerKg).toBe(row.garmentsKg === 0 ? null : (row.consumedKg * 1000) / row.garmentsKg);
    expect(entity.all).toHaveLength(rowsOf(seed.solventLedger, operator.uscc).length);
  });

  it('resolves outlets with their machines in one statement', async () => {
    const outletIds = [...new Set(seed.machines.map((m) => m.outletId))].slice(0, 25);
    const ids = [...outletIds, 'NO-SUCH-OUTLET-01'];
    const before = database.statements.total;
    const result = await run('query($r: [_Any!]!) { _entities(representations: $r) { ... on Outlet { id machines { id outletId solvent } } } }', {
      r: ids.map((id) => ({ __typename: 'Outlet', id })),
    });
    expect(database.statements.total - before).toBe(1);
    expect(result.errors).toBeUndefined();
    const outlets = (result.data as any)._entities as any[];
    expect(outlets.map((o) => o.id)).toEqual(ids);
    for (const outlet of outlets) {
      expect(outlet.machines.map((m: any) => m.id)).toEqual(seed.machines.filter((m) => m.outletId === outlet.id).map((m) => m.id).sort());
      expect(outlet.machines.every((m: any) => m.outletId === outlet.id)).toBe(true);
    }
    expect(outlets[outlets.length - 1].machines).toEqual([]);
  });

  it('counts per district, matching the seed', async () => {
    const result = await run('{ emissionStatistics { district districtName operators compliantOperators machines enclosedMachines openMachines machinesBySolvent { solvent machines } } }');
    expect(result.errors).toBeUndefined();
    const rows = (result.data as any).emissionStatistics as any[];
    const recorded = world.filter((o) => hasRecord(o.uscc));
    const inUse = seed.machines.filter((m) => m.status === 'IN_USE');
    const sum = (key: string) => rows.reduce((s, r) => s + r[key], 0);
    expect(rows.map((r) => r.district)).toEqual([...new Set(recorded.map((o) => o.district))].sort());
    expect(sum('operators')).toBe(recorded.length);
    expect(sum('compliantOperators')).toBe(recorded.filter((o) => expectedSummary(o.uscc)!.compliant).length);
    expect(sum('machines')).toBe(inUse.length);
    expect(sum('enclosedMachines')).toBe(inUse.filter((m) => m.enclosure !== 'OPEN').length);
    expect(sum('openMachines')).toBe(inUse.filter((m) => m.enclosure === 'OPEN').length);
    expect(rows.flatMap((r) => r.machinesBySolvent).reduce((s: number, c: any) => s + c.machines, 0)).toBe(inUse.length);
    expect(rows.every((r) => r.districtName && r.districtName !== r.district)).toBe(true);

    const busiest = rows.reduce((a, b) => (b.operators > a.operators ? b : a));
    const one = await run('query($d: String) { emissionStatistics(district: $d) { district operators machines machinesBySolvent { solvent machines } } }', { d: busiest.district });
    const only = (one.data as any).emissionStatistics;
    expect(only).toHaveLength(1);
    const pce = inUse.filter((m) => m.district === busiest.district && m.solvent === 'PCE').length;
    expect(only[0]).toMatchObject({ district: busiest.district, operators: recorded.filter((o) => o.district === busiest.district).length });
    expect(only[0].machinesBySolvent.find((c: any) => c.solvent === 'PCE')?.machines ?? 0).toBe(pce);

    const quiet = DISTRICTS.find((d) => !recorded.some((o) => o.district === d.code));
    if (quiet) {
      const none = await run('query($d: String) { emissionStatistics(district: $d) { district operators machines machinesBySolvent { solvent } } }', { d: quiet.code });
      expect((none.data as any).emissionStatistics).toEqual([{ district: quiet.code, operators: 0, machines: 0, machinesBySolvent: [] }]);
    }
  });

  it('answers BAD_USER_INPUT for an unknown district and a ledger window out of range', async () => {
    const uscc = world[0]!.uscc;
    for (const [query, field] of [
      ['{ emissionStatistics(district: "330103") { district } }', 'district'],
      ['{ emissionStatistics(district: "hangzhou") { district } }', 'district'],
      [`{ _entities(representations: [{ __typename: "Operator", uscc: "${uscc}" }]) { ... on Operator { solventLedger(months: 0) { month } } } }`, 'months'],
      [`{ _entities(representations: [{ __typename: "Operator", uscc: "${uscc}" }]) { ... on Operator { solventLedger(months: 37) { month } } } }`, 'months'],
    ] as const) {
      const result = await run(query);
      expect(result.errors?.[0]?.extensions, query).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|\.ts:/);
    }
  });
});
