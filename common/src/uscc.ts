/**
 * GB 32100-2015 统一社会信用代码. 18 characters over an alphabet of 31 (no I, O, Z, S, V).
 * Position 18 is a check character over positions 1-17; positions 9-17 are the GB 11714
 * organisation code with its own check digit at position 17.
 *
 * Some early pilot areas issued codes that fail the check, and real registries hold them, so a
 * failed check is a flag on the record, not a rejection. A malformed shape is an error.
 */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export type UsccCheck =
  | { ok: true; checkDigitValid: boolean }
  | { ok: false; reason: string };

export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** GB 11714 check character over the first 8 characters of an organisation code. */
export function organisationCheckCharacter(first8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = first8[i]!;
    const value = /[0-9]/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55; // A=10 .. Z=35
    sum += value * ORG_WEIGHTS[i]!;
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export function checkUscc(value: string): UsccCheck {
  if (typeof value !== 'string' || value.length !== 18) {
    return { ok: false, reason: 'must be 18 characters' };
  }
  if (!SHAPE.test(value)) {
    return { ok: false, reason: 'must use digits and the letters of GB 32100 (no I, O, Z, S, V), with digits in positions 3-8' };
  }
  return { ok: true, checkDigitValid: usccCheckCharacter(value.slice(0, 17)) === value[17] };
}

/** Completes 17 characters into a code with a valid position-18 check (used by the seed). */
export function completeUscc(first17: string): string {
  return first17 + usccCheckCharacter(first17);
}
