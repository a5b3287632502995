import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader } from '@xiran/subgraph-kit';
import { leadsById, operatorsByUscc, type AssociationDb, type AssociationScopes } from './db/queries';

/** Per-request context: fresh DataLoaders and the caller's row scopes, nothing shared across callers. */
export function createContext(db: AssociationDb, auth: SubgraphAuth) {
  const scopes: AssociationScopes = {
    creditGrade: rowScope(auth, 'creditGrade'),
    creditScore: rowScope(auth, 'creditScore'),
    leads: rowScope(auth, 'leads'),
  };
  return {
    db,
    // The caller: its scopes for the change log, and the writer of an upload.
    auth,
    scopes,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
      lead: selectionLoader((keys) => leadsById(db, keys, scopes.leads)),
    },
  };
}

export type AssociationContext = ReturnType<typeof createContext>;
