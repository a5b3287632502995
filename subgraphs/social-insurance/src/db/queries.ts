import { and, asc, eq, gte, notExists, sql, type SQL } from 'drizzle-orm';
import { jsonObject, keysRelation, membersOf, scopeCondition, suppressComplements, suppressSmall, type Database, type RowScope } from '@xiran/subgraph-kit';
import {
  headcountBand,
  unitHeadcount,
  unitInsuranceStatus,
  type HeadcountBand,
  type UnitHeadcountRow,
  type UnitInsuranceStatusRow,
  memberScope,
} from './schema';

export type SocialInsuranceDb = Database;

/** Intake bookkeeping kept on each row but not served (`present` is). */
const BOOKKEEPING = ['absentSince', 'batchId'] as const;
export type InsuranceStatusRecord = Omit<UnitInsuranceStatusRow, (typeof BOOKKEEPING)[number]>;
export type HeadcountRecord = Omit<UnitHeadcountRow, (typeof BOOKKEEPING)[number]>;

/** The unit's status over all insurance types, folded in SQL. */
export interface SocialInsuranceSummary {
  insurances: InsuranceStatusRecord[];
  inArrears: boolean;
  maxArrearsMonths: number;
  terminated: boolean;
}

/**
 * An operator as this subgraph knows it: the key plus, for each requested part, its value
 * (null when the bureau has no record). A part not requested is absent (undefined).
 */
export interface OperatorRecord {
  uscc: string;
  socialInsuranceStatus?: SocialInsuranceSummary | null;
  insuredHeadcount?: HeadcountRecord | null;
}

/** Row scopes of this subgraph's two groups for one request. */
export interface SocialInsuranceScopes {
  socialInsuranceStatus: RowScope;
  insuredHeadcount: RowScope;
}

const s = unitInsuranceStatus;
const h = unitHeadcount;

/** The rows of each table the caller may see under its group's scope (district; no handler or member grants here). */
const members = membersOf(memberScope);
const statusScope = (scope: RowScope) => scopeCondition({ district: s.district, uscc: s.uscc, members }, scope);
const headcountScope = (scope: RowScope) => scopeCondition({ district: h.district, uscc: h.uscc, members }, scope);

/** One json object per unit, or null (`having` drops the aggregate row when there are no rows). */
function statusSummary(scope: RowScope): SQL<SocialInsuranceSummary | null> {
  return sql<SocialInsuranceSummary | null>`(select json_build_object(
      'insurances', json_agg(${jsonObject(s, BOOKKEEPING)} order by ${s.type}),
      'inArrears', bool_or(${s.inArrears}),
      'maxArrearsMonths', max(${s.arrearsMonths}),
      'terminated', bool_and(${s.paymentStatus} = 'TERMINATED'))
    from ${s} where ${s.uscc} = k.key and ${statusScope(scope)} having count(*) > 0)`;
}

function headcountRow(scope: RowScope): SQL<HeadcountRecord | null> {
  return sql<HeadcountRecord | null>`(select ${jsonObject(h, BOOKKEEPING)} from ${h} where ${h.uscc} = k.key and ${headcountScope(scope)})`;
}

/**
 * The requested parts for a batch of operators in ONE statement over the keys as a relation,
 * with a record for every key. Each part is read under its own group's scope, and is null when
 * the bureau has no record of the unit or the unit is outside what the caller may see (the two
 * are indistinguishable to the caller).
 */
export async function operatorsByUscc(
  db: SocialInsuranceDb,
  keys: readonly string[],
  parts: ReadonlySet<string>,
  scopes: SocialInsuranceScopes,
): Promise<Map<string, OperatorRecord>> {
  const rows = await db
    .select(operatorColumns(parts, scopes))
    .from(keysRelation(keys))
    .orderBy(sql`k.ord`);
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}

/** The key and the requested parts of a relation `k(key)` of usccs, each part under its group's scope. */
function operatorColumns(parts: ReadonlySet<string>, scopes: SocialInsuranceScopes) {
  return {
    uscc: sql<string>`k.key`,
    ...(parts.has('socialInsuranceStatus') ? { socialInsuranceStatus: statusSummary(scopes.socialInsuranceStatus) } : {}),
    ...(parts.has('insuredHeadcount') ? { insuredHeadcount: headcountRow(scopes.insuredHeadcount) } : {}),
  };
}

/**
 * 相互比对: the units of `district` with any insurance type at least `minMonths` in arrears (under
 * the socialInsuranceStatus scope), by uscc, with the requested parts folded in exactly as
 * `operatorsByUscc` reads them: one statement, over (district, arrears_months).
 */
export async function operatorsInArrears(
  db: SocialInsuranceDb,
  options: { district: string; minMonths: number; parts: ReadonlySet<string>; scopes: SocialInsuranceScopes },
): Promise<OperatorRecord[]> {
  const units = db
    .selectDistinct({ key: sql<string>`${s.uscc}`.as('key') })
    .from(s)
    .where(and(eq(s.district, options.district), gte(s.arrearsMonths, options.minMonths), statusScope(options.scopes.socialInsuranceStatus)))
    .as('k');
  const rows = await db.select(operatorColumns(options.parts, options.scopes)).from(units).orderBy(sql`k.key`);
  return rows as OperatorRecord[];
}

/**
 * 相互比对: the usccs of `district`'s units that insure staff: a present headcount record whose band
 * is not NONE, and no present insurance record TERMINATED. Every row read is under the caller's
 * insuredHeadcount scope. One statement, over (district, band) and the status key (uscc, type).
 */
export async function insuredUnitKeys(db: SocialInsuranceDb, district: string, scope: RowScope): Promise<string[]> {
  // Written as the partial index's predicate (literals, not parameters), so that any plan may use it.
  const terminated = db
    .select({ one: sql`1` })
    .from(s)
    .where(and(eq(s.uscc, h.uscc), sql`${s.paymentStatus} = 'TERMINATED' and ${s.present}`, statusScope(scope)));
  const rows = await db
    .select({ uscc: h.uscc })
    .from(h)
    .where(and(eq(h.district, district), sql`${h.present} and ${h.band} <> 'NONE'`, headcountScope(scope), notExists(terminated)))
    .orderBy(asc(h.uscc));
  return rows.map((row) => row.uscc);
}

/** A statistics row; every count is null when suppressed for an AGGREGATE caller. */
export interface SocialInsuranceStatisticsRow {
  district: string;
  units: number | null;
  unitsInArrears: number | null;
  unitsTerminated: number | null;
  headcountBands: { band: HeadcountBand; units: number | null }[];
}

/**
 * Per district (or the one given): units with a status record, those in arrears on any type,
 * those terminated on every type, and units per headcount band. One statement: the per-unit
 * fold of the status table fully joined to the band counts of the headcount table.
 *
 * Each group's scope applies to its own cells: the status counts (socialInsuranceStatus) over
 * the status rows the caller may see, the band counts (insuredHeadcount) over the headcount
 * rows it may see. Every cell counts units (operators), so for an AGGREGATE grant on its group
 * a cell of fewer than 3 is suppressed (null).
 */
export async function socialInsuranceStatistics(
  db: SocialInsuranceDb,
  district: string | null,
  scopes: SocialInsuranceScopes,
  options: { status: boolean } = { status: true },
): Promise<SocialInsuranceStatisticsRow[]> {
  const perUnit = db
    .select({
      district: s.district,
      inArrears: sql<boolean>`bool_or(${s.inArrears})`.as('in_arrears'),
      terminated: sql<boolean>`bool_and(${s.paymentStatus} = 'TERMINATED')`.as('terminated'),
    })
    .from(s)
    .where(and(district ? eq(s.district, district) : undefined, statusScope(scopes.socialInsuranceStatus)))
    .groupBy(s.uscc, s.district)
    .as('per_unit');
  const units = db
    .select({
      district: perUnit.district,
      units: sql<number>`count(*)::int`.as('units'),
      unitsInArrears: sql<number>`(count(*) filter (where ${perUnit.inArrears}))::int`.as('units_in_arrears'),
      unitsTerminated: sql<number>`(count(*) filter (where ${perUnit.terminated}))::int`.as('units_terminated'),
    })
    .from(perUnit)
    .groupBy(perUnit.district)
    .as('u');
  const perBand = db
    .select({ district: h.district, band: h.band, units: sql<number>`count(*)::int`.as('band_units') })
    .from(h)
    .where(and(district ? eq(h.district, district) : undefined, headcountScope(scopes.insuredHeadcount)))
    .groupBy(h.district, h.band)
    .as('per_band');
  const bands = db
    .select({ district: perBand.district, bands: sql<Record<string, number>>`json_object_agg(${perBand.band}, ${perBand.units})`.as('bands') })
    .from(perBand)
    .groupBy(perBand.district)
    .as('b');
  // The status table is read only for a caller who asked for its cells and may read them: for the
  // others (insuredHeadcount alone) a district with status records and no headcount would still
  // answer a row, telling that the bureau has units there.
  const rows = options.status
    ? await db
        .select({
          district: sql<string>`coalesce(${units.district}, ${bands.district})`,
          units: sql<number>`coalesce(${units.units}, 0)`,
          unitsInArrears: sql<number>`coalesce(${units.unitsInArrears}, 0)`,
          unitsTerminated: sql<number>`coalesce(${units.unitsTerminated}, 0)`,
          bands: bands.bands,
        })
        .from(units)
        .fullJoin(bands, eq(units.district, bands.district))
        .orderBy(sql`1`)
    : await db
        .select({ district: bands.district, units: sql<number>`0`, unitsInArrears: sql<number>`0`, unitsTerminated: sql<number>`0`, bands: bands.bands })
        .from(bands)
        .orderBy(sql`1`);
  const counted = rows.map(({ bands: counts, ...row }) => ({
    ...row,
    bands: headcountBand.enumValues.map((band) => ({ band, units: counts?.[band] ?? 0 })),
  }));
  // A district asked for by name always gets its row, zeros when the bureau has no unit there;
  // but only a district the caller may see (a district-level caller asking for another gets none).
  const mayAsk = (scope: RowScope) => !scope.district || scope.district === district;
  if (district && counted.length === 0 && mayAsk(scopes.socialInsuranceStatus) && mayAsk(scopes.insuredHeadcount)) {
    counted.push({ district, units: 0, unitsInArrears: 0, unitsTerminated: 0, bands: headcountBand.enumValues.map((band) => ({ band, units: 0 })) });
  }
  const status = (value: number) => suppressSmall(value, value, scopes.socialInsuranceStatus);
  // Complementary suppression: the units in arrears and the others partition the units (so do the
  // terminated and the others); the others are units − the cell, so they are suppressed together.
  const withComplement = (units: number | null, cell: number, total: number) =>
    suppressComplements(units, [status(cell), status(total - cell)], scopes.socialInsuranceStatus)[0] ?? null;
  return counted.map((row) => ({
    district: row.district,
    units: status(row.units),
    unitsInArrears: withComplement(status(row.units), row.unitsInArrears, row.units),
    unitsTerminated: withComplement(status(row.units), row.unitsTerminated, row.units),
    headcountBands: row.bands.map(({ band, units }) => ({ band, units: suppressSmall(units, units, scopes.insuredHeadcount) })),
  }));
}
