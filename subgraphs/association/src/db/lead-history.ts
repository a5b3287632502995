import { asc, sql } from 'drizzle-orm';
import { anyOf, type Database, type Writer } from '@xiran/subgraph-kit';
import { leadEvents, leads, type LeadEventRow, type LeadStatus } from './schema';

/**
 * 办理记录: the events of a lead's life, one per step, with who took it. Written in the step's
 * own transaction (reportLead, the handler's transitions), so a lead's last event is its status.
 */

/** One step to record: the lead, what it moved to and from, who did it and why. */
export interface LeadStep {
  leadId: string;
  at: string;
  action: LeadStatus;
  fromStatus: LeadStatus | null;
  actor: Writer;
  note: string | null;
}

export async function insertLeadEvent(tx: Database, step: LeadStep): Promise<void> {
  await tx.insert(leadEvents).values({
    leadId: step.leadId,
    at: step.at,
    action: step.action,
    fromStatus: step.fromStatus,
    actorSub: step.actor.sub,
    actorAgency: step.actor.agency,
    actorDistrict: step.actor.district,
    note: step.note,
  });
}

/**
 * The history of every lead of a batch (the leads a request resolved), oldest first, in one
 * statement. The caller already saw the leads themselves: their history is within its scope.
 */
export async function leadHistories(db: Database, ids: readonly string[]): Promise<Map<string, LeadEventRow[]>> {
  const rows = await db.select().from(leadEvents).where(anyOf(leadEvents.leadId, ids)).orderBy(asc(leadEvents.leadId), asc(leadEvents.at), asc(leadEvents.id));
  const histories = new Map<string, LeadEventRow[]>();
  for (const row of rows) {
    const history = histories.get(row.leadId);
    if (history) history.push(row);
    else histories.set(row.leadId, [row]);
  }
  return histories;
}

/**
 * After a leads import (定期更新): the association's file may add leads or carry a status the
 * platform has not seen. For each lead the batch wrote whose last event is not its status, one
 * event records that status as the importer set it (the file says where a lead stands, not who
 * moved it there), so that every lead's history still ends with its status. One statement.
 */
export async function recordImportedStatuses(db: Database, batchId: string, importer: Writer, at: string): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`
    with last as (
      select l.id, l.status, (
        select e.action from ${leadEvents} e where e.lead_id = l.id order by e.at desc, e.id desc limit 1
      ) as action
      from ${leads} l where l.batch_id = ${batchId}
    ), inserted as (
      insert into ${leadEvents} (lead_id, at, action, from_status, actor_sub, actor_agency, actor_district, note)
      select id, ${at}::timestamptz, status, action, ${importer.sub}, ${importer.agency}, ${importer.district}, ${`import:${batchId}`}
      from last where action is distinct from status
      returning 1
    )
    select count(*)::int as n from inserted`);
  return result.rows[0]?.n ?? 0;
}
