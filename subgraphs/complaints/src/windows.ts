import type { SubgraphAuth } from '@xiran/auth';
import { badUserInput } from '@xiran/common';
import { todayInShanghai } from '@xiran/subgraph-kit';

/**
 * Time windows of the complaint counts (spec: "Derived values reveal their sources"). Two counts
 * over windows that differ by one day differ by the tickets of that day: a caller free to choose
 * any window dates single tickets, which are complaintTickets' data. So only a caller holding
 * complaintTickets at OWNER or FULL (it may read every ticket's dates anyway) chooses any window;
 * every other caller (AGGREGATE statistics, MEMBERS, HANDLER) counts over a calendar month or
 * quarter that has ended, whose counts no longer move.
 */
export function choosesAnyWindow(auth: SubgraphAuth): boolean {
  const scope = auth.grants.get('complaintTickets')?.scope;
  return scope === 'OWNER' || scope === 'FULL';
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** True when [from, to] is exactly one calendar month or one calendar quarter. */
export function isCalendarWindow(from: string, to: string): boolean {
  const match = /^(\d{4})-(\d{2})-01$/.exec(from);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const endOf = (last: number) => `${year}-${pad(last)}-${pad(lastDay(year, last))}`;
  if (to === endOf(month)) return true;
  return (month - 1) % 3 === 0 && to === endOf(month + 2);
}

/** The last calendar quarter that has ended (Asia/Shanghai dates): the window when none is given. */
export function lastEndedQuarter(today = todayInShanghai()): { from: string; to: string } {
  const year = Number(today.slice(0, 4));
  const quarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3);
  const [y, q] = quarter === 0 ? [year - 1, 3] : [year, quarter - 1];
  const first = q * 3 + 1;
  return { from: `${y}-${pad(first)}-01`, to: `${y}-${pad(first + 2)}-${pad(lastDay(y, first + 2))}` };
}

/**
 * The window a caller counts over: as given for a caller who chooses any window; for the others a
 * calendar month or quarter that has ended (both ends given), or the last ended quarter when
 * `defaultWindow` and neither end is given. BAD_USER_INPUT otherwise.
 */
export function checkedWindow(
  auth: SubgraphAuth,
  window: { from: string | null; to: string | null },
  options: { defaultWindow: boolean },
): { from: string | null; to: string | null } {
  if (choosesAnyWindow(auth)) return window;
  if (window.from === null && window.to === null && options.defaultWindow) return lastEndedQuarter();
  const rule = 'must be a calendar month or quarter that has ended (from the 1st to the last day): without a complaintTickets grant, counts over other windows would date single tickets';
  if (window.from === null || window.to === null || !isCalendarWindow(window.from, window.to)) throw badUserInput(window.from === null ? 'from' : 'to', rule);
  if (window.to >= todayInShanghai()) throw badUserInput('to', rule);
  return window;
}
