/**
 * Chinese phone numbers as complainants give them: a mainland mobile (1[3-9] and nine digits) or a
 * landline with its area code (0571-87654321; 3- or 4-digit codes, 7- or 8-digit numbers).
 */
const MOBILE = '1[3-9]\\d{9}';
const LANDLINE = '0\\d{2,3}-\\d{7,8}';

const WHOLE = new RegExp(`^(?:${MOBILE}|${LANDLINE})$`);
/** Digits around the match are part of a longer number (an amount, a serial), not a phone. */
const INSIDE = new RegExp(`(?<![\\d-])(?:${MOBILE}|${LANDLINE})(?![\\d-])`);

/** The number as stored (spaces people type between digit groups dropped), or null when it is none. */
export function normalizePhone(raw: string): string | null {
  const compact = raw.trim().replace(/[\s\u3000]+/g, '');
  return WHOLE.test(compact) ? compact : null;
}

/** Whether a text still carries a phone number: a redacted complaint text must not. */
export function containsPhoneNumber(text: string): boolean {
  return INSIDE.test(text);
}
