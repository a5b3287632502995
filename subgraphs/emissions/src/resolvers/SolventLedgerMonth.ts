import type { SolventLedgerRow } from '../db/schema';

export const SolventLedgerMonth = {
  /** Grams of solvent per kg of garments; null for a month without garments. */
  solventGramsPerKg: (row: SolventLedgerRow) => (row.garmentsKg === 0 ? null : (row.consumedKg * 1000) / row.garmentsKg),
};
