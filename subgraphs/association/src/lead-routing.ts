import { randomBytes } from 'node:crypto';
import { LEAD_HANDLERS } from '@xiran/auth';
import type { Agency } from '@xiran/common';
import type { LeadRow } from './db/schema';

/**
 * How the platform routes a 违规线索 the association reports (reportLead): to the regulator
 * competent for its type, at the operator's district, copied to 商务局, with a feedback deadline.
 * A lead refreshed by CSV import carries its routing as the association's records give it.
 */

export type LeadType = LeadRow['type'];
export type RoutedAgency = Extract<Agency, 'market' | 'environment' | 'hrss'>;

/**
 * The agencies a lead may be routed to: the write catalogue's lead handlers, who alone may accept,
 * investigate and close one (also the allowed values of the leads dataset's routed_agency).
 */
export const ROUTED_AGENCIES: readonly Agency[] = LEAD_HANDLERS;

/** The competent department per lead type. */
export const LEAD_AGENCY: Record<LeadType, RoutedAgency> = {
  CONSUMER_RIGHTS: 'market',
  PRICE: 'market',
  PREPAID_CARD: 'market',
  UNLICENSED: 'market',
  VOC: 'environment',
  HAZARDOUS_WASTE: 'environment',
  SOCIAL_INSURANCE: 'hrss',
  // 市场监管 is the general regulator of a trading business: what fits no other type goes there first.
  OTHER: 'market',
};

// A lead routed to an agency the catalogue does not let handle it would sit unanswered forever.
for (const [type, agency] of Object.entries(LEAD_AGENCY)) {
  if (!ROUTED_AGENCIES.includes(agency)) throw new Error(`${type} leads are routed to ${agency}, which is not one of the catalogue's LEAD_HANDLERS`);
}

/** Working days the regulator has for its feedback when LEAD_FEEDBACK_WORKING_DAYS is not set. */
export const DEFAULT_FEEDBACK_WORKING_DAYS = 15;

/**
 * LEAD_FEEDBACK_WORKING_DAYS, read at each report so that a changed setting applies without a
 * code change. A value that is not a whole number of days (1-250) is a deployment error, not a
 * caller's: it throws rather than silently falling back.
 */
export function feedbackWorkingDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LEAD_FEEDBACK_WORKING_DAYS?.trim();
  if (!raw) return DEFAULT_FEEDBACK_WORKING_DAYS;
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days < 1 || days > 250) throw new Error(`LEAD_FEEDBACK_WORKING_DAYS must be a whole number of days from 1 to 250, not ${JSON.stringify(raw)}`);
  return days;
}

/**
 * The day `days` working days (Monday to Friday) after `from` (YYYY-MM-DD). Public holidays and
 * the weekend days worked in their place (调休) are not counted: the rule is Mon-Fri only.
 */
export function addWorkingDays(from: string, days: number): string {
  const date = new Date(`${from}T00:00:00Z`);
  let left = days;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return date.toISOString().slice(0, 10);
}

/** A new lead id: `L`, the day reported (yyyymmdd), and 8 random hex digits. */
export function newLeadId(reportedOn: string): string {
  return `L${reportedOn.replaceAll('-', '')}${randomBytes(4).toString('hex').toUpperCase()}`;
}

export interface LeadRouting {
  routedAgency: RoutedAgency;
  routedDistrict: string;
  copyToCommerce: true;
  feedbackDue: string;
  status: 'REPORTED';
}

/**
 * Routes a reported lead: the competent agency for its type, at the operator's district (the
 * regulator's district branch), always copied to 商务局 (洗染业's competent department).
 */
export function routeLead(lead: { type: LeadType; district: string; reportedOn: string }, env: NodeJS.ProcessEnv = process.env): LeadRouting {
  return {
    routedAgency: LEAD_AGENCY[lead.type],
    routedDistrict: lead.district,
    copyToCommerce: true,
    feedbackDue: addWorkingDays(lead.reportedOn, feedbackWorkingDays(env)),
    status: 'REPORTED',
  };
}
