import type { ComplaintTallyRow } from '../db/queries';

export const ComplaintTally = {
  /** A reference for the gateway to resolve (registration owns the operator's own fields). */
  operator: (tally: ComplaintTallyRow) => ({ uscc: tally.uscc }),
};
