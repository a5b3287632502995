import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/**
 * Builds `json_build_object('camelKey', column, ...)` over a drizzle table, so that related rows
 * can be folded into one statement as JSON and come back with the same keys as a drizzle select.
 * Keys are our own column names (never input), hence `sql.raw`.
 */
export function jsonObject(table: PgTable, omit: readonly string[] = []): SQL {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => !omit.includes(key));
  return sql`json_build_object(${sql.join(
    columns.map(([key, column]) => sql`${sql.raw(`'${key}'`)}, ${column}`),
    sql`, `,
  )})`;
}

/**
 * A correlated subquery that yields the rows of `table` matching `where` as a JSON array (empty
 * array, never null), ordered by `orderBy`. Used as one column of a batched entity select.
 */
export function jsonRows(table: PgTable, where: SQL, orderBy: SQL, omit: readonly string[] = []): SQL<unknown[]> {
  return sql<unknown[]>`coalesce((select json_agg(${jsonObject(table, omit)} order by ${orderBy}) from ${table} where ${where}), '[]'::json)`;
}

/** `column = any($1::text[])` with the whole key list as one array parameter. */
export function anyOf(column: SQL | { name: string }, keys: readonly string[]): SQL {
  return sql`${column} = any(${sql.param(keys)}::text[])`;
}

/** `unnest($1::text[]) as k(key)`: the batch's keys as a relation, in the order given. */
export function keysRelation(keys: readonly string[], alias = 'k'): SQL {
  return sql`unnest(${sql.param(keys)}::text[]) with ordinality as ${sql.raw(alias)}(key, ord)`;
}

export function tableName(table: PgTable): string {
  return getTableName(table);
}
