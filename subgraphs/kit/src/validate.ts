import { badUserInput, checkUscc, ABOLISHED_DISTRICTS, isDistrictCode } from '@xiran/common';

/** Refuses a malformed 统一社会信用代码 (a failing check character is only a flag, not an error). */
export function requireUscc(field: string, value: string): string {
  const check = checkUscc(value);
  if (!check.ok) throw badUserInput(field, `${JSON.stringify(value)} is not a 统一社会信用代码: ${check.reason}`);
  return value;
}

export function requireDistrict(field: string, value: string): string {
  if (isDistrictCode(value)) return value;
  const abolished = ABOLISHED_DISTRICTS.get(value);
  throw badUserInput(field, abolished ?? `${JSON.stringify(value)} is not a Hangzhou district code (GB/T 2260, or HZ-XHFJ)`);
}

export function optionalDistrict(field: string, value: string | null | undefined): string | null {
  return value == null ? null : requireDistrict(field, value);
}
