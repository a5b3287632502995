import { and, count, desc, eq, getTableColumns, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { anyOf, jsonObject, jsonRows, keysRelation, type Database } from '@xiran/subgraph-kit';
import { complainants, tickets, type ComplainantRow, type TicketRow } from './schema';

export type ComplaintsDb = Database;

type Category = TicketRow['category'];
type Status = TicketRow['status'];

export interface CategoryCount {
  category: Category;
  count: number;
}

export interface StatusCount {
  status: Status;
  count: number;
}

export interface ComplaintSummaryRecord {
  total: number;
  open: number;
  byCategory: CategoryCount[];
  byStatus: StatusCount[];
}

/** A ticket row, with its complainant when the request asked for it (null: the ticket has none). */
export type TicketRecord = TicketRow & { complainant?: ComplainantRow | null };

/** The operator as this subgraph knows it: the key plus the parts a request asked for. */
export interface OperatorRecord {
  uscc: string;
  complaintSummary?: ComplaintSummaryRecord;
  complaints?: TicketRecord[];
}

/**
 * `tickets` under an alias, for the nested subqueries that read the table again: its `from` item
 * and its columns qualified by the alias (drizzle's `alias()` would print the bare alias as `from`).
 */
function ticketsAs(name: string) {
  const id = sql.identifier(name);
  const column = (c: PgColumn) => sql`${id}.${sql.identifier(c.name)}`;
  return {
    from: sql`${tickets} as ${id}`,
    uscc: column(tickets.uscc),
    district: column(tickets.district),
    receivedOn: column(tickets.receivedOn),
    category: column(tickets.category),
    status: column(tickets.status),
  };
}

type TicketsAlias = ReturnType<typeof ticketsAs>;

/** The days an operator's summary covers: today and the 89 days before it. */
const SUMMARY_DAYS = 90;

/**
 * `[{ <key>: value, count }]` of the rows of `t` matching `where`, grouped by its `key` column, as
 * a JSON array (empty, never null). Categories come most frequent first, statuses in workflow order.
 */
function countsBy(t: TicketsAlias, key: 'category' | 'status', where: SQL): SQL {
  const order = key === 'category' ? sql`g.n desc, g.value` : sql`g.value`;
  return sql`coalesce((select json_agg(json_build_object(${sql.raw(`'${key}'`)}, g.value, 'count', g.n) order by ${order}) from (select ${t[key]} as value, count(*)::int as n from ${t.from} where ${where} group by ${t[key]}) g), '[]'::json)`;
}

/** The operator summary's window: tickets naming `key`, received today or in the 89 days before. */
function inSummaryWindow(t: TicketsAlias, key: SQL): SQL {
  return sql`${t.uscc} = ${key} and ${t.receivedOn} > current_date - ${sql.raw(String(SUMMARY_DAYS))} and ${t.receivedOn} <= current_date`;
}

/** A correlated scalar subquery: the summary of the operator whose uscc is `key`, as JSON (never null). */
function summaryJson(key: SQL): SQL<ComplaintSummaryRecord> {
  const s = ticketsAs('cs');
  const c = ticketsAs('cc');
  const st = ticketsAs('cst');
  return sql<ComplaintSummaryRecord>`(select json_build_object(
    'total', count(*)::int,
    'open', (count(*) filter (where ${s.status} not in ('CLOSED', 'REJECTED')))::int,
    'byCategory', ${countsBy(c, 'category', inSummaryWindow(c, key))},
    'byStatus', ${countsBy(st, 'status', inSummaryWindow(st, key))}
  ) from ${s.from} where ${inSummaryWindow(s, key)})`;
}

/** The ticket's complainant as JSON (camelCase keys), or null: a correlated subquery. */
const complainantJson = sql<ComplainantRow | null>`(select ${jsonObject(complainants)} from ${complainants} where ${complainants.ticketId} = ${tickets.id})`;

const ticketOrder = sql`${tickets.receivedOn} desc, ${tickets.id} desc`;

/**
 * The operators' requested parts in ONE statement over the batch's keys (`unnest ... as k`):
 * a record for every key, with an empty list and a zero summary when no ticket names it.
 */
export async function operatorsByUscc(db: ComplaintsDb, keys: readonly string[], parts: ReadonlySet<string>): Promise<Map<string, OperatorRecord>> {
  const key = sql`k.key`;
  const rows = await db
    .select({
      uscc: sql<string>`k.key`,
      ...(parts.has('complaints')
        ? {
            complaints: jsonRows(tickets, sql`${tickets.uscc} = ${key}`, ticketOrder, {
              // Tickets' complainants, when selected, ride in the same statement.
              extra: parts.has('complaints.complainant') ? { complainant: complainantJson } : {},
            }) as SQL<TicketRecord[]>,
          }
        : {}),
      ...(parts.has('complaintSummary') ? { complaintSummary: summaryJson(key) } : {}),
    })
    .from(keysRelation(keys))
    .orderBy(sql`k.ord`);
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}


function ticketColumns(parts: ReadonlySet<string>) {
  return { ...getTableColumns(tickets), ...(parts.has('complainant') ? { complainant: complainantJson } : {}) };
}

/** Tickets by id, with their complainants folded in when asked: one statement. */
export async function ticketsById(db: ComplaintsDb, keys: readonly string[], parts: ReadonlySet<string>): Promise<Map<string, TicketRecord>> {
  const rows = await db.select(ticketColumns(parts)).from(tickets).where(anyOf(tickets.id, keys));
  return new Map(rows.map((row) => [row.id, row as TicketRecord]));
}

/** Complainants by ticket id: one statement per batch. */
export async function complainantsByTicket(db: ComplaintsDb, keys: readonly string[]): Promise<Map<string, ComplainantRow>> {
  const rows = await db.select().from(complainants).where(anyOf(complainants.ticketId, keys));
  return new Map(rows.map((row) => [row.ticketId, row]));
}

export interface TicketFilter {
  district?: string | null;
  status?: Status | null;
  category?: Category | null;
  receivedFrom?: string | null;
  receivedTo?: string | null;
  uscc?: string | null;
}

/** Keyset position: tickets are read by received date, newest first, then id descending. */
export interface TicketKey {
  receivedOn: string;
  id: string;
}

function filterCondition(filter: TicketFilter): SQL | undefined {
  return and(
    filter.district ? eq(tickets.district, filter.district) : undefined,
    filter.status ? eq(tickets.status, filter.status) : undefined,
    filter.category ? eq(tickets.category, filter.category) : undefined,
    filter.receivedFrom ? gte(tickets.receivedOn, filter.receivedFrom) : undefined,
    filter.receivedTo ? lte(tickets.receivedOn, filter.receivedTo) : undefined,
    filter.uscc ? eq(tickets.uscc, filter.uscc) : undefined,
  );
}

/**
 * One keyset page (limit + 1 rows after `after`, newest first) and, when asked, the filter's total
 * as a scalar subquery of the same statement.
 */
export async function ticketPage(
  db: ComplaintsDb,
  options: { filter: TicketFilter; limit: number; after: TicketKey | null; parts: ReadonlySet<string>; withTotal: boolean },
): Promise<{ rows: TicketRecord[]; totalCount: number }> {
  const where = filterCondition(options.filter);
  const total = options.withTotal ? sql<number>`(select count(*)::int from ${tickets} where ${where ?? sql`true`})` : sql<number>`0`;
  const after = options.after ? sql`(${tickets.receivedOn}, ${tickets.id}) < (${options.after.receivedOn}::date, ${options.after.id})` : undefined;
  const rows = await db
    .select({ ...ticketColumns(options.parts), totalCount: total })
    .from(tickets)
    .where(and(where, after))
    .orderBy(desc(tickets.receivedOn), desc(tickets.id))
    .limit(options.limit + 1);
  const totalCount = rows[0]?.totalCount ?? (options.withTotal ? await countTickets(db, where) : 0);
  return { rows: rows.map(({ totalCount: _total, ...row }) => row as TicketRecord), totalCount };
}

async function countTickets(db: ComplaintsDb, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tickets).where(where);
  return row?.n ?? 0;
}

export interface ComplaintStatisticsRow {
  district: string;
  tickets: number;
  operators: number;
  byCategory: CategoryCount[];
  byStatus: StatusCount[];
}

/**
 * Per district, tickets received from `from` to `to` (inclusive; `to` defaults to today, `from` to
 * 89 days before `to`), in one statement.
 */
export async function complaintStatistics(
  db: ComplaintsDb,
  options: { district: string | null; from: string | null; to: string | null },
): Promise<ComplaintStatisticsRow[]> {
  const to = sql`coalesce(${options.to}::date, current_date)`;
  const from = sql`coalesce(${options.from}::date, coalesce(${options.to}::date, current_date) - ${sql.raw(String(SUMMARY_DAYS - 1))})`;
  const inWindow = (receivedOn: SQL | PgColumn) => sql`${receivedOn} >= ${from} and ${receivedOn} <= ${to}`;
  const c = ticketsAs('sc');
  const st = ticketsAs('sst');
  return db
    .select({
      district: tickets.district,
      tickets: sql<number>`count(*)::int`,
      operators: sql<number>`count(distinct ${tickets.uscc})::int`,
      byCategory: countsBy(c, 'category', sql`${c.district} = ${tickets.district} and ${inWindow(c.receivedOn)}`) as SQL<CategoryCount[]>,
      byStatus: countsBy(st, 'status', sql`${st.district} = ${tickets.district} and ${inWindow(st.receivedOn)}`) as SQL<StatusCount[]>,
    })
    .from(tickets)
    .where(and(inWindow(tickets.receivedOn), options.district ? eq(tickets.district, options.district) : undefined))
    .groupBy(tickets.district)
    .orderBy(tickets.district);
}
