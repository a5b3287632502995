import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/**
 * Builds `json_build_object('camelKey', column, ...)` over a drizzle table, so that related rows
 * can be folded into one statement as JSON and come back with the same keys as a drizzle select.
 * Keys are our own column names (never input), hence `sql.raw`.
 */
export function jsonObject(table: PgTable, omit: readonly string[] = [], extra: Record<string, SQL> = {}): SQL {
  const columns: Array<[string, unknown]> = Object.entries(getTableColumns(table)).filter(([key]) => !omit.includes(key));
  columns.push(...Object.entries(extra));
  return sql`json_build_object(${sql.join(
    columns.map(([key, value]) => sql`${sql.raw(`'${key}'`)}, ${value}`),
    sql`, `,
  )})`;
}

/**
 * A correlated subquery that yields the rows of `table` matching `where` as a JSON array (empty
 * array, never null), ordered by `orderBy`. Used as one column of a batched entity select;
 * `extra` adds keys computed per row (a nested part, correlated on the table's columns).
 */
export function jsonRows(table: PgTable, where: SQL, orderBy: SQL, options: { omit?: readonly string[]; extra?: Record<string, SQL> } = {}): SQL<unknown[]> {
  return sql<unknown[]>`coalesce((select json_agg(${jsonObject(table, options.omit, options.extra)} order by ${orderBy}) from ${table} where ${where}), '[]'::json)`;
}

/** `column = any($1::text[])` with the whole key list as one array parameter. */
export function anyOf(column: SQL | { name: string }, keys: readonly string[]): SQL {
  return sql`${column} = any(${sql.param(keys)}::text[])`;
}

/** `unnest($1::text[]) as k(key)`: the batch's keys as a relation, in the order given. */
export function keysRelation(keys: readonly string[], alias = 'k'): SQL {
  return sql`unnest(${sql.param(keys)}::text[]) with ordinality as ${sql.raw(alias)}(key, ord)`;
}
