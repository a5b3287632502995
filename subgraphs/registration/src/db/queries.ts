import { and, asc, count, eq, gt, ilike, inArray, not, sql, type SQL } from 'drizzle-orm';
import { anyOf, jsonRows, membersOf, scopeCondition, suppressComplements, suppressSmall, type Database, type RowScope } from '@xiran/subgraph-kit';
import { memberScope, operators, outlets, type OperatorRow, type OutletRow } from './schema';

export type RegistrationDb = Database;

/** An operator row with the related parts a request asked for. */
export type OperatorRecord = Omit<OperatorRow, 'absentSince' | 'batchId'> & { outlets?: OutletRow[] };

export interface OperatorFilter {
  district?: string | null;
  status?: OperatorRow['status'] | null;
  /** Any of these statuses; an empty list selects none. */
  statusIn?: ReadonlyArray<OperatorRow['status']> | null;
  /** Operators with (true) or without (false) an OPEN outlet the caller may see. */
  hasOpenOutlets?: boolean | null;
  name?: string | null;
}

/** Row scopes of this subgraph's two groups for one request. */
export interface RegistrationScopes {
  registration: RowScope;
  outlets: RowScope;
}

const members = membersOf(memberScope);
const operatorScope = (scope: RowScope) => scopeCondition({ district: operators.district, uscc: operators.uscc, members }, scope);
const outletScope = (scope: RowScope) => scopeCondition({ district: outlets.district, uscc: outlets.uscc, members }, scope);

/** Columns of the operator plus, when selected, its outlets as JSON: always one statement. */
function operatorColumns(parts: ReadonlySet<string>, scopes: RegistrationScopes) {
  return {
    ...operatorsColumns,
    ...(parts.has('outlets')
      ? { outlets: jsonRows(outlets, and(eq(outlets.uscc, operators.uscc), outletScope(scopes.outlets))!, asc(outlets.id)) as SQL<OutletRow[]> }
      : {}),
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
  present: operators.present,
};

/** Operators by uscc, only those the caller may see (the others are simply absent: null). */
export async function operatorsByUscc(db: RegistrationDb, keys: readonly string[], parts: ReadonlySet<string>, scopes: RegistrationScopes): Promise<Map<string, OperatorRecord>> {
  const rows = await db
    .select(operatorColumns(parts, scopes))
    .from(operators)
    .where(and(anyOf(operators.uscc, keys), operatorScope(scopes.registration)));
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}

/**
 * Which of `keys` are registered at all, whatever the caller's scope: tells an operator outside
 * the scope (NOT_VISIBLE) from one market never registered. Only the keys, never a value.
 */
export async function registeredUscc(db: RegistrationDb, keys: readonly string[]): Promise<Map<string, true>> {
  const rows = await db.select({ uscc: operators.uscc }).from(operators).where(anyOf(operators.uscc, keys));
  return new Map(rows.map((row) => [row.uscc, true as const]));
}

export async function outletsById(db: RegistrationDb, keys: readonly string[], scope: RowScope): Promise<Map<string, OutletRow>> {
  const rows = await db.select().from(outlets).where(and(anyOf(outlets.id, keys), outletScope(scope)));
  return new Map(rows.map((row) => [row.id, row]));
}

/** `exists` an OPEN outlet of the operator among those the outlets scope lets the caller see. */
function openOutletExists(scope: RowScope): SQL {
  return sql`exists (select 1 from ${outlets} where ${outlets.uscc} = ${operators.uscc} and ${outlets.status} = 'OPEN' and ${outletScope(scope)})`;
}

function filterCondition(filter: OperatorFilter, scopes: RegistrationScopes): SQL | undefined {
  return and(
    operatorScope(scopes.registration),
    filter.district ? eq(operators.district, filter.district) : undefined,
    filter.status ? eq(operators.status, filter.status) : undefined,
    filter.statusIn ? (filter.statusIn.length > 0 ? inArray(operators.status, [...filter.statusIn]) : sql`false`) : undefined,
    filter.hasOpenOutlets == null ? undefined : filter.hasOpenOutlets ? openOutletExists(scopes.outlets) : not(openOutletExists(scopes.outlets)),
    filter.name ? ilike(operators.name, `%${filter.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
  );
}

/**
 * 相互比对: the usccs of every operator the filter selects within the caller's scope, by uscc,
 * unpaged (the caller bounds it by a district). One statement, over (district, uscc) and, for
 * hasOpenOutlets, the outlets' (uscc, status).
 */
export async function operatorKeys(db: RegistrationDb, filter: OperatorFilter, scopes: RegistrationScopes): Promise<string[]> {
  const rows = await db.select({ uscc: operators.uscc }).from(operators).where(filterCondition(filter, scopes)).orderBy(asc(operators.uscc));
  return rows.map((row) => row.uscc);
}

/**
 * One keyset page (limit + 1 rows after `afterKey`, by uscc) and, when asked, the filter's total
 * as a scalar subquery of the same statement.
 */
export async function operatorPage(
  db: RegistrationDb,
  options: { filter: OperatorFilter; limit: number; afterKey: string | null; parts: ReadonlySet<string>; withTotal: boolean; scopes: RegistrationScopes },
): Promise<{ rows: OperatorRecord[]; totalCount: number }> {
  const where = filterCondition(options.filter, options.scopes);
  const total = options.withTotal
    ? sql<number>`(select count(*)::int from ${operators} where ${where ?? sql`true`})`
    : sql<number>`0`;
  const rows = await db
    .select({ ...operatorColumns(options.parts, options.scopes), totalCount: total })
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

/**
 * Counts per district over the operators the caller may see; `openOutlets` (only when asked for)
 * counts the district's open outlets under the caller's outlets scope, a group of its own. For an
 * AGGREGATE grant, cells of fewer than 3 are suppressed (null), and so is a second status cell
 * wherever one suppressed cell could be recovered from `operators` by subtraction.
 */
export async function registrationStatistics(
  db: RegistrationDb,
  district: string | null,
  scopes: RegistrationScopes,
  options: { openOutlets: boolean },
): Promise<Array<{ [K in keyof RegistrationStatisticsRow]: K extends 'district' ? string : number | null }>> {
  const scope = scopes.registration;
  // In a select list drizzle prints columns unqualified, and inside the subquery an unqualified
  // "district" is the outlet's own: the correlation names the outer table explicitly.
  const operatorDistrict = sql`${operators}.${sql.identifier(operators.district.name)}`;
  const openOutlets = options.openOutlets
    ? sql<number>`(select count(*)::int from ${outlets} where ${outlets.district} = ${operatorDistrict} and ${outlets.status} = 'OPEN' and ${outletScope(scopes.outlets)})`
    : sql<number>`0`;
  const rows = await db
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
    .where(and(district ? eq(operators.district, district) : undefined, operatorScope(scope)))
    .groupBy(operators.district)
    .orderBy(asc(operators.district));
  return rows.map((row) => {
    const small = (value: number) => suppressSmall(value, value, scope);
    const total = small(row.operators);
    // The four statuses partition the operators; the abnormal-listed and the others do too.
    const [active, revoked, deregistered, movedOut] = suppressComplements(total, [row.active, row.revoked, row.deregistered, row.movedOut].map(small), scope);
    const [abnormalListed] = suppressComplements(total, [small(row.abnormalListed), small(row.operators - row.abnormalListed)], scope);
    return {
      district: row.district,
      operators: total,
      active: active ?? null,
      revoked: revoked ?? null,
      deregistered: deregistered ?? null,
      movedOut: movedOut ?? null,
      abnormalListed: abnormalListed ?? null,
      // Outlets stand behind the district's operators: suppressed with them, under the outlets grant.
      openOutlets: suppressSmall(row.openOutlets, row.operators, scopes.outlets),
    };
  });
}
