import { and, eq, sql, type SQL } from 'drizzle-orm';
import { anyOf, type Database } from '@xiran/subgraph-kit';
import { memberships } from './schema';

/**
 * Membership as scope: an operator is a member, for MEMBERS grants and for the leads the
 * association sees, while its membership is ACTIVE and the latest member list still holds it
 * (`present`: a member left out of a full import is no longer one, though its row is kept).
 */
export const activeMembership: SQL = sql`${memberships.status} = 'ACTIVE' and ${memberships.present}`;

/** `select uscc from memberships where <active>`, for an `in (...)` condition. */
export const activeMemberKeys: SQL = sql`select ${memberships.uscc} from ${memberships} where ${activeMembership}`;

/** Which of `usccs` are active members, in one statement (a per-request loader's batch). */
export async function activeMembersAmong(db: Database, usccs: readonly string[]): Promise<Map<string, boolean>> {
  const rows = await db
    .select({ uscc: memberships.uscc })
    .from(memberships)
    .where(and(anyOf(memberships.uscc, usccs), eq(memberships.status, 'ACTIVE'), eq(memberships.present, true)));
  const active = new Set(rows.map((r) => r.uscc));
  return new Map(usccs.map((uscc) => [uscc, active.has(uscc)]));
}
