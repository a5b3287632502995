import { and, eq, gt, gte, sql } from 'drizzle-orm';
import { badUserInput } from '@xiran/auth';
import { encodeCursor, pageWindow, type Database } from '@xiran/subgraph-kit';
import { leadsDataset } from '../datasets';
import { leadCondition, restricts, type LeadScope } from './lead-scope';
import { changeLog, leads } from './schema';

/**
 * `changes(since:) { leads }` within the lead scope (lead-scope.ts). The kit's change feed limits a
 * HANDLER by the agency the change log recorded a lead as routed to; a reporting agency must also
 * see the changes of the leads it reported, which only the lead itself knows. So each change is
 * kept when its lead is one the caller may see now, with the same condition as every other read.
 */
export async function leadChangePage(db: Database, scope: LeadScope, args: { since: string; first?: number | null; after?: string | null }) {
  const { limit, afterKey } = pageWindow(args.first ?? 100, args.after);
  const afterSeq = afterKey === null ? null : Number(afterKey);
  if (afterSeq !== null && !Number.isSafeInteger(afterSeq)) throw badUserInput('after', 'is not a cursor returned by this API');
  const visible = restricts(scope) ? sql`exists (select 1 from ${leads} where ${leads.id} = ${changeLog.recordKey} and ${leadCondition(scope)})` : undefined;
  const rows = await db
    .select()
    .from(changeLog)
    .where(and(eq(changeLog.dataset, leadsDataset.name), gte(changeLog.at, args.since), afterSeq === null ? undefined : gt(changeLog.seq, afterSeq), visible))
    .orderBy(changeLog.seq)
    .limit(limit + 1);
  const nodes = rows.slice(0, limit);
  return {
    nodes,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: nodes.length ? encodeCursor(String(nodes[nodes.length - 1]!.seq)) : null },
  };
}
