import { sql } from 'drizzle-orm';
import { timestamp, varchar, type PgSchema } from 'drizzle-orm/pg-core';
import type { Database } from './database';
import { insertColumnar } from './seed';

/**
 * The association's membership list, replicated into each subgraph that grants MEMBERS scope, so
 * that "members only" is a SQL condition there like any other. The gateway refreshes it on a
 * schedule (membership is the association's data; the copy is read-only here).
 */
export function memberScopeTable(schema: PgSchema) {
  return schema.table('member_scope', {
    uscc: varchar('uscc', { length: 18 }).primaryKey(),
    syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  });
}

export type MemberScopeTable = ReturnType<typeof memberScopeTable>;

/** Replaces the replicated list in one transaction: readers see the old list or the new one. */
export async function replaceMemberScope(db: Database, table: MemberScopeTable, usccs: readonly string[]): Promise<void> {
  const syncedAt = new Date().toISOString();
  await db.transaction(async (tx) => {
    await tx.delete(table);
    await insertColumnar(tx, table, [...new Set(usccs)].map((uscc) => ({ uscc, syncedAt })));
  });
}

/** `select uscc from <schema>.member_scope`, for `scopeCondition`. */
export function membersOf(table: MemberScopeTable) {
  return sql`select ${table.uscc} from ${table}`;
}
