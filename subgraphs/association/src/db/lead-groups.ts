import { sql } from 'drizzle-orm';
import type { Database } from '@xiran/subgraph-kit';
import { LEAD_TYPE_GROUPS } from '../lead-groups';
import { leads } from './schema';

/**
 * After a leads import: every lead the batch wrote carries its type's groups too (the association's
 * reports carry their type's groups). Only ever widened: a lead first made from a finding keeps the
 * rule's groups whatever a later file says, so a file can never open a lead's text to more callers.
 * One statement.
 */
export async function widenImportedLeadGroups(db: Database, batchId: string): Promise<void> {
  const byType = sql.join(
    Object.entries(LEAD_TYPE_GROUPS).map(([type, groups]) => sql`when ${type} then ${`{${groups.join(',')}}`}::text[]`),
    sql` `,
  );
  await db.execute(sql`
    update ${leads} set groups = array(
      select distinct g from unnest(${leads.groups} || (case ${leads.type}::text ${byType} end)) as u(g) order by g
    )
    where ${leads.batchId} = ${batchId}`);
}
