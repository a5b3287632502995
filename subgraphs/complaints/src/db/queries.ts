import { and, asc, count, desc, eq, getTableColumns, gte, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { anyOf, jsonObject, jsonRows, keysRelation, membersOf, scopeCondition, suppressComplements, suppressSmall, type Database, type RowScope } from '@xiran/subgraph-kit';
import { complainants, memberScope, tickets, type ComplainantRow, type TicketRow } from './schema';

export type ComplaintsDb = Database;

/** Row scopes of this subgraph's four groups for one request (限定知悉范围, applied in SQL). */
export interface ComplaintsScopes {
  /** complaintSummary: Operator.complaintSummary and complaintStatistics. */
  summary: RowScope;
  /** complaintTickets: the tickets themselves (lists, entities, Operator.complaints). */
  tickets: RowScope;
  /** complaintText: ComplaintTicket.text, null where the caller may see the ticket but not its text. */
  text: RowScope;
  /** complainantIdentity: ComplaintTicket.complainant. */
  complainant: RowScope;
}

const members = membersOf(memberScope);

/** The scope conjunct over `tickets` (or an alias of it): district, routed agency, member operators. */
function ticketScope(scope: RowScope, t: { district: SQL | PgColumn; handlingAgency: SQL | PgColumn; uscc: SQL | PgColumn } = tickets): SQL {
  return scopeCondition({ district: t.district, handler: t.handlingAgency, uscc: t.uscc, members }, scope);
}

/** The agency the complainant's ticket is routed to (complainants carry no copy of it). */
const complainantHandler = sql`(select ch.handling_agency from ${tickets} as ch where ch.id = ${complainants.ticketId})`;

/** The scope conjunct over `complainants`. */
function complainantScope(scope: RowScope): SQL {
  return scopeCondition({ district: complainants.district, handler: complainantHandler, uscc: complainants.uscc, members }, scope);
}

/** The ticket's text where the complaintText scope reaches the row, else null: a CASE on the same row. */
function scopedText(scope: RowScope): SQL<string | null> {
  return sql<string | null>`case when ${ticketScope(scope)} then ${tickets.text} end`;
}

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
    handlingAgency: column(tickets.handlingAgency),
  };
}

type TicketsAlias = ReturnType<typeof ticketsAs>;

/** The days an operator's summary covers: today and the 89 days before it. */
const SUMMARY_DAYS = 90;

/**
 * `[{ <key>: value, count }]` of the rows of `t` matching `where`, grouped by its `key` column, as
 * a JSON array (empty, never null). Categories come most frequent first, statuses in workflow order.
 * With `withOperators`, each entry also carries `operators`: the distinct operators behind the cell.
 */
function countsBy(t: TicketsAlias, key: 'category' | 'status', where: SQL, withOperators = false): SQL {
  const order = key === 'category' ? sql`g.n desc, g.value` : sql`g.value`;
  const operators = withOperators ? sql`, 'operators', g.o` : sql``;
  const distinct = withOperators ? sql`, count(distinct ${t.uscc})::int as o` : sql``;
  return sql`coalesce((select json_agg(json_build_object(${sql.raw(`'${key}'`)}, g.value, 'count', g.n${operators}) order by ${order}) from (select ${t[key]} as value, count(*)::int as n${distinct} from ${t.from} where ${where} group by ${t[key]}) g), '[]'::json)`;
}

/** The operator summary's window: tickets naming `key`, received today or in the 89 days before. */
function inSummaryWindow(t: TicketsAlias, key: SQL): SQL {
  return sql`${t.uscc} = ${key} and ${t.receivedOn} > current_date - ${sql.raw(String(SUMMARY_DAYS))} and ${t.receivedOn} <= current_date`;
}

/**
 * A correlated scalar subquery: the summary of the operator whose uscc is `key`, as JSON (never
 * null), over the tickets the caller's complaintSummary scope reaches (zeros for the others).
 */
function summaryJson(key: SQL, scope: RowScope): SQL<ComplaintSummaryRecord> {
  const s = ticketsAs('cs');
  const c = ticketsAs('cc');
  const st = ticketsAs('cst');
  const window = (t: TicketsAlias) => sql`${inSummaryWindow(t, key)} and ${ticketScope(scope, t)}`;
  return sql<ComplaintSummaryRecord>`(select json_build_object(
    'total', count(*)::int,
    'open', (count(*) filter (where ${s.status} not in ('CLOSED', 'REJECTED')))::int,
    'byCategory', ${countsBy(c, 'category', window(c))},
    'byStatus', ${countsBy(st, 'status', window(st))}
  ) from ${s.from} where ${window(s)})`;
}

/** The ticket's complainant as JSON (camelCase keys), or null (none, or out of scope): a correlated subquery. */
function complainantJson(scope: RowScope): SQL<ComplainantRow | null> {
  return sql<ComplainantRow | null>`(select ${jsonObject(complainants)} from ${complainants} where ${complainants.ticketId} = ${tickets.id} and ${complainantScope(scope)})`;
}

const ticketOrder = sql`${tickets.receivedOn} desc, ${tickets.id} desc`;

/**
 * The operators' requested parts in ONE statement over the batch's keys (`unnest ... as k`):
 * a record for every key, with an empty list and a zero summary when no ticket in the caller's
 * scope names it. Each part is filtered with its own group's scope.
 */
export async function operatorsByUscc(
  db: ComplaintsDb,
  keys: readonly string[],
  parts: ReadonlySet<string>,
  scopes: ComplaintsScopes,
): Promise<Map<string, OperatorRecord>> {
  const key = sql`k.key`;
  const rows = await db
    .select({
      uscc: sql<string>`k.key`,
      ...(parts.has('complaints')
        ? {
            complaints: jsonRows(tickets, sql`${tickets.uscc} = ${key} and ${ticketScope(scopes.tickets)}`, ticketOrder, {
              omit: ['text'],
              extra: {
                text: scopedText(scopes.text),
                // Tickets' complainants, when selected, ride in the same statement.
                ...(parts.has('complaints.complainant') ? { complainant: complainantJson(scopes.complainant) } : {}),
              },
            }) as SQL<TicketRecord[]>,
          }
        : {}),
      ...(parts.has('complaintSummary') ? { complaintSummary: summaryJson(key, scopes.summary) } : {}),
    })
    .from(keysRelation(keys))
    .orderBy(sql`k.ord`);
  return new Map(rows.map((row) => [row.uscc, row as OperatorRecord]));
}


/** A ticket's columns with its text under the complaintText scope, and its complainant when asked. */
function ticketColumns(parts: ReadonlySet<string>, scopes: ComplaintsScopes) {
  return {
    ...getTableColumns(tickets),
    text: scopedText(scopes.text),
    ...(parts.has('complainant') ? { complainant: complainantJson(scopes.complainant) } : {}),
  };
}

/** Tickets by id within the caller's scope (others: absent, so null), complainants folded in when asked: one statement. */
export async function ticketsById(db: ComplaintsDb, keys: readonly string[], parts: ReadonlySet<string>, scopes: ComplaintsScopes): Promise<Map<string, TicketRecord>> {
  const rows = await db
    .select(ticketColumns(parts, scopes))
    .from(tickets)
    .where(and(anyOf(tickets.id, keys), ticketScope(scopes.tickets)));
  return new Map(rows.map((row) => [row.id, row as TicketRecord]));
}

/** Complainants by ticket id within the complainantIdentity scope: one statement per batch. */
export async function complainantsByTicket(db: ComplaintsDb, keys: readonly string[], scope: RowScope): Promise<Map<string, ComplainantRow>> {
  const rows = await db
    .select()
    .from(complainants)
    .where(and(anyOf(complainants.ticketId, keys), complainantScope(scope)));
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

function filterCondition(filter: TicketFilter, scope: RowScope): SQL | undefined {
  return and(
    ticketScope(scope),
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
  options: { filter: TicketFilter; limit: number; after: TicketKey | null; parts: ReadonlySet<string>; withTotal: boolean; scopes: ComplaintsScopes },
): Promise<{ rows: TicketRecord[]; totalCount: number }> {
  const where = filterCondition(options.filter, options.scopes.tickets);
  const total = options.withTotal ? sql<number>`(select count(*)::int from ${tickets} where ${where ?? sql`true`})` : sql<number>`0`;
  const after = options.after ? sql`(${tickets.receivedOn}, ${tickets.id}) < (${options.after.receivedOn}::date, ${options.after.id})` : undefined;
  const rows = await db
    .select({ ...ticketColumns(options.parts, options.scopes), totalCount: total })
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

/** A statistics cell as the caller may read it: null when suppressed for an AGGREGATE grant. */
type Cell = number | null;

export interface ComplaintStatisticsRow {
  district: string;
  tickets: Cell;
  operators: Cell;
  byCategory: Array<{ category: Category; count: Cell }>;
  byStatus: Array<{ status: Status; count: Cell }>;
}

/** A per-key count with the distinct operators behind it, as the statistics query reads it. */
type CountWithOperators<K extends string, V> = { [P in K]: V } & { count: number; operators: number };

/**
 * Per district, tickets received from `from` to `to` (inclusive; `to` defaults to today, `from` to
 * 89 days before `to`), in one statement, over the tickets the caller's complaintSummary scope
 * reaches. For an AGGREGATE grant, a cell with fewer than 3 operators behind it is null: `operators`
 * by its own value, `tickets` by the district's operators, a category or status count by the
 * operators named by that cell's tickets.
 */
export async function complaintStatistics(
  db: ComplaintsDb,
  options: { district: string | null; from: string | null; to: string | null; scope: RowScope },
): Promise<ComplaintStatisticsRow[]> {
  const { scope } = options;
  const to = sql`coalesce(${options.to}::date, current_date)`;
  const from = sql`coalesce(${options.from}::date, coalesce(${options.to}::date, current_date) - ${sql.raw(String(SUMMARY_DAYS - 1))})`;
  const inWindow = (receivedOn: SQL | PgColumn) => sql`${receivedOn} >= ${from} and ${receivedOn} <= ${to}`;
  const c = ticketsAs('sc');
  const st = ticketsAs('sst');
  const cellWhere = (t: TicketsAlias) => sql`${t.district} = ${tickets.district} and ${inWindow(t.receivedOn)} and ${ticketScope(scope, t)}`;
  const rows = await db
    .select({
      district: tickets.district,
      tickets: sql<number>`count(*)::int`,
      operators: sql<number>`count(distinct ${tickets.uscc})::int`,
      byCategory: countsBy(c, 'category', cellWhere(c), true) as SQL<Array<CountWithOperators<'category', Category>>>,
      byStatus: countsBy(st, 'status', cellWhere(st), true) as SQL<Array<CountWithOperators<'status', Status>>>,
    })
    .from(tickets)
    .where(and(inWindow(tickets.receivedOn), options.district ? eq(tickets.district, options.district) : undefined, ticketScope(scope)))
    .groupBy(tickets.district)
    .orderBy(tickets.district);
  return rows.map((row) => {
    const tickets = suppressSmall(row.tickets, row.operators, scope);
    // The categories partition the tickets, and so do the statuses: where one cell is suppressed
    // and the total shown, a second is suppressed too (no subtraction recovers the first).
    const byCategory = suppressComplements(tickets, row.byCategory.map((x) => suppressSmall(x.count, x.operators, scope)), scope);
    const byStatus = suppressComplements(tickets, row.byStatus.map((x) => suppressSmall(x.count, x.operators, scope)), scope);
    return {
      district: row.district,
      tickets,
      operators: suppressSmall(row.operators, row.operators, scope),
      byCategory: row.byCategory.map((x, i) => ({ category: x.category, count: byCategory[i] ?? null })),
      byStatus: row.byStatus.map((x, i) => ({ status: x.status, count: byStatus[i] ?? null })),
    };
  });
}

/** The row of a district no ticket in scope falls in: zeros, each suppressed as the caller must see it. */
export function emptyStatisticsRow(district: string, scope: RowScope): ComplaintStatisticsRow {
  return { district, tickets: suppressSmall(0, 0, scope), operators: suppressSmall(0, 0, scope), byCategory: [], byStatus: [] };
}

/** One operator's tickets in a window, as complainedOperators answers it. */
export interface ComplaintTallyRow {
  uscc: string;
  tickets: number;
  open: number;
}

/**
 * 相互比对: per operator of `district` (tickets naming a uscc), the tickets received from `from` to
 * `to` (inclusive; `to` null: the database's today), of `category` when given, and how many are
 * still open; over the tickets the caller's complaintSummary scope reaches, as the operator's
 * summary counts them. Operators without a ticket are absent; most tickets first, then by uscc.
 * One statement, over (district, received_on).
 */
export async function complaintTallies(
  db: ComplaintsDb,
  options: { district: string; from: string; to: string | null; category: Category | null; scope: RowScope },
): Promise<ComplaintTallyRow[]> {
  const tally = sql<number>`count(*)::int`;
  return db
    .select({
      uscc: sql<string>`${tickets.uscc}`,
      tickets: tally,
      open: sql<number>`(count(*) filter (where ${tickets.status} not in ('CLOSED', 'REJECTED')))::int`,
    })
    .from(tickets)
    .where(
      and(
        eq(tickets.district, options.district),
        isNotNull(tickets.uscc),
        gte(tickets.receivedOn, options.from),
        sql`${tickets.receivedOn} <= coalesce(${options.to}::date, current_date)`,
        options.category ? eq(tickets.category, options.category) : undefined,
        ticketScope(options.scope),
      ),
    )
    .groupBy(tickets.uscc)
    .orderBy(desc(tally), asc(tickets.uscc));
}
