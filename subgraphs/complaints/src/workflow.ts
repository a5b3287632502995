import { badUserInput } from '@xiran/common';
import type { TicketRow } from './db/schema';

type Channel = TicketRow['channel'];
type Status = TicketRow['status'];

/** 办理时限 in days: 12345 工单 15 days, 12315 投诉 30, 网上 15, 信访 60 (《信访工作条例》). */
export const DUE_DAYS: Readonly<Record<Channel, number>> = { HOTLINE_12345: 15, HOTLINE_12315: 30, PETITION: 60, ONLINE: 15 };

/** The ticket id's prefix per channel: `12345-2026-0001234`, `XF-2026-0000042`. */
export const CHANNEL_PREFIX: Readonly<Record<Channel, string>> = { HOTLINE_12345: '12345', HOTLINE_12315: '12315', PETITION: 'XF', ONLINE: 'WS' };

/** The statuses a ticket may not leave: 办结 and 不予受理 end its life. */
const FINAL_STATUSES: ReadonlySet<string> = new Set<Status>(['CLOSED', 'REJECTED']);

export function isFinal(status: unknown): boolean {
  return FINAL_STATUSES.has(String(status));
}

export const STATUS_LABELS: Readonly<Record<Status, string>> = {
  RECEIVED: '受理',
  TRANSFERRED: '转办',
  IN_PROGRESS: '办理中',
  REPLIED: '答复',
  CLOSED: '办结',
  REJECTED: '不予受理',
};

/**
 * Where a ticket may go from each status. A ticket is routed (or re-routed, when the handler sends
 * it back as not its own) until it has been answered; an answered ticket may be reopened
 * (重办, IN_PROGRESS) when the complainant is not satisfied; 不予受理 is decided before a reply,
 * 办结 at any point (a 12345 直办件 is settled on the call). A closed or refused ticket stays so.
 */
const NEXT: Readonly<Record<Status, readonly Status[]>> = {
  RECEIVED: ['TRANSFERRED', 'IN_PROGRESS', 'REPLIED', 'CLOSED', 'REJECTED'],
  TRANSFERRED: ['TRANSFERRED', 'IN_PROGRESS', 'REPLIED', 'CLOSED', 'REJECTED'],
  IN_PROGRESS: ['TRANSFERRED', 'IN_PROGRESS', 'REPLIED', 'CLOSED', 'REJECTED'],
  REPLIED: ['IN_PROGRESS', 'REPLIED', 'CLOSED'],
  CLOSED: [],
  REJECTED: [],
};

const label = (status: Status) => `${status} (${STATUS_LABELS[status]})`;

/** Refuses a move the workflow does not allow, as a BAD_USER_INPUT naming `field`. */
export function assertTransition(id: string, from: Status, to: Status, field = 'input.status'): void {
  if (NEXT[from].includes(to)) return;
  const reason = isFinal(from)
    ? `ticket ${id} is already ${label(from)}; a closed ticket cannot be changed`
    : `ticket ${id} is ${label(from)}; it can move to ${NEXT[from].map(label).join(', ')}, not ${label(to)}`;
  throw badUserInput(field, reason);
}
