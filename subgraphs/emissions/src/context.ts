import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader } from '@xiran/subgraph-kit';
import { operatorsByUscc, outletsById, type EmissionsDb, type EmissionsScopes } from './db/queries';

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
    scopes,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
      // `Outlet.machines` belongs to machinesAndPermits.
      outlet: selectionLoader((keys, parts) => outletsById(db, keys, parts, scopes.machinesAndPermits)),
    },
  };
}

export type EmissionsContext = ReturnType<typeof createContext>;
