import type { AuditEntryInput } from './trail';

/**
 * What the trail keeps of a string that a caller could have chosen (an operation name, a claim).
 * PostgreSQL refuses NUL in text and `\u0000` in jsonb; a lone surrogate is sent as U+FFFD, so
 * the stored entry would no longer match the hash computed over the JS string; and a megabyte of
 * operation name costs every entry of its batch the time to write it. So, before an entry joins
 * a batch: control characters and lone surrogates become U+FFFD, and the length is bounded.
 */

/** Longest free text kept (operation name, subject); longer text is cut and its length noted. */
export const MAX_AUDIT_TEXT = 256;
/** Longest string kept inside the JSON parts (disclosed, refused, detail). */
const MAX_JSON_TEXT = 1024;

// Any character that may need rewriting: a cheap test keeps ordinary entries on the fast path.
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Well-formed, printable text of at most `max` UTF-16 units (a cut says how long the original was). */
export function normaliseText(value: string, max = MAX_AUDIT_TEXT): string {
  let text = SUSPECT.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '\uFFFD') : value;
  if (text.length > max) {
    const note = `…[${value.length} chars]`;
    // Cutting may split a surrogate pair: mend it again.
    text = text.slice(0, Math.max(0, max - note.length)).replace(LONE_SURROGATE, '\uFFFD') + note;
  }
  return text;
}

/** A column of fixed width (varchar(n)): cut hard, no note, so that it always fits. */
function fixedText(value: string | null, width: number): string | null {
  if (value === null) return null;
  const text = SUSPECT.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '\uFFFD') : value;
  return text.length > width ? text.slice(0, width).replace(LONE_SURROGATE, '\uFFFD') : text;
}

/** Every string in a JSON value, keys included, normalised and bounded. */
function normaliseJson(value: unknown): unknown {
  if (typeof value === 'string') return normaliseText(value, MAX_JSON_TEXT);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(normaliseJson);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[normaliseText(key)] = normaliseJson(inner);
  return out;
}

/** The entry as the trail stores it: every string fits its column and PostgreSQL accepts it. */
export function normaliseEntry(entry: AuditEntryInput): AuditEntryInput {
  return {
    kind: fixedText(entry.kind, 20)!,
    requestId: fixedText(entry.requestId, 64)!,
    sub: entry.sub === null ? null : normaliseText(entry.sub),
    agency: fixedText(entry.agency, 20),
    level: fixedText(entry.level, 10),
    district: fixedText(entry.district, 8),
    operationName: entry.operationName === null ? null : normaliseText(entry.operationName),
    operationHash: fixedText(entry.operationHash, 64),
    disclosed: normaliseJson(entry.disclosed),
    refused: normaliseJson(entry.refused),
    detail: normaliseJson(entry.detail ?? null),
  };
}
