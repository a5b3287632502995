import { and, desc, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { auditLog, type AuditRow } from '../db/schema';

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

/** A page of entries about the given groups, newest first (keyset on seq), only those groups' parts shown. */
export async function accessLogPage(db: Db, filter: AccessLogFilter, page: { limit: number; beforeSeq: number | null }) {
  const where = and(
    touches(filter.groups, filter.uscc),
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
  return {
    totalCount: rows[0]?.totalCount ?? 0,
    rows: rows.map(({ row }) => narrow(row, owned)),
  };
}

function narrow(row: AuditRow, groups: ReadonlySet<string>) {
  return {
    ...row,
    disclosed: (row.disclosed as Disclosure[]).filter((d) => groups.has(d.group)),
    refused: (row.refused as Refusal[]).filter((r) => r.group !== null && groups.has(r.group)),
  };
}

/** Reads per agency and group: requests that disclosed the group, and distinct operators. */
export async function accessCounts(db: Db, range: { from?: string | null; to?: string | null }) {
  const result = await db.execute<{ agency: string; group: string; reads: number; operators: number }>(sql`
    select a.agency, d->>'group' as "group", count(distinct a.seq)::int as reads,
           count(distinct op.value)::int as operators
    from ${auditLog} a
    cross join lateral jsonb_array_elements(a.disclosed) d
    left join lateral jsonb_array_elements_text(d->'operators') op on true
    where a.agency is not null
      ${range.from ? sql`and a.at >= ${range.from}` : sql``}
      ${range.to ? sql`and a.at <= ${range.to}` : sql``}
    group by a.agency, d->>'group'
    order by a.agency, d->>'group'`);
  return result.rows;
}
