import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader } from '@xiran/subgraph-kit';
import { operatorsByUscc, outletsById, registeredUscc, type RegistrationDb, type RegistrationScopes } from './db/queries';

/** Per-request context: fresh DataLoaders and the caller's row scopes, nothing shared across callers. */
export function createContext(db: RegistrationDb, auth: SubgraphAuth) {
  const scopes: RegistrationScopes = { registration: rowScope(auth, 'registration'), outlets: rowScope(auth, 'outlets') };
  return {
    db,
    auth,
    scopes,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
      outlet: selectionLoader((keys) => outletsById(db, keys, scopes.outlets)),
      registered: selectionLoader((keys) => registeredUscc(db, keys)),
    },
  };
}

export type RegistrationContext = ReturnType<typeof createContext>;
