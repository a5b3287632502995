import { is } from 'drizzle-orm';
import { getTableConfig, getViewConfig, PgTable, PgView } from 'drizzle-orm/pg-core';
import type { GroupId } from '@xiran/auth';

/**
 * Which field group's data each table of a subgraph holds, by `schema.table`, declared once next
 * to the tables (each subgraph's db/schema.ts). null: no department's data (the replicated member
 * list is row scope, the intake bookkeeping is open to every caller). The derived-values check
 * (tests/src/derived-reveals.int.test.ts) reads it with the SQL each resolver runs: a resolver may
 * read only tables of the groups its field owns, summarises or reveals.
 */
export type TableGroups = ReadonlyMap<string, GroupId | null>;

export function tableGroups(entries: ReadonlyArray<readonly [PgTable | PgView, GroupId | null]>): TableGroups {
  return new Map(entries.map(([table, group]) => [qualifiedName(table), group]));
}

export function qualifiedName(table: PgTable | PgView): string {
  const config = is(table, PgView) ? getViewConfig(table) : getTableConfig(table);
  return `${config.schema ?? 'public'}.${config.name}`;
}

/** The tables among a module's exports (a db/schema.ts), by `schema.table`. */
export function tablesOf(module: Record<string, unknown>): string[] {
  return Object.values(module).filter((value): value is PgTable => is(value, PgTable)).map(qualifiedName);
}

/** `schema.table` of every table an SQL statement names (drizzle quotes both: "emissions"."machines"). */
export function tablesInSql(statement: string): string[] {
  return [...new Set([...statement.matchAll(/"([a-z_]+)"\."([a-z_]+)"/g)].map((m) => `${m[1]}.${m[2]}`))];
}
