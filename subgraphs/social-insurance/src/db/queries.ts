import { eq, sql, type SQL } from 'drizzle-orm';
import { jsonObject, keysRelation, type Database } from '@xiran/subgraph-kit';
import {
  headcountBand,
  unitHeadcount,
  unitInsuranceStatus,
  type HeadcountBand,
  type UnitHeadcountRow,
  type UnitInsuranceStatusRow,
} from './schema';

export type SocialInsuranceDb = Database;

/** The unit's status over all insurance types, folded in SQL. */
export interface SocialInsuranceSummary {
  insurances: UnitInsuranceStatusRow[];
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
  insuredHeadcount?: UnitHeadcountRow | null;
}

const s = unitInsuranceStatus;
const h = unitHeadcount;

/** One json object per unit, or null (`having` drops the aggregate row when there are no rows). */
function statusSummary(): SQL<SocialInsuranceSummary | null> {
  return sql<SocialInsuranceSummary | null>`(select json_build_object(
      'insurances', json_agg(${jsonObject(s)} order by ${s.type}),
      'inArrears', bool_or(${s.inArrears}),
      'maxArrearsMonths', max(${s.arrearsMonths}),
      'terminated', bool_and(${s.paymentStatus} = 'TERMINATED'))
    from ${s} where ${s.uscc} = k.key having count(*) > 0)`;
}

function headcountRow(): SQL<UnitHeadcountRow | null> {
  return sql<UnitHeadcountRow | null>`(select ${jsonObject(h)} from ${h} where ${h.uscc} = k.key)`;
}

/**
 * The requested parts for a batch of operators in ONE statement over the keys as a relation,
 * with a record for every key (parts null when the bureau has no record of the unit).
 */
export async function operatorsByUscc(db: SocialInsuranceDb, keys: readonly string[], parts: ReadonlySet<string>): Promise<Map<string, OperatorRecord>> {
  const rows = await db
    .select({
      uscc: sql<string>`k.key`,
      ...(parts.has('socialInsuranceStatus') ? { socialInsuranceStatus: statusSummary() } : {}),
      ...(parts.has('insuredHeadcount') ? { insuredHeadcount: headcountRow() } : {}),
    })
    .from(keysRelation(keys))
    .orderBy(sql`k.ord`);
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}

export interface SocialInsuranceStatisticsRow {
  district: string;
  units: number;
  unitsInArrears: number;
  unitsTerminated: number;
  headcountBands: { band: HeadcountBand; units: number }[];
}

/**
 * Per district (or the one given): units with a status record, those in arrears on any type,
 * those terminated on every type, and units per headcount band. One statement: the per-unit
 * fold of the status table fully joined to the band counts of the headcount table.
 */
export async function socialInsuranceStatistics(db: SocialInsuranceDb, district: string | null): Promise<SocialInsuranceStatisticsRow[]> {
  const perUnit = db
    .select({
      district: s.district,
      inArrears: sql<boolean>`bool_or(${s.inArrears})`.as('in_arrears'),
      terminated: sql<boolean>`bool_and(${s.paymentStatus} = 'TERMINATED')`.as('terminated'),
    })
    .from(s)
    .where(district ? eq(s.district, district) : undefined)
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
    .where(district ? eq(h.district, district) : undefined)
    .groupBy(h.district, h.band)
    .as('per_band');
  const bands = db
    .select({ district: perBand.district, bands: sql<Record<string, number>>`json_object_agg(${perBand.band}, ${perBand.units})`.as('bands') })
    .from(perBand)
    .groupBy(perBand.district)
    .as('b');
  const rows = await db
    .select({
      district: sql<string>`coalesce(${units.district}, ${bands.district})`,
      units: sql<number>`coalesce(${units.units}, 0)`,
      unitsInArrears: sql<number>`coalesce(${units.unitsInArrears}, 0)`,
      unitsTerminated: sql<number>`coalesce(${units.unitsTerminated}, 0)`,
      bands: bands.bands,
    })
    .from(units)
    .fullJoin(bands, eq(units.district, bands.district))
    .orderBy(sql`1`);
  const result = rows.map(({ bands: counts, ...row }) => ({
    ...row,
    headcountBands: headcountBand.enumValues.map((band) => ({ band, units: counts?.[band] ?? 0 })),
  }));
  // A district asked for by name always gets its row, zeros when the bureau has no unit there.
  if (district && result.length === 0) {
    result.push({ district, units: 0, unitsInArrears: 0, unitsTerminated: 0, headcountBands: headcountBand.enumValues.map((band) => ({ band, units: 0 })) });
  }
  return result;
}
