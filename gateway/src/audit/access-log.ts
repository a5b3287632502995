import { and, desc, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { auditLog, operatorDistricts, type AuditRow } from '../db/schema';

type Db = NodePgDatabase<Record<string, unknown>>;

export interface AccessLogFilter {
  /** Entries that disclosed or refused any of these groups. */
  groups: readonly string[];
  /** The groups whose parts of an entry the reader may see (those its agency owns). */
  visible: readonly string[];
  from?: string | null;
  to?: string | null;
  agency?: string | null;
  uscc?: string | null;
  /**
   * The reader, when its view is limited to a district (an owner at district level): only entries
   * that disclosed operators registered there, only those operators, and staff ids of its own
   * agency only.
   */
  district?: { code: string; agency: string } | null;
}

interface Disclosure { group: string; grant: string | null; operators: string[] }
interface Refusal { group: string | null; coordinate: string | null; code: string }

/** Entries about any of `groups` (disclosed or refused), or about one operator in them: jsonb containment. */
function touches(groups: readonly string[], uscc: string | null | undefined): SQL {
  const parts = groups.map((group) => {
    const disclosed = JSON.stringify([uscc ? { group, operators: [uscc] } : { group }]);
    const refused = JSON.stringify([{ group }]);
    return uscc ? sql`${auditLog.disclosed} @> ${disclosed}::jsonb` : sql`(${auditLog.disclosed} @> ${disclosed}::jsonb or ${auditLog.refused} @> ${refused}::jsonb)`;
  });
  return parts.length ? sql`(${sql.join(parts, sql` or `)})` : sql`false`;
}

/**
 * Entries that disclosed any of `groups` for an operator registered in `district` (and, given
 * `uscc`, for that operator): the registry's map (gateway.operator_districts) supplies the
 * districts the log does not keep.
 */
function touchesDistrict(groups: readonly string[], district: string, uscc: string | null | undefined): SQL {
  return sql`exists (
    select 1 from jsonb_array_elements(${auditLog.disclosed}) d
    cross join jsonb_array_elements_text(d->'operators') op(uscc)
    join ${operatorDistricts} od on od.uscc = op.uscc
    where d->>'group' = any(${sql.param([...groups])}::text[]) and od.district = ${district}
      ${uscc ? sql`and op.uscc = ${uscc}` : sql``})`;
}

/** Of `usccs`, those registered in `district`. */
async function registeredIn(db: Db, district: string, usccs: readonly string[]): Promise<Set<string>> {
  if (usccs.length === 0) return new Set();
  const rows = await db.execute<{ uscc: string }>(sql`
    select uscc from ${operatorDistricts} where district = ${district} and uscc = any(${sql.param([...new Set(usccs)])}::text[])`);
  return new Set(rows.rows.map((r) => r.uscc));
}

/** A page of entries about the given groups, newest first (keyset on seq), only those groups' parts shown. */
export async function accessLogPage(db: Db, filter: AccessLogFilter, page: { limit: number; beforeSeq: number | null }) {
  const where = and(
    filter.district ? touchesDistrict(filter.groups, filter.district.code, filter.uscc) : touches(filter.groups, filter.uscc),
    filter.from ? gte(auditLog.at, filter.from) : undefined,
    filter.to ? lte(auditLog.at, filter.to) : undefined,
    filter.agency ? sql`${auditLog.agency} = ${filter.agency}` : undefined,
  );
  const rows = await db
    .select({ row: auditLog, totalCount: sql<number>`(select count(*)::int from ${auditLog} where ${where})` })
    .from(auditLog)
    .where(and(where, page.beforeSeq ? lt(auditLog.seq, page.beforeSeq) : undefined))
    .orderBy(desc(auditLog.seq))
    .limit(page.limit + 1);
  const owned = new Set(filter.visible);
  const narrowed = rows.map(({ row }) => narrow(row, owned));
  return {
    totalCount: rows[0]?.totalCount ?? 0,
    rows: filter.district ? await narrowToDistrict(db, narrowed, filter.district) : narrowed,
  };
}

function narrow(row: AuditRow, groups: ReadonlySet<string>) {
  return {
    ...row,
    disclosed: (row.disclosed as Disclosure[]).filter((d) => groups.has(d.group)),
    refused: (row.refused as Refusal[]).filter((r) => r.group !== null && groups.has(r.group)),
  };
}

/**
 * An entry as an owner at district level sees it: the operators registered in its district only
 * (a disclosure left with none is dropped); no refusals, which name no operator and so cannot be
 * placed in a district; and the staff id (`sub`) of its own agency's readers only. Who in another
 * agency read is that agency's matter: the district owner sees which agency, level and district
 * read, not which person. The owner at city level, who answers for the group, sees every `sub`.
 */
async function narrowToDistrict(db: Db, rows: Array<ReturnType<typeof narrow>>, reader: { code: string; agency: string }) {
  const mine = await registeredIn(db, reader.code, rows.flatMap((row) => row.disclosed.flatMap((d) => d.operators)));
  return rows.map((row) => ({
    ...row,
    sub: row.agency === reader.agency ? row.sub : null,
    disclosed: row.disclosed.map((d) => ({ ...d, operators: d.operators.filter((uscc) => mine.has(uscc)) })).filter((d) => d.operators.length > 0),
    refused: [],
  }));
}

/**
 * Reads per agency and group: requests that disclosed the group, and distinct operators. With
 * `district`, only disclosures of operators registered there count (a district caller's view).
 */
export async function accessCounts(db: Db, range: { from?: string | null; to?: string | null }, district: string | null = null) {
  const result = await db.execute<{ agency: string; group: string; reads: number; operators: number }>(sql`
    select a.agency, d->>'group' as "group", count(distinct a.seq)::int as reads,
           count(distinct op.value)::int as operators
    from ${auditLog} a
    cross join lateral jsonb_array_elements(a.disclosed) d
    ${district
      ? sql`join lateral jsonb_array_elements_text(d->'operators') op on true
    join ${operatorDistricts} od on od.uscc = op.value and od.district = ${district}`
      : sql`left join lateral jsonb_array_elements_text(d->'operators') op on true`}
    where a.agency is not null
      ${range.from ? sql`and a.at >= ${range.from}` : sql``}
      ${range.to ? sql`and a.at <= ${range.to}` : sql``}
    group by a.agency, d->>'group'
    order by a.agency, d->>'group'`);
  return result.rows;
}
