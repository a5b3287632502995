import { sql, type SQL } from 'drizzle-orm';
import { timestamp, varchar, type PgColumn, type PgSchema, type PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database';
import { insertColumnar } from './seed';

/**
 * Each operator's registered district (the registry's, 市场监管局), replicated into each subgraph
 * whose district uploaders write about operators: "only about operators registered in its
 * district" is then a SQL condition of the merge, for one upload and a 50,000-row import alike.
 * The gateway refreshes it on a schedule (see useOperatorDistrictSync); the copy is read-only here.
 */
export function operatorDistrictTable(schema: PgSchema) {
  return schema.table('operator_districts', {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    district: varchar('district', { length: 8 }).notNull(),
    syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  });
}

export type OperatorDistrictTable = ReturnType<typeof operatorDistrictTable>;

export interface OperatorDistrict {
  uscc: string;
  district: string;
}

/** Replaces the replicated map in one transaction: a write sees the old map or the new one. */
export async function replaceOperatorDistricts(db: Database, table: OperatorDistrictTable, rows: readonly OperatorDistrict[]): Promise<void> {
  const syncedAt = new Date().toISOString();
  const unique = [...new Map(rows.map((row) => [row.uscc, row])).values()];
  await db.transaction(async (tx) => {
    await tx.delete(table);
    await insertColumnar(tx, table, unique.map((row) => ({ ...row, syncedAt })));
  });
}

/**
 * `select uscc, district from …`: where a subgraph finds registered districts. Its replicated map,
 * or, in the registry itself, its own operators table.
 */
export function registeredDistricts(table: PgTable, columns: { uscc: PgColumn; district: PgColumn }): SQL {
  return sql`select ${columns.uscc} as uscc, ${columns.district} as district from ${table}`;
}
