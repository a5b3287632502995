import { and, asc, count, eq, gt, ilike, sql, type SQL } from 'drizzle-orm';
import { anyOf, jsonRows, type Database } from '@xiran/subgraph-kit';
import { operators, outlets, type OperatorRow, type OutletRow } from './schema';

export type RegistrationDb = Database;

/** An operator row with the related parts a request asked for. */
export type OperatorRecord = OperatorRow & { outlets?: OutletRow[] };

export interface OperatorFilter {
  district?: string | null;
  status?: OperatorRow['status'] | null;
  name?: string | null;
}

/** Columns of the operator plus, when selected, its outlets as JSON: always one statement. */
function operatorColumns(parts: ReadonlySet<string>) {
  return {
    ...operatorsColumns,
    ...(parts.has('outlets') ? { outlets: jsonRows(outlets, eq(outlets.uscc, operators.uscc), asc(outlets.id)) as SQL<OutletRow[]> } : {}),
  };
}

const operatorsColumns = {
  uscc: operators.uscc,
  usccCheckDigitValid: operators.usccCheckDigitValid,
  name: operators.name,
  entityKind: operators.entityKind,
  status: operators.status,
  district: operators.district,
  address: operators.address,
  legalRepresentative: operators.legalRepresentative,
  established: operators.established,
  deregistered: operators.deregistered,
  businessScope: operators.businessScope,
  industryCode: operators.industryCode,
  abnormalList: operators.abnormalList,
  source: operators.source,
  updatedAt: operators.updatedAt,
};

export async function operatorsByUscc(db: RegistrationDb, keys: readonly string[], parts: ReadonlySet<string>): Promise<Map<string, OperatorRecord>> {
  const rows = await db.select(operatorColumns(parts)).from(operators).where(anyOf(operators.uscc, keys));
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}

export async function outletsById(db: RegistrationDb, keys: readonly string[]): Promise<Map<string, OutletRow>> {
  const rows = await db.select().from(outlets).where(anyOf(outlets.id, keys));
  return new Map(rows.map((row) => [row.id, row]));
}

function filterCondition(filter: OperatorFilter): SQL | undefined {
  return and(
    filter.district ? eq(operators.district, filter.district) : undefined,
    filter.status ? eq(operators.status, filter.status) : undefined,
    filter.name ? ilike(operators.name, `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
  );
}

/**
 * One keyset page (limit + 1 rows after `afterKey`, by uscc) and, when asked, the filter's total
 * as a scalar subquery of the same statement.
 */
export async function operatorPage(
  db: RegistrationDb,
  options: { filter: OperatorFilter; limit: number; afterKey: string | null; parts: ReadonlySet<string>; withTotal: boolean },
): Promise<{ rows: OperatorRecord[]; totalCount: number }> {
  const where = filterCondition(options.filter);
  const total = options.withTotal
    ? sql<number>`(select count(*)::int from ${operators} where ${where ?? sql`true`})`
    : sql<number>`0`;
  const rows = await db
    .select({ ...operatorColumns(options.parts), totalCount: total })
    .from(operators)
    .where(and(where, options.afterKey ? gt(operators.uscc, options.afterKey) : undefined))
    .orderBy(asc(operators.uscc))
    .limit(options.limit + 1);
  return { rows: rows as OperatorRecord[], totalCount: rows[0]?.totalCount ?? (options.withTotal ? await countOperators(db, where) : 0) };
}

async function countOperators(db: RegistrationDb, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ n: count() }).from(operators).where(where);
  return row?.n ?? 0;
}

export interface RegistrationStatisticsRow {
  district: string;
  operators: number;
  active: number;
  revoked: number;
  deregistered: number;
  movedOut: number;
  abnormalListed: number;
  openOutlets: number;
}

export async function registrationStatistics(db: RegistrationDb, district: string | null): Promise<RegistrationStatisticsRow[]> {
  const openOutlets = sql<number>`(select count(*)::int from ${outlets} where ${outlets.district} = ${operators.district} and ${outlets.status} = 'OPEN')`;
  return db
    .select({
      district: operators.district,
      operators: sql<number>`count(*)::int`,
      active: sql<number>`(count(*) filter (where ${operators.status} = 'ACTIVE'))::int`,
      revoked: sql<number>`(count(*) filter (where ${operators.status} = 'REVOKED'))::int`,
      deregistered: sql<number>`(count(*) filter (where ${operators.status} = 'DEREGISTERED'))::int`,
      movedOut: sql<number>`(count(*) filter (where ${operators.status} = 'MOVED_OUT'))::int`,
      abnormalListed: sql<number>`(count(*) filter (where ${operators.abnormalList}))::int`,
      openOutlets,
    })
    .from(operators)
    .where(district ? eq(operators.district, district) : undefined)
    .groupBy(operators.district)
    .orderBy(asc(operators.district));
}
