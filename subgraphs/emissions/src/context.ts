import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader } from '@xiran/subgraph-kit';
import {
  inspectionsById,
  ledgerMonthsByKey,
  machinesById,
  operatorsByUscc,
  outletsById,
  penaltiesById,
  permitsById,
  type EmissionsDb,
  type EmissionsScopes,
} from './db/queries';

/** Per-request context: fresh DataLoaders and the caller's row scopes, nothing shared across callers. */
export function createContext(db: EmissionsDb, auth: SubgraphAuth) {
  const scopes: EmissionsScopes = {
    emissionSummary: rowScope(auth, 'emissionSummary'),
    machinesAndPermits: rowScope(auth, 'machinesAndPermits'),
    inspections: rowScope(auth, 'inspections'),
    penalties: rowScope(auth, 'penalties'),
  };
  return {
    db,
    auth,
    scopes,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
      // `Outlet.machines` belongs to machinesAndPermits.
      outlet: selectionLoader((keys, parts) => outletsById(db, keys, parts, scopes.machinesAndPermits)),
      // Single records by natural key, each under its group's scope: what the mutations answer.
      machine: selectionLoader((keys) => machinesById(db, keys, scopes.machinesAndPermits)),
      permit: selectionLoader((keys) => permitsById(db, keys, scopes.machinesAndPermits)),
      inspection: selectionLoader((keys) => inspectionsById(db, keys, scopes.inspections)),
      ledgerMonth: selectionLoader((keys) => ledgerMonthsByKey(db, keys, scopes.inspections)),
      penalty: selectionLoader((keys) => penaltiesById(db, keys, scopes.penalties)),
    },
  };
}

export type EmissionsContext = ReturnType<typeof createContext>;
