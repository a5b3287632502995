import { and, asc, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import { union, type PgColumn } from 'drizzle-orm/pg-core';
import { anyOf, jsonRows, keysRelation, membersOf, scopeCondition, suppressComplements, suppressSmall, type Database, type RowScope } from '@xiran/subgraph-kit';
import {
  inspections,
  machines,
  memberScope,
  penalties,
  permits,
  solventLedger,
  type InspectionRow,
  type MachineRow,
  type PenaltyRow,
  type PermitRow,
  type Solvent,
  type SolventLedgerRow,
} from './schema';

export type EmissionsDb = Database;

/** Row scopes of this subgraph's four groups for one request. */
export interface EmissionsScopes {
  emissionSummary: RowScope;
  machinesAndPermits: RowScope;
  inspections: RowScope;
  penalties: RowScope;
}

/**
 * The WHERE conjunct limiting one of this subgraph's tables to the rows `scope` lets the caller see.
 * Every table carries the operator's uscc and registered district; none is routed to a handler.
 */
const members = membersOf(memberScope);
type ScopedTable = typeof machines | typeof permits | typeof inspections | typeof solventLedger | typeof penalties;
const inScope = (table: ScopedTable, scope: RowScope) => scopeCondition({ district: table.district, uscc: table.uscc, members }, scope);

/** The most months `solventLedger(months:)` may ask for; the entity part reads this many. */
export const MAX_LEDGER_MONTHS = 36;

/** The reasons of a summary by the group whose facts each states (EmissionSummary.reasons reveals them). */
export interface ReasonsByGroup {
  machinesAndPermits: string[];
  inspections: string[];
  penalties: string[];
}

export interface EmissionSummaryRecord {
  compliant: boolean;
  reasons: ReasonsByGroup;
  solvents: Solvent[];
  machineCount: number;
  enclosedShare: number | null;
}

/** An operator as this department knows it: only the parts a request asked for are present. */
export interface OperatorRecord {
  uscc: string;
  emissionSummary?: EmissionSummaryRecord | null;
  machines?: MachineRow[];
  permits?: PermitRow[];
  inspections?: InspectionRow[];
  /** The most recent MAX_LEDGER_MONTHS months on record; the field resolver cuts to `months`. */
  solventLedger?: SolventLedgerRow[];
  /** Only penalties still publicised (publicity_until >= current_date). */
  penalties?: PenaltyRow[];
}

export type OperatorPart = Exclude<keyof OperatorRecord, 'uscc'>;

export interface OutletRecord {
  id: string;
  machines?: MachineRow[];
}

/**
 * The facts behind one operator's compliance, as a one-row subquery correlated on `uscc` (an SQL
 * expression of the outer query: `k.key`, `ops.uscc`). Columns: machine_count, enclosed_count,
 * solvents, has_record, and the reasons (text[], all empty when compliant) by the group whose facts
 * each states: machine_reasons (machinesAndPermits), inspection_reasons (inspections),
 * penalty_reasons (penalties). "Today" is current_date, as for the publicised penalties.
 */
function complianceFacts(uscc: SQL, scope: RowScope): SQL {
  // Every table read for the summary is limited to the rows the caller may see (emissionSummary scope):
  // an operator out of scope has no record here, hence a null summary / no count.
  const machinesIn = inScope(machines, scope);
  const permitsIn = inScope(permits, scope);
  const inspectionsIn = inScope(inspections, scope);
  const ledgerIn = inScope(solventLedger, scope);
  const penaltiesIn = inScope(penalties, scope);
  return sql`select
      f.machine_count, f.enclosed_count, f.solvents, f.has_record,
      array_remove(array[
        case when f.open_count > 0 then format('%s open machine(s) in use, not retrofitted (开启式干洗机在用)', f.open_count) end,
        case when f.solvent_machines > 0 and not f.has_eia then 'solvent machines in use without an EIA approval or registration form (无环评手续)' end
      ]::text[], null) as machine_reasons,
      array_remove(array[
        case when f.last_result = 'VIOLATION' then format('last inspection on %s found a VIOLATION (检查发现违法)', f.last_date) end,
        case when f.last_result <> 'PASS' and f.last_due < current_date then format('rectification due %s is overdue (逾期未整改)', f.last_due) end
      ]::text[], null) as inspection_reasons,
      f.penalty_reasons
    from (
      select
        m.machine_count, m.enclosed_count, m.open_count, m.solvent_machines, m.solvents,
        li.result as last_result, li.inspected_on as last_date, li.rectification_due as last_due,
        exists (select 1 from ${permits} where ${permits.uscc} = ${uscc} and ${permitsIn} and ${permits.kind} in ('EIA_APPROVAL', 'EIA_REGISTRATION_FORM')) as has_eia,
        array(
          select format('penalty %s is publicised until %s (行政处罚公示中)', ${penalties.decisionNumber}, ${penalties.publicityUntil})
          from ${penalties} where ${penalties.uscc} = ${uscc} and ${penaltiesIn} and ${penalties.publicityUntil} >= current_date
          order by ${penalties.decided} desc, ${penalties.id}
        ) as penalty_reasons,
        (m.all_machines > 0
          or exists (select 1 from ${permits} where ${permits.uscc} = ${uscc} and ${permitsIn})
          or exists (select 1 from ${inspections} where ${inspections.uscc} = ${uscc} and ${inspectionsIn})
          or exists (select 1 from ${solventLedger} where ${solventLedger.uscc} = ${uscc} and ${ledgerIn})
          or exists (select 1 from ${penalties} where ${penalties.uscc} = ${uscc} and ${penaltiesIn})) as has_record
      from (
        select
          count(*)::int as all_machines,
          (count(*) filter (where ${machines.status} = 'IN_USE'))::int as machine_count,
          (count(*) filter (where ${machines.status} = 'IN_USE' and ${machines.enclosure} <> 'OPEN'))::int as enclosed_count,
          (count(*) filter (where ${machines.status} = 'IN_USE' and ${machines.enclosure} = 'OPEN'))::int as open_count,
          (count(*) filter (where ${machines.status} = 'IN_USE' and ${machines.solvent} <> 'WET_CLEANING'))::int as solvent_machines,
          coalesce(array_agg(distinct ${machines.solvent} order by ${machines.solvent}) filter (where ${machines.status} = 'IN_USE'), '{}') as solvents
        from ${machines} where ${machines.uscc} = ${uscc} and ${machinesIn}
      ) m
      left join lateral (
        select ${inspections.result} as result, ${inspections.date} as inspected_on, ${inspections.rectificationDue} as rectification_due
        from ${inspections} where ${inspections.uscc} = ${uscc} and ${inspectionsIn}
        order by ${inspections.date} desc, ${inspections.id} desc limit 1
      ) li on true
    ) f`;
}

/** Compliant: no reason of any group (over the rows of the emissionSummary scope). */
const compliantOf = (c: SQL) => sql`cardinality(${c}.machine_reasons) + cardinality(${c}.inspection_reasons) + cardinality(${c}.penalty_reasons) = 0`;

/** The summary as JSON (null without any record), correlated on `uscc`. */
function summaryJson(uscc: SQL, scope: RowScope): SQL<EmissionSummaryRecord | null> {
  return sql<EmissionSummaryRecord | null>`(select case when c.has_record then json_build_object(
      'compliant', ${compliantOf(sql`c`)},
      'reasons', json_build_object('machinesAndPermits', c.machine_reasons, 'inspections', c.inspection_reasons, 'penalties', c.penalty_reasons),
      'solvents', c.solvents,
      'machineCount', c.machine_count,
      'enclosedShare', case when c.machine_count = 0 then null else c.enclosed_count::float8 / c.machine_count end
    ) end from (${complianceFacts(uscc, scope)}) c)`;
}

/** One column per requested part, each correlated on `k.key` and limited by its own group's scope. */
function operatorParts(parts: ReadonlySet<string>, scopes: EmissionsScopes) {
  const key = sql`k.key`;
  const columns: Partial<Record<OperatorPart, SQL>> = {};
  if (parts.has('emissionSummary')) columns.emissionSummary = summaryJson(key, scopes.emissionSummary);
  if (parts.has('machines')) {
    columns.machines = jsonRows(machines, sql`${machines.uscc} = ${key} and ${inScope(machines, scopes.machinesAndPermits)}`, sql`${machines.outletId}, ${machines.id}`);
  }
  if (parts.has('permits')) {
    columns.permits = jsonRows(permits, sql`${permits.uscc} = ${key} and ${inScope(permits, scopes.machinesAndPermits)}`, sql`${permits.issued} desc, ${permits.id}`);
  }
  if (parts.has('inspections')) {
    columns.inspections = jsonRows(
      inspections,
      sql`${inspections.uscc} = ${key} and ${inScope(inspections, scopes.inspections)}`,
      sql`${inspections.date} desc, ${inspections.id} desc`,
    );
  }
  if (parts.has('solventLedger')) {
    // The rows of the operator's most recent MAX_LEDGER_MONTHS distinct months.
    // (The inner `from` shadows the outer one: its columns are the inner rows'; only k.key correlates.)
    const ledgerIn = inScope(solventLedger, scopes.inspections);
    const oldest = sql`(select ${solventLedger.month} from ${solventLedger} where ${solventLedger.uscc} = ${key} and ${ledgerIn}
      group by ${solventLedger.month} order by ${solventLedger.month} desc offset ${sql.raw(String(MAX_LEDGER_MONTHS - 1))} limit 1)`;
    columns.solventLedger = jsonRows(
      solventLedger,
      sql`${solventLedger.uscc} = ${key} and ${ledgerIn} and ${solventLedger.month} >= coalesce(${oldest}, '-infinity'::date)`,
      sql`${solventLedger.month} desc, ${solventLedger.solvent}`,
    );
  }
  if (parts.has('penalties')) {
    columns.penalties = jsonRows(
      penalties,
      sql`${penalties.uscc} = ${key} and ${inScope(penalties, scopes.penalties)} and ${penalties.publicityUntil} >= current_date`,
      sql`${penalties.decided} desc, ${penalties.id}`,
    );
  }
  return columns;
}

/**
 * The requested parts of every operator in `keys`, in ONE statement over the keys as a relation.
 * Every key gets a record: empty lists and a null summary when the department has no data on it,
 * or none the caller may see (each part is limited by its group's row scope).
 */
export async function operatorsByUscc(
  db: EmissionsDb,
  keys: readonly string[],
  parts: ReadonlySet<string>,
  scopes: EmissionsScopes,
): Promise<Map<string, OperatorRecord>> {
  const rows = await db
    .select({ uscc: sql<string>`k.key`, ...operatorParts(parts, scopes) })
    .from(keysRelation(keys));
  return new Map(rows.map((row) => [row.uscc, row as unknown as OperatorRecord]));
}

/**
 * The machines of every outlet in `keys`, in ONE statement, limited by the machinesAndPermits scope;
 * an outlet without machines (or none the caller may see) gets an empty list.
 */
export async function outletsById(db: EmissionsDb, keys: readonly string[], parts: ReadonlySet<string>, scope: RowScope): Promise<Map<string, OutletRecord>> {
  const rows = await db
    .select({
      id: sql<string>`k.key`,
      ...(parts.has('machines')
        ? { machines: jsonRows(machines, sql`${machines.outletId} = k.key and ${inScope(machines, scope)}`, sql`${machines.id}`) as SQL<MachineRow[]> }
        : {}),
    })
    .from(keysRelation(keys));
  return new Map(rows.map((row) => [row.id, row as OutletRecord]));
}

/** The tables whose natural key is `id`. */
type TableById = typeof machines | typeof permits | typeof inspections | typeof penalties;

/**
 * Rows of one table by id, only those `scope` lets the caller see (the others are simply absent):
 * how a mutation reads back what it wrote, under the same row scope as `Operator.<part>`. Unlike
 * `Operator.penalties`, a penalty is read back whether or not it is still publicised: the decision
 * was just written by the department that owns it.
 */
async function rowsById<T extends TableById>(db: EmissionsDb, table: T, keys: readonly string[], scope: RowScope): Promise<Map<string, T['$inferSelect']>> {
  const rows = (await db
    .select()
    .from(table as TableById)
    .where(and(anyOf(table.id, keys), inScope(table, scope)))) as Array<T['$inferSelect']>;
  return new Map(rows.map((row) => [row.id, row]));
}

export const machinesById = (db: EmissionsDb, keys: readonly string[], scope: RowScope) => rowsById(db, machines, keys, scope) as Promise<Map<string, MachineRow>>;
export const permitsById = (db: EmissionsDb, keys: readonly string[], scope: RowScope) => rowsById(db, permits, keys, scope) as Promise<Map<string, PermitRow>>;
export const inspectionsById = (db: EmissionsDb, keys: readonly string[], scope: RowScope) => rowsById(db, inspections, keys, scope) as Promise<Map<string, InspectionRow>>;
export const penaltiesById = (db: EmissionsDb, keys: readonly string[], scope: RowScope) => rowsById(db, penalties, keys, scope) as Promise<Map<string, PenaltyRow>>;

/** A ledger month's natural key as the change log writes it: `<uscc>/<YYYY-MM-01>/<solvent>`. */
export function ledgerKey(row: { uscc: string; month: string; solvent: string }): string {
  return `${row.uscc}/${row.month}/${row.solvent}`;
}

/** Ledger months by `ledgerKey`, only those the caller may see (the inspections group's scope). */
export async function ledgerMonthsByKey(db: EmissionsDb, keys: readonly string[], scope: RowScope): Promise<Map<string, SolventLedgerRow>> {
  // The uscc part first, so that the primary key's leading column finds the rows.
  const usccs = [...new Set(keys.map((key) => key.split('/')[0]!))];
  const rows = await db
    .select()
    .from(solventLedger)
    .where(
      and(
        anyOf(solventLedger.uscc, usccs),
        anyOf(sql`concat_ws('/', ${solventLedger.uscc}, ${solventLedger.month}::text, ${solventLedger.solvent}::text)`, keys),
        inScope(solventLedger, scope),
      ),
    );
  return new Map(rows.map((row) => [ledgerKey(row), row]));
}

export interface EmissionStatisticsRow {
  district: string;
  operators: number;
  compliantOperators: number;
  machines: number;
  enclosedMachines: number;
  openMachines: number;
  machinesBySolvent: { solvent: Solvent; machines: number }[];
}

/** A statistics row as the caller may see it: for an AGGREGATE grant, small cells are null. */
export interface EmissionStatisticsCells {
  district: string;
  operators: number | null;
  compliantOperators: number | null;
  machines: number | null;
  enclosedMachines: number | null;
  openMachines: number | null;
  machinesBySolvent: { solvent: Solvent; machines: number | null }[];
}

/**
 * Per district (the operators' registered district): operators with any record, how many of them
 * are compliant (the same rule as `emissionSummary`), and the machines in use. One statement.
 * The operator counts read the rows the caller may see under its emissionSummary scope, the machine
 * counts those under its machinesAndPermits scope. A district asked for by name always answers one
 * row (zeros when there is nothing the caller may see there). For an AGGREGATE grant, a cell behind
 * which fewer than 3 operators stand is suppressed (null): the operator counts by their own value,
 * the machine counts by the row's operators.
 */
export async function emissionStatistics(db: EmissionsDb, district: string | null, scopes: Pick<EmissionsScopes, 'emissionSummary' | 'machinesAndPermits'>): Promise<EmissionStatisticsCells[]> {
  const summaryScope = scopes.emissionSummary;
  const rowsOf = (table: ScopedTable) => and(district ? eq(table.district as PgColumn, district) : undefined, inScope(table, summaryScope));
  const ops = db.$with('ops').as(
    union(
      db.select({ uscc: machines.uscc, district: machines.district }).from(machines).where(rowsOf(machines)),
      db.select({ uscc: permits.uscc, district: permits.district }).from(permits).where(rowsOf(permits)),
      db.select({ uscc: inspections.uscc, district: inspections.district }).from(inspections).where(rowsOf(inspections)),
      db.select({ uscc: solventLedger.uscc, district: solventLedger.district }).from(solventLedger).where(rowsOf(solventLedger)),
      db.select({ uscc: penalties.uscc, district: penalties.district }).from(penalties).where(rowsOf(penalties)),
    ),
  );
  const inUse = sql`${machines.district} = ${ops.district} and ${machines.status} = 'IN_USE' and ${inScope(machines, scopes.machinesAndPermits)}`;
  const rows: EmissionStatisticsRow[] = await db
    .with(ops)
    .select({
      district: ops.district,
      operators: sql<number>`count(*)::int`,
      compliantOperators: sql<number>`(count(*) filter (where (select ${compliantOf(sql`c`)} from (${complianceFacts(sql`${ops.uscc}`, summaryScope)}) c)))::int`,
      machines: sql<number>`(select count(*)::int from ${machines} where ${inUse})`,
      enclosedMachines: sql<number>`(select count(*)::int from ${machines} where ${inUse} and ${machines.enclosure} <> 'OPEN')`,
      openMachines: sql<number>`(select count(*)::int from ${machines} where ${inUse} and ${machines.enclosure} = 'OPEN')`,
      machinesBySolvent: sql<EmissionStatisticsRow['machinesBySolvent']>`coalesce((
        select json_agg(json_build_object('solvent', s.solvent, 'machines', s.machines) order by s.solvent)
        from (select ${machines.solvent} as solvent, count(*)::int as machines from ${machines} where ${inUse} group by ${machines.solvent}) s
      ), '[]'::json)`,
    })
    .from(ops)
    .groupBy(ops.district)
    .orderBy(asc(ops.district));
  const answer: EmissionStatisticsRow[] =
    district && rows.length === 0
      ? [{ district, operators: 0, compliantOperators: 0, machines: 0, enclosedMachines: 0, openMachines: 0, machinesBySolvent: [] }]
      : rows;
  return answer.map((row) => {
    const byOperators = (value: number, scope: RowScope) => suppressSmall(value, row.operators, scope);
    const operators = suppressSmall(row.operators, row.operators, summaryScope);
    // The compliant and the non-compliant operators partition the operators: the second is not
    // shown, but it is operators − compliantOperators, so it is suppressed with the first.
    const nonCompliant = row.operators - row.compliantOperators;
    const [compliantOperators] = suppressComplements(
      operators,
      [suppressSmall(row.compliantOperators, row.compliantOperators, summaryScope), suppressSmall(nonCompliant, nonCompliant, summaryScope)],
      summaryScope,
    );
    return {
      district: row.district,
      operators,
      compliantOperators: compliantOperators ?? null,
      machines: byOperators(row.machines, scopes.machinesAndPermits),
      enclosedMachines: byOperators(row.enclosedMachines, scopes.machinesAndPermits),
      openMachines: byOperators(row.openMachines, scopes.machinesAndPermits),
      machinesBySolvent: row.machinesBySolvent.map((cell) => ({ solvent: cell.solvent, machines: byOperators(cell.machines, scopes.machinesAndPermits) })),
    };
  });
}

/** A machine in use with its operator's last active ledger month (only when asked for). */
export interface MachineUseRecord {
  machine: MachineRow;
  uscc: string;
  /** `YYYY-MM-01`, or null (none, or not asked for). */
  lastActiveMonth: string | null;
}

/**
 * 相互比对: every machine IN_USE and present of `district`, of `enclosure` when given, under the
 * machinesAndPermits scope; with `lastActiveSince`, also the operator's latest ledger month on or
 * after it with solvent consumed or purchased, under the inspections scope (a correlated lookup on
 * the ledger's (uscc, month, solvent) key). One statement.
 */
export async function machineUse(
  db: EmissionsDb,
  options: { district: string; enclosure: MachineRow['enclosure'] | null; lastActiveSince: string | null; scopes: Pick<EmissionsScopes, 'machinesAndPermits' | 'inspections'> },
): Promise<MachineUseRecord[]> {
  // In a select list drizzle prints columns unqualified, where the ledger's own uscc would shadow
  // the machine's: the correlation names the outer table explicitly.
  const machineUscc = sql`${machines}.${sql.identifier(machines.uscc.name)}`;
  const lastActiveMonth =
    options.lastActiveSince === null
      ? sql<null>`null`
      : sql<string | null>`(select max(${solventLedger.month})::text from ${solventLedger}
          where ${solventLedger.uscc} = ${machineUscc} and ${solventLedger.month} >= ${options.lastActiveSince}::date
            and (${solventLedger.consumedKg} > 0 or ${solventLedger.purchasedKg} > 0) and ${inScope(solventLedger, options.scopes.inspections)})`;
  return db
    .select({ machine: machines, uscc: machines.uscc, lastActiveMonth })
    .from(machines)
    .where(
      and(
        eq(machines.district, options.district),
        eq(machines.status, 'IN_USE'),
        eq(machines.present, true),
        options.enclosure ? eq(machines.enclosure, options.enclosure) : undefined,
        inScope(machines, options.scopes.machinesAndPermits),
      ),
    )
    .orderBy(asc(machines.uscc), asc(machines.outletId), asc(machines.id));
}

/** One operator's ledger summed over a window. */
export interface SolventUseRecord {
  uscc: string;
  months: number;
  purchasedKg: number;
  consumedKg: number;
  garmentsKg: number;
  gramsPerKg: number | null;
}

/**
 * 相互比对: per operator of `district`, its ledger rows of the months on or after `from` summed (all
 * solvents), under the inspections scope; only operators with garments, and with `minGramsPerKg`
 * only those above it. Sums are taken in numeric, so they (and the ratio compared with the
 * threshold) do not depend on the order rows are added in. One statement, over (district, month).
 */
export async function solventUse(db: EmissionsDb, options: { district: string; from: string; minGramsPerKg: number | null; scope: RowScope }): Promise<SolventUseRecord[]> {
  const total = (column: PgColumn) => sql`sum(${column}::numeric)`;
  const garments = total(solventLedger.garmentsKg);
  const gramsPerKg = sql<number | null>`(${total(solventLedger.consumedKg)} * 1000 / nullif(${garments}, 0))::float8`;
  return db
    .select({
      uscc: solventLedger.uscc,
      months: sql<number>`count(distinct ${solventLedger.month})::int`,
      purchasedKg: sql<number>`${total(solventLedger.purchasedKg)}::float8`,
      consumedKg: sql<number>`${total(solventLedger.consumedKg)}::float8`,
      garmentsKg: sql<number>`${garments}::float8`,
      gramsPerKg,
    })
    .from(solventLedger)
    .where(and(eq(solventLedger.district, options.district), gte(solventLedger.month, options.from), inScope(solventLedger, options.scope)))
    .groupBy(solventLedger.uscc)
    .having(and(sql`${garments} > 0`, options.minGramsPerKg === null ? undefined : sql`${gramsPerKg} > ${options.minGramsPerKg}::float8`))
    .orderBy(desc(gramsPerKg), asc(solventLedger.uscc));
}

/** 相互比对: the operators of a district with a penalty still publicised, within the caller's penalties scope. */
export async function publicisedPenaltyKeys(db: EmissionsDb, options: { district: string; scope: RowScope }): Promise<string[]> {
  const rows = await db
    .selectDistinct({ uscc: penalties.uscc })
    .from(penalties)
    .where(and(eq(penalties.district, options.district), sql`${penalties.publicityUntil} >= current_date`, inScope(penalties, options.scope)))
    .orderBy(asc(penalties.uscc));
  return rows.map((r) => r.uscc);
}
