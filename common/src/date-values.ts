/**
 * What the platform's Date and DateTime scalars accept, in one place: the subgraphs' scalars, the
 * gateway-local APIs' and the gateway's check of an operation's arguments all ask these.
 */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written `YYYY-MM-DD` (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** An instant that `Date` can read (ISO-8601, with or without a zone). */
export function isInstant(text: string): boolean {
  return !Number.isNaN(new Date(text).getTime());
}

export const DATE_EXPECTED = 'must be a date written YYYY-MM-DD';
export const DATE_TIME_EXPECTED = 'must be an ISO-8601 date-time, e.g. 2026-11-01T00:00:00Z';
