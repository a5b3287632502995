import { intBetween, rng } from '@xiran/subgraph-kit';
import type { LeadStatus, NewLeadEventRow, NewLeadRow } from './schema';

/** Shanghai is UTC+8 all year: office hours there, as minutes after UTC midnight. */
const OFFICE_OPENS = 9 * 60 - 8 * 60;
const OFFICE_MINUTES = 8 * 60;

/** Seeded events are the seed's own: no token stands behind them. */
const SEED_ACTOR = 'seed';

/** Share of seeded closed leads that went through 调查中 before 办结 (the others were settled on acceptance). */
const INVESTIGATED_BEFORE_CLOSING = 0.7;

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function dayPlus(date: string, days: number): number {
  return Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
}

/**
 * The 办理记录 of one seeded lead, consistent with its status: reported on its day (by the
 * association), then accepted within a few days, investigated, and closed on the day of the
 * regulator's feedback (by the regulator's branch it was routed to), each step at a time of the
 * working day, strictly after the one before. Deterministic per lead, and drawn from a generator of
 * its own so that the leads themselves stay as they were before events were seeded.
 */
export function seedLeadEvents(lead: NewLeadRow, asOf: string): NewLeadEventRow[] {
  const random = rng(`association:lead-events:${lead.id}`);
  const closed = lead.status === 'CLOSED';
  const lastDay = daysBetween(lead.reportedOn, closed && lead.feedbackOn ? lead.feedbackOn : asOf);
  const accepted = Math.min(lastDay, intBetween(random, 0, 3));
  const investigated = Math.min(lastDay, accepted + intBetween(random, 1, 6));
  const steps: Array<[LeadStatus, number]> = [['REPORTED', 0]];
  if (lead.status !== 'REPORTED') steps.push(['ACCEPTED', accepted]);
  if (lead.status === 'INVESTIGATING' || (closed && random() < INVESTIGATED_BEFORE_CLOSING)) steps.push(['INVESTIGATING', investigated]);
  if (closed) steps.push(['CLOSED', lastDay]);

  let previous = Number.NEGATIVE_INFINITY;
  let fromStatus: LeadStatus | null = null;
  return steps.map(([action, day]) => {
    const candidate = dayPlus(lead.reportedOn, day) + (OFFICE_OPENS + intBetween(random, 0, OFFICE_MINUTES - 1)) * 60_000;
    // Two steps on one day: the later one a little after the earlier.
    const at = candidate > previous ? candidate : previous + intBetween(random, 5, 90) * 60_000;
    previous = at;
    const byHandler = action !== 'REPORTED';
    const event: NewLeadEventRow = {
      leadId: lead.id,
      at: new Date(at).toISOString(),
      action,
      fromStatus,
      actorSub: SEED_ACTOR,
      actorAgency: byHandler ? lead.routedAgency : (lead.reportedByAgency ?? 'association'),
      actorDistrict: byHandler ? lead.routedDistrict : null,
      note: null,
    };
    fromStatus = action;
    return event;
  });
}
