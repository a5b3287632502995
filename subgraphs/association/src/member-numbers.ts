import { badUserInput } from '@xiran/common';

/**
 * A 会员编号 belongs to one operator (memberships_member_number_idx), but the memberships
 * dataset's key is the uscc: the merge upserts on the uscc, so a number already held by another
 * member (or twice in one file) reaches the database as a unique violation, and its transaction
 * rolls back. This turns that violation into the caller's error.
 */
const CONSTRAINT = 'memberships_member_number_idx';

/** The error as the caller should see it: BAD_USER_INPUT on `field` for a taken member number, else unchanged. */
export function memberNumberError(error: unknown, field: string): unknown {
  // drizzle wraps the driver's error: the violation is somewhere along `cause`.
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const { code, constraint, detail } = e as { code?: unknown; constraint?: unknown; detail?: unknown };
    if (code === '23505' && constraint === CONSTRAINT) {
      const number = /=\((.*)\)/.exec(String(detail ?? ''))?.[1];
      // Which member holds it is not said: it may be another district's.
      return badUserInput(field, `${number ? `member number ${number}` : 'a member number'} is already held by another member`);
    }
  }
  return error;
}
