import { and, asc, desc, eq, getTableColumns, not, sql, type SQL } from 'drizzle-orm';
import { badUserInput } from '@xiran/common';
import { decodeCursor, encodeCursor } from '@xiran/subgraph-kit';
import type { AssociationDb } from './queries';
import { leadCondition, type LeadScope } from './lead-scope';
import { leads, type LeadRow, type LeadStatus } from './schema';

export interface LeadFilter {
  /** The routed district (the regulator's branch). */
  district?: string | null;
  status?: LeadStatus | null;
  routedAgency?: string | null;
  type?: LeadRow['type'] | null;
  overdue?: boolean | null;
}

/**
 * The two orders leads are paged in, each a keyset over (a date, id): `leads` most recently
 * reported first (as Operator.leads lists them), `overdueLeads` earliest deadline first.
 */
export type LeadOrder = 'RECENT' | 'DUE';

/** 逾期: not closed, and the feedback deadline was before `today` (Asia/Shanghai). */
export function overdueCondition(today: string): SQL {
  return sql`(${leads.status} <> 'CLOSED' and ${leads.feedbackDue} < ${today}::date)`;
}

export function isOverdue(lead: Pick<LeadRow, 'status' | 'feedbackDue'>, today: string): boolean {
  return lead.status !== 'CLOSED' && lead.feedbackDue < today;
}

/** The cursor of a lead in `order`: its date and id (ids may hold `/`, dates never do). */
export function leadCursorKey(lead: Pick<LeadRow, 'id' | 'reportedOn' | 'feedbackDue'>, order: LeadOrder): string {
  return `${order === 'RECENT' ? lead.reportedOn : lead.feedbackDue}/${lead.id}`;
}

export interface LeadKey {
  date: string;
  id: string;
}

/** The keyset position of a cursor from leadCursorKey; anything else is BAD_USER_INPUT `after`. */
export function decodeLeadCursor(after: string | null): LeadKey | null {
  if (!after) return null;
  const key = decodeCursor(after);
  const match = /^(\d{4}-\d{2}-\d{2})\/(.+)$/.exec(key);
  if (!match) throw badUserInput('after', 'is not a cursor returned by this API');
  return { date: match[1]!, id: match[2]! };
}

export const encodeLeadCursor = (lead: LeadRow, order: LeadOrder) => encodeCursor(leadCursorKey(lead, order));

function filterCondition(filter: LeadFilter, scope: LeadScope, today: string): SQL | undefined {
  return and(
    leadCondition(scope),
    filter.district ? eq(leads.routedDistrict, filter.district) : undefined,
    filter.status ? eq(leads.status, filter.status) : undefined,
    filter.routedAgency ? eq(leads.routedAgency, filter.routedAgency) : undefined,
    filter.type ? eq(leads.type, filter.type) : undefined,
    filter.overdue == null ? undefined : filter.overdue ? overdueCondition(today) : not(overdueCondition(today)),
  );
}

function afterCondition(order: LeadOrder, after: LeadKey | null): SQL | undefined {
  if (!after) return undefined;
  return order === 'RECENT'
    ? sql`(${leads.reportedOn}, ${leads.id}) < (${after.date}::date, ${after.id})`
    : sql`(${leads.feedbackDue}, ${leads.id}) > (${after.date}::date, ${after.id})`;
}

/**
 * One keyset page of the leads the caller may see (limit + 1 rows after `after`), and, when
 * asked, the filter's total as a scalar subquery of the same statement.
 */
export async function leadPage(
  db: AssociationDb,
  options: { filter: LeadFilter; order: LeadOrder; limit: number; after: LeadKey | null; withTotal: boolean; scope: LeadScope; today: string },
): Promise<{ rows: LeadRow[]; totalCount: number }> {
  const where = filterCondition(options.filter, options.scope, options.today);
  const count = () => sql<number>`(select count(*)::int from ${leads} where ${where ?? sql`true`})`;
  const orderBy = options.order === 'RECENT' ? [desc(leads.reportedOn), desc(leads.id)] : [asc(leads.feedbackDue), asc(leads.id)];
  const rows = await db
    .select({ ...getTableColumns(leads), totalCount: options.withTotal ? count() : sql<number>`0` })
    .from(leads)
    .where(and(where, afterCondition(options.order, options.after)))
    .orderBy(...orderBy)
    .limit(options.limit + 1);
  // Past the last page the subquery has no row to ride on: count on its own (rare).
  const totalCount = !options.withTotal
    ? 0
    : rows.length > 0
      ? rows[0]!.totalCount
      : ((await db.select({ n: sql<number>`count(*)::int` }).from(leads).where(where))[0]?.n ?? 0);
  return { rows: rows.map(({ totalCount: _total, ...lead }) => lead), totalCount };
}
