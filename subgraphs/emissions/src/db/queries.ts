import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { union, type PgColumn } from 'drizzle-orm/pg-core';
import { jsonRows, keysRelation, type Database } from '@xiran/subgraph-kit';
import {
  inspections,
  machines,
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

/** The most months `solventLedger(months:)` may ask for; the entity part reads this many. */
export const MAX_LEDGER_MONTHS = 36;

export interface EmissionSummaryRecord {
  compliant: boolean;
  reasons: string[];
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
 * solvents, has_record and reasons (text[], empty when compliant). "Today" is current_date, as for
 * the publicised penalties.
 */
function complianceFacts(uscc: SQL): SQL {
  return sql`select
      f.machine_count, f.enclosed_count, f.solvents, f.has_record,
      array_remove(array[
        case when f.open_count > 0 then format('%s open machine(s) in use, not retrofitted (开启式干洗机在用)', f.open_count) end,
        case when f.solvent_machines > 0 and not f.has_eia then 'solvent machines in use without an EIA approval or registration form (无环评手续)' end,
        case when f.last_result = 'VIOLATION' then format('last inspection on %s found a VIOLATION (检查发现违法)', f.last_date) end,
        case when f.last_result <> 'PASS' and f.last_due < current_date then format('rectification due %s is overdue (逾期未整改)', f.last_due) end
      ]::text[], null) || f.penalty_reasons as reasons
    from (
      select
        m.machine_count, m.enclosed_count, m.open_count, m.solvent_machines, m.solvents,
        li.result as last_result, li.inspected_on as last_date, li.rectification_due as last_due,
        exists (select 1 from ${permits} where ${permits.uscc} = ${uscc} and ${permits.kind} in ('EIA_APPROVAL', 'EIA_REGISTRATION_FORM')) as has_eia,
        array(
          select format('penalty %s is publicised until %s (行政处罚公示中)', ${penalties.decisionNumber}, ${penalties.publicityUntil})
          from ${penalties} where ${penalties.uscc} = ${uscc} and ${penalties.publicityUntil} >= current_date
          order by ${penalties.decided} desc, ${penalties.id}
        ) as penalty_reasons,
        (m.all_machines > 0
          or exists (select 1 from ${permits} where ${permits.uscc} = ${uscc})
          or exists (select 1 from ${inspections} where ${inspections.uscc} = ${uscc})
          or exists (select 1 from ${solventLedger} where ${solventLedger.uscc} = ${uscc})
          or exists (select 1 from ${penalties} where ${penalties.uscc} = ${uscc})) as has_record
      from (
        select
          count(*)::int as all_machines,
          (count(*) filter (where ${machines.status} = 'IN_USE'))::int as machine_count,
          (count(*) filter (where ${machines.status} = 'IN_USE' and ${machines.enclosure} <> 'OPEN'))::int as enclosed_count,
          (count(*) filter (where ${machines.status} = 'IN_USE' and ${machines.enclosure} = 'OPEN'))::int as open_count,
          (count(*) filter (where ${machines.status} = 'IN_USE' and ${machines.solvent} <> 'WET_CLEANING'))::int as solvent_machines,
          coalesce(array_agg(distinct ${machines.solvent} order by ${machines.solvent}) filter (where ${machines.status} = 'IN_USE'), '{}') as solvents
        from ${machines} where ${machines.uscc} = ${uscc}
      ) m
      left join lateral (
        select ${inspections.result} as result, ${inspections.date} as inspected_on, ${inspections.rectificationDue} as rectification_due
        from ${inspections} where ${inspections.uscc} = ${uscc}
        order by ${inspections.date} desc, ${inspections.id} desc limit 1
      ) li on true
    ) f`;
}

/** The summary as JSON (null without any record), correlated on `uscc`. */
function summaryJson(uscc: SQL): SQL<EmissionSummaryRecord | null> {
  return sql<EmissionSummaryRecord | null>`(select case when c.has_record then json_build_object(
      'compliant', cardinality(c.reasons) = 0,
      'reasons', c.reasons,
      'solvents', c.solvents,
      'machineCount', c.machine_count,
      'enclosedShare', case when c.machine_count = 0 then null else c.enclosed_count::float8 / c.machine_count end
    ) end from (${complianceFacts(uscc)}) c)`;
}

/** One column per requested part, each correlated on `k.key`. */
function operatorParts(parts: ReadonlySet<string>) {
  const key = sql`k.key`;
  const columns: Partial<Record<OperatorPart, SQL>> = {};
  if (parts.has('emissionSummary')) columns.emissionSummary = summaryJson(key);
  if (parts.has('machines')) columns.machines = jsonRows(machines, sql`${machines.uscc} = ${key}`, sql`${machines.outletId}, ${machines.id}`);
  if (parts.has('permits')) columns.permits = jsonRows(permits, sql`${permits.uscc} = ${key}`, sql`${permits.issued} desc, ${permits.id}`);
  if (parts.has('inspections')) {
    columns.inspections = jsonRows(inspections, sql`${inspections.uscc} = ${key}`, sql`${inspections.date} desc, ${inspections.id} desc`);
  }
  if (parts.has('solventLedger')) {
    // The rows of the operator's most recent MAX_LEDGER_MONTHS distinct months.
    // (The inner `from` shadows the outer one: its columns are the inner rows'; only k.key correlates.)
    const oldest = sql`(select ${solventLedger.month} from ${solventLedger} where ${solventLedger.uscc} = ${key}
      group by ${solventLedger.month} order by ${solventLedger.month} desc offset ${sql.raw(String(MAX_LEDGER_MONTHS - 1))} limit 1)`;
    columns.solventLedger = jsonRows(
      solventLedger,
      sql`${solventLedger.uscc} = ${key} and ${solventLedger.month} >= coalesce(${oldest}, '-infinity'::date)`,
      sql`${solventLedger.month} desc, ${solventLedger.solvent}`,
    );
  }
  if (parts.has('penalties')) {
    columns.penalties = jsonRows(
      penalties,
      sql`${penalties.uscc} = ${key} and ${penalties.publicityUntil} >= current_date`,
      sql`${penalties.decided} desc, ${penalties.id}`,
    );
  }
  return columns;
}

/**
 * The requested parts of every operator in `keys`, in ONE statement over the keys as a relation.
 * Every key gets a record: empty lists and a null summary when the department has no data on it.
 */
export async function operatorsByUscc(db: EmissionsDb, keys: readonly string[], parts: ReadonlySet<string>): Promise<Map<string, OperatorRecord>> {
  const rows = await db
    .select({ uscc: sql<string>`k.key`, ...operatorParts(parts) })
    .from(keysRelation(keys));
  return new Map(rows.map((row) => [row.uscc, row as unknown as OperatorRecord]));
}

/** The machines of every outlet in `keys`, in ONE statement; an outlet without machines gets an empty list. */
export async function outletsById(db: EmissionsDb, keys: readonly string[], parts: ReadonlySet<string>): Promise<Map<string, OutletRecord>> {
  const rows = await db
    .select({
      id: sql<string>`k.key`,
      ...(parts.has('machines') ? { machines: jsonRows(machines, sql`${machines.outletId} = k.key`, sql`${machines.id}`) as SQL<MachineRow[]> } : {}),
    })
    .from(keysRelation(keys));
  return new Map(rows.map((row) => [row.id, row as OutletRecord]));
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

/**
 * Per district (the operators' registered district): operators with any record, how many of them
 * are compliant (the same rule as `emissionSummary`), and the machines in use. One statement.
 */
export async function emissionStatistics(db: EmissionsDb, district: string | null): Promise<EmissionStatisticsRow[]> {
  const inDistrict = (column: PgColumn) => (district ? eq(column, district) : undefined);
  const ops = db.$with('ops').as(
    union(
      db.select({ uscc: machines.uscc, district: machines.district }).from(machines).where(inDistrict(machines.district)),
      db.select({ uscc: permits.uscc, district: permits.district }).from(permits).where(inDistrict(permits.district)),
      db.select({ uscc: inspections.uscc, district: inspections.district }).from(inspections).where(inDistrict(inspections.district)),
      db.select({ uscc: solventLedger.uscc, district: solventLedger.district }).from(solventLedger).where(inDistrict(solventLedger.district)),
      db.select({ uscc: penalties.uscc, district: penalties.district }).from(penalties).where(inDistrict(penalties.district)),
    ),
  );
  const inUse = sql`${machines.district} = ${ops.district} and ${machines.status} = 'IN_USE'`;
  return db
    .with(ops)
    .select({
      district: ops.district,
      operators: sql<number>`count(*)::int`,
      compliantOperators: sql<number>`(count(*) filter (where (select cardinality(c.reasons) = 0 from (${complianceFacts(sql`${ops.uscc}`)}) c)))::int`,
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
}
