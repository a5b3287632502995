import type { SolventUseRecord } from '../db/queries';

export const SolventUse = {
  /** A reference for the gateway to resolve (registration owns the operator's own fields). */
  operator: (use: SolventUseRecord) => ({ uscc: use.uscc }),
};
