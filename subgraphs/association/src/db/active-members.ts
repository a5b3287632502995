import { sql, type SQL } from 'drizzle-orm';
import { anyOf, type Database } from '@xiran/subgraph-kit';
import { activeMembers } from './schema';

/**
 * Membership as scope: an operator is a member, for MEMBERS grants and for the leads the
 * association sees, while its membership is ACTIVE and the latest member list still holds it
 * (`present`: a member left out of a full import is no longer one, though its row is kept). Read
 * through the active_members view, so that a scope check reads the member list, not the grades.
 */
export const activeMemberKeys: SQL = sql`select ${activeMembers.uscc} from ${activeMembers}`;

/** Which of `usccs` are active members, in one statement (a per-request loader's batch). */
export async function activeMembersAmong(db: Database, usccs: readonly string[]): Promise<Map<string, boolean>> {
  const rows = await db.select({ uscc: activeMembers.uscc }).from(activeMembers).where(anyOf(activeMembers.uscc, usccs));
  const active = new Set(rows.map((r) => r.uscc));
  return new Map(usccs.map((uscc) => [uscc, active.has(uscc)]));
}
