import { LEAD_HANDLERS } from '@xiran/auth';
import { badUserInput, forbidden, type Agency } from '@xiran/common';
import type { Writer } from '@xiran/subgraph-kit';
import type { LeadRow, LeadStatus } from './db/schema';

/**
 * 联动: what the regulator a lead is routed to does with it. 已报送 → 已受理 (acceptLead) →
 * 调查中 (startLeadInvestigation) → 已办结 (closeLead, with the 处理结果). A lead may be closed
 * straight after acceptance (settled without an investigation); a closed lead stays closed.
 */
const NEXT: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  REPORTED: ['ACCEPTED'],
  ACCEPTED: ['INVESTIGATING', 'CLOSED'],
  INVESTIGATING: ['CLOSED'],
  CLOSED: [],
};

/** How the refusal of a move reads: "lead L… is CLOSED; it cannot be accepted". */
const MOVE_WORDS: Readonly<Record<LeadStatus, string>> = {
  REPORTED: 'reported',
  ACCEPTED: 'accepted',
  INVESTIGATING: 'put under investigation',
  CLOSED: 'closed',
};

/** Refuses a move the workflow does not allow: BAD_USER_INPUT on `input.id`, naming the current status. */
export function assertLeadTransition(id: string, from: LeadStatus, to: LeadStatus): void {
  if (NEXT[from].includes(to)) return;
  throw badUserInput('input.id', `lead ${id} is ${from}; it cannot be ${MOVE_WORDS[to]}`, { status: from });
}

/**
 * Only the regulator a lead is routed to handles it: its agency, and for a district-level caller
 * its district's branch. The caller has already been shown to see the lead (a reporter may see a
 * lead it cannot handle), so FORBIDDEN here reveals nothing it did not know.
 */
export function assertHandler(id: string, lead: Pick<LeadRow, 'routedAgency' | 'routedDistrict'>, writer: Writer): void {
  const handles = LEAD_HANDLERS.includes(writer.agency as Agency) && lead.routedAgency === writer.agency;
  if (!handles) throw forbidden(`lead ${id} is routed to ${lead.routedAgency}; only that regulator handles it.`, { field: 'input.id' });
  if (writer.district && lead.routedDistrict !== writer.district) {
    throw forbidden(`lead ${id} is routed to the ${lead.routedDistrict} branch; a ${writer.district} uploader handles only its own district's leads.`, { field: 'input.id' });
  }
}
