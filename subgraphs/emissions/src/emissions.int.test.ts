import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { addDays, replaceMemberScope, startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { completeUscc, DISTRICTS, type Agency } from '@xiran/common';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { connectEmissionsDatabase } from './db';
import { generateEmissionsSeed, insertEmissionsSeed } from './db/seed';
import { createEmissionsServer } from './server';
import { generateGatewayKeys, ownerAuth, uploaderAuth, type GroupId, type Scope, type SubgraphAuth } from '@xiran/auth';
import { changeLog, importBatches, inspections, machines, memberScope, penalties, permits, solventLedger } from './db/schema';

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

// Row scope (限定知悉范围): the same seed, read as callers other than the owning department.

/** A caller of `agency` (district-level when `district` is given) holding `grants` on this subgraph's groups. */
function caller(agency: Agency, district: string | null, grants: Partial<Record<GroupId, Scope>>): SubgraphAuth {
  return {
    principal: { sub: 't', agency, level: district ? 'district' : 'city', district, roles: ['reader'] },
    grants: new Map(Object.entries(grants).map(([group, scope]) => [group as GroupId, { group: group as GroupId, scope: scope!, grantId: 'g' }])),
    requestId: 'r',
  };
}
const ALL_FULL = { emissionSummary: 'FULL', machinesAndPermits: 'FULL', inspections: 'FULL', penalties: 'FULL' } as const;
const STATS = '{ emissionStatistics { district operators compliantOperators machines enclosedMachines openMachines machinesBySolvent { solvent machines } } }';

/** The statistics rows the seed gives over the operators `visible` admits, unsuppressed. */
function expectedStatistics(visible: (uscc: string) => boolean) {
  const recorded = world.filter((o) => hasRecord(o.uscc) && visible(o.uscc));
  const inUse = seed.machines.filter((m) => m.status === 'IN_USE' && visible(m.uscc));
  return [...new Set(recorded.map((o) => o.district))].sort().map((district) => {
    const here = recorded.filter((o) => o.district === district);
    const standing = inUse.filter((m) => m.district === district);
    const solvents = [...new Set(standing.map((m) => m.solvent))].sort();
    return {
      district,
      operators: here.length,
      compliantOperators: here.filter((o) => expectedSummary(o.uscc)!.compliant).length,
      machines: standing.length,
      enclosedMachines: standing.filter((m) => m.enclosure !== 'OPEN').length,
      openMachines: standing.filter((m) => m.enclosure === 'OPEN').length,
      machinesBySolvent: solvents.map((solvent) => ({ solvent, machines: standing.filter((m) => m.solvent === solvent).length })),
    };
  });
}
const bySolvent = (row: { machinesBySolvent: { solvent: string; machines: number | null }[] }) =>
  [...row.machinesBySolvent].sort((a, b) => a.solvent.localeCompare(b.solvent));

describe('emissions row scope', () => {
  const recorded = world.filter((o) => hasRecord(o.uscc));
  const counts = new Map<string, number>();
  for (const o of recorded) counts.set(o.district, (counts.get(o.district) ?? 0) + 1);
  /** The caller's district: the one with the most recorded operators; `away` is any other with records. */
  const home = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const away = [...counts.keys()].find((d) => d !== home)!;

  it('a district-level caller sees only its district: entities, outlets and statistics', async () => {
    const auth = caller('environment', home, ALL_FULL);
    const inside = recorded.filter((o) => o.district === home).slice(0, 10);
    const outside = recorded.filter((o) => o.district === away).slice(0, 10);
    expect(inside.length).toBeGreaterThan(0);
    expect(outside.length).toBeGreaterThan(0);

    const result = await server.execute(ENTITIES, { r: [...inside, ...outside].map((o) => ({ __typename: 'Operator', uscc: o.uscc })) }, auth);
    expect(result.errors).toBeUndefined();
    const entities = (result.data as any)._entities as any[];
    for (const entity of entities.slice(0, inside.length)) {
      const uscc = entity.uscc as string;
      const summary = expectedSummary(uscc)!;
      expect(entity.emissionSummary).toMatchObject({ compliant: summary.compliant, machineCount: summary.machineCount, solvents: summary.solvents });
      expect(entity.emissionSummary.reasons).toHaveLength(summary.reasonCount);
      expect(entity.machines.map((m: any) => m.id)).toEqual(rowsOf(seed.machines, uscc).map((m) => m.id).sort());
      expect(entity.permits.map((p: any) => p.id).sort()).toEqual(rowsOf(seed.permits, uscc).map((p) => p.id).sort());
      expect(entity.inspections.map((i: any) => i.id)).toEqual(rowsOf(seed.inspections, uscc).map((i) => i.id).reverse());
      expect(entity.solventLedger).toHaveLength(ledgerMonths(uscc, 12).length);
      expect(entity.penalties.map((p: any) => p.id)).toEqual(publicised(uscc).map((p) => p.id));
    }
    for (const entity of entities.slice(inside.length)) {
      expect(entity).toEqual({ uscc: entity.uscc, emissionSummary: null, machines: [], permits: [], inspections: [], solventLedger: [], penalties: [] });
    }

    // Outlet.machines, under the machinesAndPermits scope.
    const outletIn = seed.machines.find((m) => m.district === home)!.outletId;
    const outletOut = seed.machines.find((m) => m.district !== home)!.outletId;
    const outlets = await server.execute('query($r: [_Any!]!) { _entities(representations: $r) { ... on Outlet { machines { id } } } }', {
      r: [outletIn, outletOut].map((id) => ({ __typename: 'Outlet', id })),
    }, auth);
    expect(outlets.errors).toBeUndefined();
    expect((outlets.data as any)._entities.map((o: any) => o.machines.map((m: any) => m.id))).toEqual([
      seed.machines.filter((m) => m.outletId === outletIn).map((m) => m.id).sort(),
      [],
    ]);

    // Statistics: only the caller's district, its counts as the seed gives them; another district answers zeros.
    const stats = await server.execute(STATS, {}, auth);
    expect(stats.errors).toBeUndefined();
    const rows = (stats.data as any).emissionStatistics as any[];
    const expected = expectedStatistics((uscc) => world.find((o) => o.uscc === uscc)?.district === home);
    expect(expected).toHaveLength(1);
    expect(rows.map((r) => ({ ...r, machinesBySolvent: bySolvent(r) }))).toEqual(expected);
    const other = await server.execute('query($d: String) { emissionStatistics(district: $d) { district operators compliantOperators machines machinesBySolvent { solvent } } }', { d: away }, auth);
    expect(other.errors).toBeUndefined();
    expect((other.data as any).emissionStatistics).toEqual([{ district: away, operators: 0, compliantOperators: 0, machines: 0, machinesBySolvent: [] }]);
  });

  it('a MEMBERS grant sees only the operators in member_scope (summary, penalties, statistics)', async () => {
    const penalised = recorded.filter((o) => publicised(o.uscc).length > 0);
    const others = recorded.filter((o) => !penalised.includes(o));
    // Members: half the penalised operators and a handful of others; the rest stay outside.
    const memberList = [...penalised.filter((_, i) => i % 2 === 0), ...others.filter((_, i) => i % 3 === 0)];
    const members = new Set(memberList.map((o) => o.uscc));
    const outsiders = recorded.filter((o) => !members.has(o.uscc));
    await replaceMemberScope(database.db, memberScope, [...members]);
    try {
      const auth = caller('association', null, { emissionSummary: 'MEMBERS', penalties: 'MEMBERS' });
      const probe = [...memberList.slice(0, 8), ...outsiders.slice(0, 8), ...penalised.filter((o) => !members.has(o.uscc)).slice(0, 2)];
      const result = await server.execute(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator {
        uscc emissionSummary { compliant reasons machineCount } penalties { id }
      } } }`, { r: probe.map((o) => ({ __typename: 'Operator', uscc: o.uscc })) }, auth);
      // Issue 10: the reasons of groups the association holds no grant of (machines, inspections)
      // are withheld, and each summary's reasons say so with a FORBIDDEN naming those groups.
      expect(result.errors?.length).toBe(probe.filter((o) => members.has(o.uscc)).length);
      expect(new Set(result.errors?.map((e) => JSON.stringify([e.extensions?.code, e.extensions?.withheldGroups, e.path?.slice(-1)])))).toEqual(
        new Set([JSON.stringify(['FORBIDDEN', ['machinesAndPermits', 'inspections'], ['reasons']])]),
      );
      for (const entity of (result.data as any)._entities as any[]) {
        if (members.has(entity.uscc)) {
          const summary = expectedSummary(entity.uscc)!;
          expect(entity.emissionSummary).toMatchObject({ compliant: summary.compliant, machineCount: summary.machineCount });
          // Only the penalty reasons: one per penalty still publicised.
          expect(entity.emissionSummary.reasons).toHaveLength(publicised(entity.uscc).length);
          expect(entity.penalties.map((p: any) => p.id)).toEqual(publicised(entity.uscc).map((p) => p.id));
        } else {
          expect(entity).toEqual({ uscc: entity.uscc, emissionSummary: null, penalties: [] });
        }
      }

      const stats = await server.execute('{ emissionStatistics { district operators compliantOperators } }', {}, auth);
      expect(stats.errors).toBeUndefined();
      const expected = expectedStatistics((uscc) => members.has(uscc)).map(({ district, operators, compliantOperators }) => ({ district, operators, compliantOperators }));
      expect((stats.data as any).emissionStatistics).toEqual(expected);
      expect(expected.reduce((s, r) => s + r.operators, 0)).toBe(members.size);
      expect(members.size).toBeLessThan(recorded.length);

      // The machines part is not the association's to read at all (no grant: FORBIDDEN by the shield).
      const refused = await server.execute(`{ _entities(representations: [{ __typename: "Operator", uscc: "${memberList[0]!.uscc}" }]) { ... on Operator { machines { id } } } }`, {}, auth);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await replaceMemberScope(database.db, memberScope, []);
    }
  });

  it('an AGGREGATE grant gets the counts with cells of fewer than 3 operators suppressed', async () => {
    const auth = caller('statistics', null, { emissionSummary: 'AGGREGATE', machinesAndPermits: 'AGGREGATE' });
    const result = await server.execute(STATS, {}, auth);
    expect(result.errors).toBeUndefined();
    const rows = (result.data as any).emissionStatistics as any[];
    const suppressed = (value: number, operators: number) => (operators < 3 ? null : value);
    const expected = expectedStatistics(() => true).map((row) => ({
      district: row.district,
      operators: suppressed(row.operators, row.operators),
      // Complementary suppression: shown only when neither the compliant nor the others are under 3.
      compliantOperators: row.operators < 3 ? null : suppressed(row.compliantOperators, Math.min(row.compliantOperators, row.operators - row.compliantOperators)),
      machines: suppressed(row.machines, row.operators),
      enclosedMachines: suppressed(row.enclosedMachines, row.operators),
      openMachines: suppressed(row.openMachines, row.operators),
      machinesBySolvent: row.machinesBySolvent.map((c) => ({ solvent: c.solvent, machines: suppressed(c.machines, row.operators) })),
    }));
    expect(rows.map((r) => ({ ...r, machinesBySolvent: bySolvent(r) }))).toEqual(expected);
    expect(rows.flatMap((r) => [r.operators, r.machines]).some((c) => c !== null)).toBe(true);

    // A district-level AGGREGATE caller: only its district, suppressed as the city-level one.
    const local = await server.execute(STATS, {}, caller('statistics', home, { emissionSummary: 'AGGREGATE', machinesAndPermits: 'AGGREGATE' }));
    expect(local.errors).toBeUndefined();
    expect((local.data as any).emissionStatistics.map((r: any) => ({ ...r, machinesBySolvent: bySolvent(r) }))).toEqual(expected.filter((r) => r.district === home));

    // A district where one operator stands behind every cell: the owner reads the counts, AGGREGATE nulls.
    const quiet = DISTRICTS.find((d) => !counts.has(d.code))!;
    expect(quiet, 'the seed leaves a district without emission records').toBeDefined();
    const lone = { ...seed.machines.find((m) => m.status === 'IN_USE')!, id: 'SCOPE-TEST-M1', uscc: completeUscc('91330106MA9ZZZZY9'), district: quiet.code };
    const one = 'query($d: String) { emissionStatistics(district: $d) { district operators compliantOperators machines machinesBySolvent { solvent machines } } }';
    await database.db.insert(machines).values(lone);
    try {
      const owner = await run(one, { d: quiet.code });
      expect((owner.data as any).emissionStatistics).toEqual([
        { district: quiet.code, operators: 1, compliantOperators: expect.any(Number), machines: 1, machinesBySolvent: [{ solvent: lone.solvent, machines: 1 }] },
      ]);
      const small = await server.execute(one, { d: quiet.code }, auth);
      expect(small.errors).toBeUndefined();
      expect((small.data as any).emissionStatistics).toEqual([
        { district: quiet.code, operators: null, compliantOperators: null, machines: null, machinesBySolvent: [{ solvent: lone.solvent, machines: null }] },
      ]);
    } finally {
      await database.db.delete(machines).where(eq(machines.id, lone.id));
    }
    // With nothing there at all, every count is a cell of 0 operators.
    const none = await server.execute('query($d: String) { emissionStatistics(district: $d) { district operators machines } }', { d: quiet.code }, auth);
    expect((none.data as any).emissionStatistics).toEqual([{ district: quiet.code, operators: null, machines: null }]);

    // Operator fields are not aggregates: refused.
    const entity = await server.execute(`{ _entities(representations: [{ __typename: "Operator", uscc: "${recorded[0]!.uscc}" }]) { ... on Operator { emissionSummary { compliant } } } }`, {}, auth);
    expect(entity.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});

// Intake (即时上传 / 定期更新): the record* mutations and importEmissionsData, as the department's
// uploaders. Runs last: its snapshot imports replace the seed's machine and permit registers.

const UPLOADER = uploaderAuth('emissions');
const WEST_UPLOADER = uploaderAuth('emissions', { district: '330106' });
/** Operators of the upload tests, apart from the seed's and the samples'. */
const WEST_OP = completeUscc('91330106MA2B00009');
const BINJIANG_OP = completeUscc('91330108MA2B00008');

const MACHINE = { id: `${WEST_OP}-01-M1`, uscc: WEST_OP, district: '330106', outletId: `${WEST_OP}-01`, solvent: 'HYDROCARBON', enclosure: 'FULLY_ENCLOSED', capacityKg: 12, installed: '2021-04-01', status: 'IN_USE' };
const PERMIT = { id: `${WEST_OP}-P1`, uscc: WEST_OP, district: '330106', kind: 'DISCHARGE_REGISTRATION', documentNumber: `${WEST_OP}001W`, issued: '2021-05-10', validUntil: '2026-05-09' };
const INSPECTION = { id: `${WEST_OP}-I1`, uscc: WEST_OP, district: '330106', date: '2026-09-14', kind: 'ROUTINE', result: 'RECTIFY', issues: '活性炭吸附装置未按期更换', rectificationDue: '2026-10-14' };
const LEDGER = { uscc: WEST_OP, district: '330106', month: '2026-09', solvent: 'HYDROCARBON', purchasedKg: 30, consumedKg: 12.4, garmentsKg: 1480, residueKg: 5.1, manifestNumber: null };
const PENALTY = {
  id: `${WEST_OP}-X1`, uscc: WEST_OP, district: '330106', decisionNumber: '杭环西罚〔2026〕101号', decided: '2026-10-12',
  violation: '未按规定建立溶剂使用台账', fineYuan: 20000, publicityFrom: '2026-10-16', publicityUntil: '2027-10-15',
};

/** A sample file of /work/main/samples (the files the README documents). */
const sample = (dataset: string) => readFileSync(new URL(`../../../samples/${dataset}.csv`, import.meta.url));

const omitOwner = <T extends { uscc: string; district: string }>({ uscc: _u, district: _d, ...rest }: T) => rest;
const UPLOADS = [
  { mutation: 'recordMachine', inputType: 'MachineInput', dataset: 'machines', changeField: 'machines', key: MACHINE.id, input: MACHINE,
    selection: 'id operatorUscc outletId solvent enclosure capacityKg installed status present', expected: { ...omitOwner(MACHINE), operatorUscc: WEST_OP, present: true } },
  { mutation: 'recordPermit', inputType: 'PermitInput', dataset: 'permits', changeField: 'permits', key: PERMIT.id, input: PERMIT,
    selection: 'id kind documentNumber issued validUntil present', expected: { ...omitOwner(PERMIT), present: true } },
  { mutation: 'recordInspection', inputType: 'InspectionInput', dataset: 'inspections', changeField: 'inspections', key: INSPECTION.id, input: INSPECTION,
    selection: 'id date kind result issues rectificationDue', expected: omitOwner(INSPECTION) },
  { mutation: 'recordLedgerMonth', inputType: 'LedgerMonthInput', dataset: 'solvent-ledger', changeField: 'solventLedger', key: `${WEST_OP}/2026-09-01/HYDROCARBON`, input: LEDGER,
    selection: 'month solvent purchasedKg consumedKg garmentsKg residueKg manifestNumber solventGramsPerKg', expected: { ...omitOwner(LEDGER), month: '2026-09-01', solventGramsPerKg: (12.4 * 1000) / 1480 } },
  { mutation: 'recordPenalty', inputType: 'PenaltyInput', dataset: 'penalties', changeField: 'penalties', key: PENALTY.id, input: PENALTY,
    selection: 'id decisionNumber decided violation fineYuan publicityFrom publicityUntil', expected: omitOwner(PENALTY) },
];

const upload = (mutation: string, inputType: string, input: unknown, auth: SubgraphAuth, selection = 'source') =>
  server.execute(`mutation($i: ${inputType}!) { ${mutation}(input: $i) { ${selection} } }`, { i: input }, auth);
const IMPORT = 'mutation($i: ImportInput!) { importEmissionsData(input: $i) { accepted rows newRows changedRows unchangedRows absentRows rejectedRows errors { line column reason } batch { id kind status } } }';
// The samples go over the seeded world on purpose: a sample snapshot marks most of the seed's
// records absent, which an import refuses unless told (allowMassAbsent).
const importCsv = (dataset: string, csv: string | Buffer, auth: SubgraphAuth = UPLOADER) =>
  server.execute(IMPORT, { i: { dataset, fileName: `${dataset}.csv`, contentBase64: Buffer.from(csv).toString('base64'), allowMassAbsent: true } }, auth);

/** The change-log entries of one dataset since `since` (as `auth` may read them), and the dataset's last batch. */
async function feedOf(changeField: string, dataset: string, since: string, auth: SubgraphAuth = UPLOADER) {
  const result = await server.execute(
    `query($s: DateTime!) { changes(since: $s) { ${changeField}(first: 1000) { nodes { key district operation changedFields batchId } } } dataFreshness { environment { dataset lastBatch { id kind } } } }`,
    { s: since },
    auth,
  );
  expect(result.errors).toBeUndefined();
  const data = result.data as any;
  return {
    nodes: data.changes[changeField].nodes as Array<{ key: string; district: string; operation: string; changedFields: string[]; batchId: string }>,
    lastBatch: data.dataFreshness.environment.find((d: any) => d.dataset === dataset).lastBatch as { id: string; kind: string } | null,
  };
}

/** Everything an upload or import could have written: rows of every dataset, change-log entries, batches. */
async function writtenCounts() {
  const db = database.db;
  return Promise.all([machines, permits, inspections, solventLedger, penalties, changeLog, importBatches].map((table) => db.$count(table)));
}

describe('cross-check signals', () => {
  type Ledger = (typeof seed.solventLedger)[number];
  type Machine = (typeof seed.machines)[number];
  const withLedger = new Map<string, number>();
  for (const row of seed.solventLedger) withLedger.set(row.district, (withLedger.get(row.district) ?? 0) + 1);
  /** The district with most ledger rows, and another with some. */
  const [home, away] = [...withLedger].sort((a, b) => b[1] - a[1]).map(([d]) => d) as [string, string];

  // A hand-made operator of the home district: one machine in use, one retired, one left out of the
  // register's last snapshot; its ledger used solvent in July, only bought some in August, and was
  // idle in September (an entry with nothing consumed nor bought is not activity).
  const fixtureUscc = completeUscc('91330106MA9XCHK01');
  const base = { uscc: fixtureUscc, district: home, source: 'fixture', updatedAt: '2026-11-01T00:00:00Z' };
  const machine = (n: number, status: Machine['status'], present = true) => ({
    ...base, id: `${fixtureUscc}-01-M${n}`, outletId: `${fixtureUscc}-01`, solvent: 'PCE' as const, enclosure: 'OPEN' as const,
    capacityKg: 12, installed: '2015-03-01', status, present,
  });
  const fixtureMachines = [machine(1, 'IN_USE'), machine(2, 'RETIRED'), machine(3, 'IN_USE', false)];
  const month = (m: string, consumedKg: number, purchasedKg: number, garmentsKg: number) => ({
    ...base, month: m, solvent: 'PCE' as const, consumedKg, purchasedKg, garmentsKg, residueKg: 0, manifestNumber: null,
  });
  const fixtureLedger = [month('2026-07-01', 4.2, 0, 300), month('2026-08-01', 0, 32, 0), month('2026-09-01', 0, 0, 0)];
  const allMachines: Array<Machine & { present?: boolean }> = [...seed.machines, ...fixtureMachines];
  const allLedger: Ledger[] = [...seed.solventLedger, ...fixtureLedger];

  beforeAll(async () => {
    await database.db.insert(machines).values(fixtureMachines);
    await database.db.insert(solventLedger).values(fixtureLedger);
  });
  afterAll(async () => {
    await database.db.delete(machines).where(eq(machines.uscc, fixtureUscc));
    await database.db.delete(solventLedger).where(eq(solventLedger.uscc, fixtureUscc));
  });

  it('lists the district\'s operators with a penalty publicised today, within the caller\'s scope', async () => {
    // Two hand-made decisions in the home district: one publicised until next month, one expired yesterday.
    const penalty = (uscc: string, until: string) => ({
      id: `${uscc}-P1`, uscc, district: home, decisionNumber: `杭环罚〔2026〕${uscc.slice(-3)}号`, decided: '2026-01-05', violation: '测试',
      fineYuan: 10000, publicityFrom: '2026-01-10', publicityUntil: until, source: 'fixture', updatedAt: '2026-11-01T00:00:00Z',
    });
    const [current, lapsed] = [completeUscc('91330106MA9XPEN01'), completeUscc('91330106MA9XPEN02')];
    await database.db.insert(penalties).values([penalty(current, addDays(today, 30)), penalty(lapsed, addDays(today, -1))]);
    try {
      const expected = [...new Set([...seed.penalties.filter((p) => p.district === home && p.publicityUntil >= today).map((p) => p.uscc), current])].sort();
      const result = await run('query($d: String!) { publicisedPenaltyKeys(district: $d) }', { d: home });
      expect(result.errors).toBeUndefined();
      const keys = (result.data as { publicisedPenaltyKeys: string[] }).publicisedPenaltyKeys;
      expect(keys).toEqual(expected);
      expect(keys).toContain(current);
      expect(keys).not.toContain(lapsed);
      // A district caller of another district sees none of them; a bad code is refused.
      const other = await server.execute('query($d: String!) { publicisedPenaltyKeys(district: $d) }', { d: home }, caller('environment', away, ALL_FULL));
      expect((other.data as { publicisedPenaltyKeys: string[] }).publicisedPenaltyKeys).toEqual([]);
      const bad = await run('query { publicisedPenaltyKeys(district: "330104") }');
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'district' });
    } finally {
      await database.db.delete(penalties).where(inArray(penalties.uscc, [current, lapsed]));
    }
  });

  const MACHINE_USE = `query($d: String!, $since: Date!, $e: MachineEnclosure) { machineUse(district: $d, since: $since, enclosure: $e) {
    uscc lastActiveMonth machine { id outletId operatorUscc solvent enclosure status present } } }`;
  const SOLVENT_USE = `query($d: String!, $from: Date!, $min: Float) { solventUse(district: $d, from: $from, minGramsPerKg: $min) {
    uscc operator { uscc } months purchasedKg consumedKg garmentsKg gramsPerKg } }`;

  /** What machineUse should answer, from the rows here. */
  function expectedMachineUse(district: string, since: string, enclosure: string | null = null) {
    const lastActive = (uscc: string) =>
      allLedger.filter((r) => r.uscc === uscc && r.month >= since && (r.consumedKg > 0 || r.purchasedKg > 0)).map((r) => r.month).sort().at(-1) ?? null;
    return allMachines
      .filter((m) => m.district === district && m.status === 'IN_USE' && m.present !== false && (!enclosure || m.enclosure === enclosure))
      .sort((a, b) => a.uscc.localeCompare(b.uscc) || a.outletId.localeCompare(b.outletId) || a.id.localeCompare(b.id))
      .map((m) => ({
        uscc: m.uscc,
        lastActiveMonth: lastActive(m.uscc),
        machine: { id: m.id, outletId: m.outletId, operatorUscc: m.uscc, solvent: m.solvent, enclosure: m.enclosure, status: 'IN_USE', present: true },
      }));
  }

  /** What solventUse should answer (before the threshold), from the rows here. */
  function expectedSolventUse(district: string, from: string) {
    const byOperator = new Map<string, { months: Set<string>; purchasedKg: number; consumedKg: number; garmentsKg: number }>();
    for (const r of allLedger.filter((r) => r.district === district && r.month >= from)) {
      const sums = byOperator.get(r.uscc) ?? { months: new Set<string>(), purchasedKg: 0, consumedKg: 0, garmentsKg: 0 };
      sums.months.add(r.month);
      sums.purchasedKg += r.purchasedKg;
      sums.consumedKg += r.consumedKg;
      sums.garmentsKg += r.garmentsKg;
      byOperator.set(r.uscc, sums);
    }
    return new Map(
      [...byOperator]
        .filter(([, sums]) => sums.garmentsKg > 0)
        .map(([uscc, sums]) => [uscc, { months: sums.months.size, purchasedKg: sums.purchasedKg, consumedKg: sums.consumedKg, garmentsKg: sums.garmentsKg, gramsPerKg: (sums.consumedKg * 1000) / sums.garmentsKg }]),
    );
  }

  /** The answer matches the expected sums (floats to 6 places), most grams per kg first. */
  function expectSolventUse(got: any[], want: ReturnType<typeof expectedSolventUse>) {
    expect(got.map((x) => x.uscc).sort()).toEqual([...want.keys()].sort());
    for (const x of got) {
      const w = want.get(x.uscc)!;
      expect(x.operator).toEqual({ uscc: x.uscc });
      expect(x.months).toBe(w.months);
      for (const key of ['purchasedKg', 'consumedKg', 'garmentsKg', 'gramsPerKg'] as const) expect(x[key]).toBeCloseTo(w[key], 6);
    }
    for (let i = 1; i < got.length; i++) {
      const [a, b] = [got[i - 1], got[i]];
      expect(a.gramsPerKg > b.gramsPerKg || (a.gramsPerKg === b.gramsPerKg && a.uscc < b.uscc)).toBe(true);
    }
  }

  async function query(text: string, variables: Record<string, unknown>, auth: SubgraphAuth = ownerAuth('emissions')) {
    const result = await server.execute(text, variables, auth);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return Object.values(result.data as Record<string, any[]>)[0]!;
  }

  it('machineUse lists the machines in use with their operator\'s last active ledger month, in one statement', async () => {
    const want = expectedMachineUse(home, '2026-05-01');
    expect(want.some((x) => x.lastActiveMonth !== null)).toBe(true);
    expect(want.some((x) => x.lastActiveMonth === null)).toBe(true);
    expect(want.filter((x) => x.uscc === fixtureUscc).map((x) => x.machine.id)).toEqual([`${fixtureUscc}-01-M1`]);
    const before = database.statements.total;
    expect(await query(MACHINE_USE, { d: home, since: '2026-05-01' })).toEqual(want);
    expect(database.statements.total - before).toBe(1);
  });

  it('machineUse: the enclosure filter and `since` matter, each side', async () => {
    const open = expectedMachineUse(home, '2026-05-01', 'OPEN');
    expect(open.length).toBeGreaterThan(1);
    expect(open.length).toBeLessThan(expectedMachineUse(home, '2026-05-01').length);
    expect(await query(MACHINE_USE, { d: home, since: '2026-05-01', e: 'OPEN' })).toEqual(open);
    // The fixture bought solvent in August and was idle in September: active up to August.
    const fixture = async (since: string) => (await query(MACHINE_USE, { d: home, since, e: 'OPEN' })).find((x: any) => x.uscc === fixtureUscc).lastActiveMonth;
    expect(await fixture('2026-01-01')).toBe('2026-08-01');
    expect(await fixture('2026-08-01')).toBe('2026-08-01');
    expect(await fixture('2026-08-02')).toBeNull();
    // Seed operators active in the last ledger month (October) lose it the day after.
    const october = expectedMachineUse(home, '2026-10-01');
    expect(october.some((x) => x.lastActiveMonth === '2026-10-01')).toBe(true);
    expect(await query(MACHINE_USE, { d: home, since: '2026-10-01' })).toEqual(october);
    const after = await query(MACHINE_USE, { d: home, since: '2026-10-02' });
    expect(after).toEqual(expectedMachineUse(home, '2026-10-02'));
    expect(after.every((x: any) => x.lastActiveMonth === null)).toBe(true);
  });

  it('solventUse sums each operator\'s ledger from `from`, most grams per kg first', async () => {
    const want = expectedSolventUse(home, '2025-11-01');
    expect(want.size).toBeGreaterThan(3);
    expect(want.get(fixtureUscc)).toMatchObject({ months: 3, purchasedKg: 32, garmentsKg: 300 });
    const got = await query(SOLVENT_USE, { d: home, from: '2025-11-01' });
    expectSolventUse(got, want);
    expect(got.find((x: any) => x.uscc === fixtureUscc).gramsPerKg).toBeCloseTo(14, 9);
  });

  it('solventUse: `from` and minGramsPerKg matter, each side', async () => {
    // From a month on, that month counts; from the day after, it does not.
    expectSolventUse(await query(SOLVENT_USE, { d: home, from: '2026-10-01' }), expectedSolventUse(home, '2026-10-01'));
    expect(await query(SOLVENT_USE, { d: home, from: '2026-10-02' })).toEqual([]);
    // The fixture cleaned garments only in July: from July it counts, from the day after it has none.
    const july = await query(SOLVENT_USE, { d: home, from: '2026-07-01' });
    const later = await query(SOLVENT_USE, { d: home, from: '2026-07-02' });
    expectSolventUse(july, expectedSolventUse(home, '2026-07-01'));
    expectSolventUse(later, expectedSolventUse(home, '2026-07-02'));
    expect(july.map((x: any) => x.uscc)).toContain(fixtureUscc);
    expect(later.map((x: any) => x.uscc)).not.toContain(fixtureUscc);
    // The threshold is strict: an operator's own ratio leaves it out, the next lower ratio keeps it.
    const all = await query(SOLVENT_USE, { d: home, from: '2025-11-01' });
    const i = Math.floor(all.length / 2);
    const [pick, next] = [all[i], all[i + 1]];
    expect(next.gramsPerKg).toBeLessThan(pick.gramsPerKg);
    const above = await query(SOLVENT_USE, { d: home, from: '2025-11-01', min: pick.gramsPerKg });
    expect(above).toEqual(all.slice(0, i));
    const atNext = await query(SOLVENT_USE, { d: home, from: '2025-11-01', min: next.gramsPerKg });
    expect(atNext).toEqual(all.slice(0, i + 1));
    expect(await query(SOLVENT_USE, { d: home, from: '2025-11-01', min: 0 })).toEqual(all.filter((x: any) => x.gramsPerKg > 0));
  });

  it('keeps to the district asked for', async () => {
    const machinesAway = await query(MACHINE_USE, { d: away, since: '2026-05-01' });
    expect(machinesAway).toEqual(expectedMachineUse(away, '2026-05-01'));
    expect(machinesAway.length).toBeGreaterThan(0);
    const useAway = await query(SOLVENT_USE, { d: away, from: '2025-11-01' });
    expectSolventUse(useAway, expectedSolventUse(away, '2025-11-01'));
    expect(useAway.some((x: any) => x.uscc === fixtureUscc)).toBe(false);
  });

  it('answers BAD_USER_INPUT for a bad district, date or threshold', async () => {
    for (const [text, variables, field] of [
      [MACHINE_USE, { d: '330199', since: '2026-05-01' }, 'district'],
      [MACHINE_USE, { d: home, since: '2026-13-01' }, 'date'],
      [SOLVENT_USE, { d: '330103', from: '2026-05-01' }, 'district'],
      [SOLVENT_USE, { d: home, from: '2026-05-01', min: -1 }, 'minGramsPerKg'],
    ] as const) {
      const result = await server.execute(text, variables);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it("applies the caller's row scope: a district-level caller of another district gets nothing", async () => {
    const awayCaller = caller('environment', away, ALL_FULL);
    expect(await query(MACHINE_USE, { d: home, since: '2026-05-01' }, awayCaller)).toEqual([]);
    expect(await query(SOLVENT_USE, { d: home, from: '2025-11-01' }, awayCaller)).toEqual([]);
    const homeCaller = caller('environment', home, ALL_FULL);
    expect(await query(MACHINE_USE, { d: home, since: '2026-05-01' }, homeCaller)).toEqual(expectedMachineUse(home, '2026-05-01'));
    expectSolventUse(await query(SOLVENT_USE, { d: home, from: '2025-11-01' }, homeCaller), expectedSolventUse(home, '2025-11-01'));
  });

  it('without inspections: the machines, lastActiveMonth refused (null, FORBIDDEN), solventUse refused', async () => {
    // 市场监管局 reads machinesAndPermits (F) but not inspections (-).
    const market = caller('market', null, { machinesAndPermits: 'FULL' });
    const result = await server.execute(MACHINE_USE, { d: home, since: '2026-05-01' }, market);
    const rows = (result.data as any).machineUse;
    expect(rows).toEqual(expectedMachineUse(home, '2026-05-01').map((x) => ({ ...x, lastActiveMonth: null })));
    expect(result.errors?.length).toBe(rows.length);
    expect(result.errors?.every((e) => e.extensions?.code === 'FORBIDDEN' && e.extensions?.group === 'inspections')).toBe(true);
    const refused = await server.execute(SOLVENT_USE, { d: home, from: '2025-11-01' }, market);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.data).toBeNull();
  });
});

describe('intake', () => {
  let since: string;
  beforeAll(() => {
    since = new Date(Date.now() - 1000).toISOString();
  });

  it.each(UPLOADS)('$mutation writes, answers the record read back, and shows in changes and dataFreshness', async (c) => {
    const result = await upload(c.mutation, c.inputType, c.input, UPLOADER, `${c.selection} source`);
    expect(result.errors).toBeUndefined();
    const answer = (result.data as any)[c.mutation];
    expect(answer).toEqual({ ...c.expected, source: 'upload:environment-uploader' });

    const { nodes, lastBatch } = await feedOf(c.changeField, c.dataset, since);
    expect(lastBatch?.kind).toBe('UPLOAD');
    expect(nodes).toContainEqual({ key: c.key, district: '330106', operation: 'INSERTED', changedFields: [], batchId: lastBatch!.id });
  });

  it('logs an upload that changes a record as UPDATED with the fields changed, and one that changes nothing not at all', async () => {
    const changed = await upload('recordMachine', 'MachineInput', { ...MACHINE, capacityKg: 15, status: 'RETIRED' }, UPLOADER, 'capacityKg status');
    expect(changed.errors).toBeUndefined();
    expect((changed.data as any).recordMachine).toEqual({ capacityKg: 15, status: 'RETIRED' });
    const after = await feedOf('machines', 'machines', since);
    expect(after.nodes.filter((n) => n.key === MACHINE.id).map((n) => [n.operation, [...n.changedFields].sort()])).toEqual([
      ['INSERTED', []],
      ['UPDATED', ['capacityKg', 'status']],
    ]);
    const same = await upload('recordMachine', 'MachineInput', { ...MACHINE, capacityKg: 15, status: 'RETIRED' }, UPLOADER);
    expect(same.errors).toBeUndefined();
    expect((await feedOf('machines', 'machines', since)).nodes.filter((n) => n.key === MACHINE.id)).toHaveLength(2);
  });

  it('answers BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const nobody = completeUscc('91330106MA2B00006');
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['recordMachine', 'MachineInput', { ...MACHINE, id: 'BAD-M1', capacityKg: 500 }, 'input.capacityKg'],
      ['recordMachine', 'MachineInput', { ...MACHINE, id: 'BAD-M2', solvent: 'WET_CLEANING', enclosure: 'OPEN' }, 'input.enclosure'],
      ['recordMachine', 'MachineInput', { ...MACHINE, id: 'BAD-M3', uscc: `${WEST_OP.slice(0, 17)}${WEST_OP.endsWith('0') ? '1' : '0'}` }, 'input.uscc'],
      ['recordMachine', 'MachineInput', { ...MACHINE, id: 'BAD-M4', district: '330103' }, 'input.district'],
      ['recordMachine', 'MachineInput', { ...MACHINE, id: 'BAD-M5', installed: '2999-01-01' }, 'input.installed'],
      ['recordPermit', 'PermitInput', { ...PERMIT, id: 'BAD-P1', validUntil: null }, 'input.validUntil'],
      ['recordPermit', 'PermitInput', { ...PERMIT, id: 'BAD-P2', validUntil: '2020-01-01' }, 'input.validUntil'],
      ['recordInspection', 'InspectionInput', { ...INSPECTION, id: 'BAD-I1', rectificationDue: null }, 'input.rectificationDue'],
      ['recordInspection', 'InspectionInput', { ...INSPECTION, id: 'BAD-I2', result: 'PASS', issues: null }, 'input.rectificationDue'],
      ['recordLedgerMonth', 'LedgerMonthInput', { ...LEDGER, month: '2026-13' }, 'input.month'],
      ['recordLedgerMonth', 'LedgerMonthInput', { ...LEDGER, month: '2099-01' }, 'input.month'],
      ['recordLedgerMonth', 'LedgerMonthInput', { ...LEDGER, month: '2026-08', solvent: 'WET_CLEANING' }, 'input.solvent'],
      ['recordLedgerMonth', 'LedgerMonthInput', { ...LEDGER, month: '2026-08', consumedKg: -1 }, 'input.consumedKg'],
      // No machine of this operator is on file: the reference is checked in the database, then rolled back.
      ['recordLedgerMonth', 'LedgerMonthInput', { ...LEDGER, uscc: nobody }, 'input.uscc'],
      ['recordPenalty', 'PenaltyInput', { ...PENALTY, id: 'BAD-X1', publicityFrom: '2026-10-01' }, 'input.publicityFrom'],
      ['recordPenalty', 'PenaltyInput', { ...PENALTY, id: 'BAD-X2', publicityUntil: '2026-10-15' }, 'input.publicityUntil'],
      ['recordPenalty', 'PenaltyInput', { ...PENALTY, id: 'BAD-X3', fineYuan: -5 }, 'input.fineYuan'],
    ];
    const before = await writtenCounts();
    for (const [mutation, inputType, input, field] of cases) {
      const result = await upload(mutation, inputType, input, UPLOADER);
      expect(result.errors?.[0]?.extensions, `${mutation} ${field}`).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(result.data).toBeNull();
    }
    expect(await writtenCounts()).toEqual(before);
    const ledger = await database.db.select().from(solventLedger).where(eq(solventLedger.uscc, nobody));
    expect(ledger).toEqual([]);
  });

  it('lets only environment uploaders write, a district uploader only in its own district', async () => {
    const binjiang = { ...MACHINE, id: `${BINJIANG_OP}-01-M1`, uscc: BINJIANG_OP, district: '330108', outletId: `${BINJIANG_OP}-01` };
    const before = await writtenCounts();
    for (const auth of [ownerAuth('emissions'), uploaderAuth('emissions', { agency: 'market' })]) {
      const write = await upload('recordMachine', 'MachineInput', binjiang, auth);
      expect(write.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Mutation.recordMachine' });
      const file = await importCsv('inspections', sample('inspections'), auth);
      expect(file.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Mutation.importEmissionsData' });
    }
    const outside = await upload('recordMachine', 'MachineInput', binjiang, WEST_UPLOADER);
    expect(outside.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.district' });
    expect(await writtenCounts()).toEqual(before);

    // The city uploader records the Binjiang machine; the West Lake uploader may not take it over.
    expect((await upload('recordMachine', 'MachineInput', binjiang, UPLOADER)).errors).toBeUndefined();
    const takeover = await upload('recordMachine', 'MachineInput', { ...binjiang, district: '330106' }, WEST_UPLOADER);
    expect(takeover.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.district' });
    expect((await database.db.select().from(machines).where(eq(machines.id, binjiang.id)))[0]).toMatchObject({ district: '330108' });
    // Nor import a file with rows of another district (the whole file is refused).
    const file = await importCsv('inspections', sample('inspections'), WEST_UPLOADER);
    expect(file.errors).toBeUndefined();
    expect((file.data as any).importEmissionsData).toMatchObject({ accepted: false, newRows: 0 });
    expect((file.data as any).importEmissionsData.errors.map((e: any) => e.column)).toContain('district');

    // Inside its district it writes, and the answer is read back under its (district) row scope.
    const inside = { ...MACHINE, id: `${WEST_OP}-01-M2`, solvent: 'PCE' };
    const own = await upload('recordMachine', 'MachineInput', inside, WEST_UPLOADER, 'id solvent present source');
    expect(own.errors).toBeUndefined();
    expect((own.data as any).recordMachine).toEqual({ id: inside.id, solvent: 'PCE', present: true, source: 'upload:environment-uploader-330106' });
    const penalty = await upload('recordPenalty', 'PenaltyInput', { ...PENALTY, id: `${WEST_OP}-X2`, fineYuan: 5000 }, WEST_UPLOADER, 'id fineYuan');
    expect((penalty.data as any).recordPenalty).toEqual({ id: `${WEST_OP}-X2`, fineYuan: 5000 });

    // Its change feed is limited to its district too.
    const { nodes } = await feedOf('machines', 'machines', since, WEST_UPLOADER);
    expect(nodes.map((n) => n.key)).toContain(inside.id);
    expect(nodes.map((n) => n.key)).not.toContain(binjiang.id);
    expect(nodes.every((n) => n.district === '330106')).toBe(true);
  });

  it('answers a recorded penalty whatever its publicity; Operator.penalties lists it only while publicised', async () => {
    const past = { ...PENALTY, id: `${WEST_OP}-X0`, decided: '2023-02-01', publicityFrom: '2023-02-06', publicityUntil: '2023-08-05' };
    const result = await upload('recordPenalty', 'PenaltyInput', past, UPLOADER, 'id publicityUntil');
    expect(result.errors).toBeUndefined();
    expect((result.data as any).recordPenalty).toEqual({ id: past.id, publicityUntil: '2023-08-05' });
    const entity = await run(`{ _entities(representations: [{ __typename: "Operator", uscc: "${WEST_OP}" }]) { ... on Operator { penalties { id } } } }`);
    expect((entity.data as any)._entities[0].penalties.map((p: any) => p.id).sort()).toEqual([PENALTY.id, `${WEST_OP}-X2`]);
  });

  const IMPORTS = [
    { dataset: 'machines', changeField: 'machines', snapshot: { table: machines, part: 'machines' as const } },
    { dataset: 'permits', changeField: 'permits', snapshot: { table: permits, part: 'permits' as const } },
    { dataset: 'inspections', changeField: 'inspections', snapshot: null },
    // After machines: a ledger month needs a machine of its operator on file.
    { dataset: 'solvent-ledger', changeField: 'solventLedger', snapshot: null },
    { dataset: 'penalties', changeField: 'penalties', snapshot: null },
  ];

  it.each(IMPORTS)('imports the sample CSV of $dataset; the same file again changes nothing', async ({ dataset, changeField, snapshot }) => {
    const csv = sample(dataset).toString('utf8');
    const lines = csv.trimEnd().split('\n');
    const rows = lines.length - 1;
    const keys = lines.slice(1).map((line: string) => line.split(','));
    // A snapshot is the whole register: the seed's and earlier uploads' records it leaves out go absent.
    const ids = keys.map((cells: string[]) => cells[0]!);
    const leftOut = snapshot ? await database.db.$count(snapshot.table, and(eq(snapshot.table.present, true), notInArray(snapshot.table.id, ids))) : 0;
    if (snapshot) expect(leftOut, 'the seed and the uploads hold records the sample leaves out').toBeGreaterThan(0);

    const first = await importCsv(dataset, csv);
    expect(first.errors).toBeUndefined();
    const report = (first.data as any).importEmissionsData;
    expect(report).toMatchObject({ accepted: true, rows, newRows: rows, changedRows: 0, absentRows: leftOut, rejectedRows: 0, errors: [], batch: { kind: 'IMPORT', status: 'SUCCEEDED' } });
    const { nodes, lastBatch } = await feedOf(changeField, dataset, since);
    expect(lastBatch).toEqual({ id: report.batch.id, kind: 'IMPORT' });
    expect(nodes.filter((n) => n.batchId === report.batch.id && n.operation === 'INSERTED')).toHaveLength(rows);

    const again = await importCsv(dataset, csv);
    expect((again.data as any).importEmissionsData).toMatchObject({ accepted: true, rows, newRows: 0, changedRows: 0, unchangedRows: rows, absentRows: 0 });

    if (snapshot) {
      // A second file leaving the last record out: that one is kept, marked no longer present.
      const [id, uscc] = keys[keys.length - 1]!;
      const partial = await importCsv(dataset, lines.slice(0, -1).join('\n'));
      const partialReport = (partial.data as any).importEmissionsData;
      expect(partialReport).toMatchObject({ accepted: true, rows: rows - 1, newRows: 0, changedRows: 0, unchangedRows: rows - 1, absentRows: 1 });
      const query = `{ _entities(representations: [{ __typename: "Operator", uscc: "${uscc}" }]) { ... on Operator { ${snapshot.part} { id present } } } }`;
      const read = await server.execute(query, {}, UPLOADER);
      expect(read.errors).toBeUndefined();
      expect((read.data as any)._entities[0][snapshot.part]).toContainEqual({ id, present: false });
      expect((await feedOf(changeField, dataset, since)).nodes).toContainEqual({ key: id, district: expect.any(String), operation: 'ABSENT', changedFields: ['present'], batchId: partialReport.batch.id });

      // Listed again, it is present again.
      const whole = await importCsv(dataset, csv);
      expect((whole.data as any).importEmissionsData).toMatchObject({ accepted: true, newRows: 0, changedRows: 1, absentRows: 0 });
      expect(((await server.execute(query, {}, UPLOADER)).data as any)._entities[0][snapshot.part]).toContainEqual({ id, present: true });
    }
  });

  it('reads Chinese headers and labels, and refuses a whole file for one bad row, naming its line and column', async () => {
    // A West Lake operator of the samples: its machines are on file, so a ledger month of it is acceptable.
    const uscc = sample('machines').toString('utf8').split('\n')[1]!.split(',')[1]!;
    const chinese = `检查编号,统一社会信用代码,所属区县,检查日期,检查类型,检查结果,发现问题,整改期限\n${uscc}-I9,${uscc},330106,2026/10/08,日常检查,合格,,\n`;
    const accepted = await importCsv('inspections', chinese);
    expect((accepted.data as any).importEmissionsData).toMatchObject({ accepted: true, newRows: 1 });
    const stored = await database.db.select().from(inspections).where(eq(inspections.id, `${uscc}-I9`));
    expect(stored).toMatchObject([{ date: '2026-10-08', kind: 'ROUTINE', result: 'PASS', district: '330106' }]);

    const before = await writtenCounts();
    const ledger = `统一社会信用代码,所属区县,月份,溶剂类型,购入量,使用量,洗涤衣物量,残渣产生量,危废转移联单号\n${uscc},330106,2026-10,四氯乙烯,32,18.5,1600,5,\n${uscc},330106,2026-07,四氯乙烯,0,十二,1500,4.8,\n`;
    const refused = await importCsv('solvent-ledger', ledger);
    expect(refused.errors).toBeUndefined();
    const report = (refused.data as any).importEmissionsData;
    expect(report).toMatchObject({ accepted: false, rows: 2, newRows: 0, rejectedRows: 1, batch: { status: 'REJECTED' } });
    expect(report.errors).toEqual([{ line: 3, column: '使用量', reason: expect.stringContaining('not a number') }]);
    const after = await writtenCounts();
    // Only the REJECTED batch row was added.
    expect(after).toEqual([...before.slice(0, -1), before[before.length - 1]! + 1]);
  });
});
