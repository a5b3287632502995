import { is } from 'drizzle-orm';
import { PgEnumColumn, type PgColumn } from 'drizzle-orm/pg-core';

/** A PostgreSQL array literal (`{"a","b"}`) for a list value, so it can travel inside a text[]. */
export function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v == null ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** The column's type as SQL, enum types qualified with their PostgreSQL schema. */
export function sqlType(column: PgColumn): string {
  if (is(column, PgEnumColumn)) {
    const { enumName, schema } = column.enum;
    return schema ? `"${schema}"."${enumName}"` : `"${enumName}"`;
  }
  return column.getSQLType();
}
