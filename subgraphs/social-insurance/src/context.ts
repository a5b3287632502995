import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader } from '@xiran/subgraph-kit';
import { operatorsByUscc, type SocialInsuranceDb, type SocialInsuranceScopes } from './db/queries';

/** Per-request context: fresh DataLoaders and the caller's row scopes, nothing shared across callers. */
export function createContext(db: SocialInsuranceDb, auth: SubgraphAuth) {
  const scopes: SocialInsuranceScopes = {
    socialInsuranceStatus: rowScope(auth, 'socialInsuranceStatus'),
    insuredHeadcount: rowScope(auth, 'insuredHeadcount'),
  };
  return {
    db,
    auth,
    scopes,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
    },
  };
}

export type SocialInsuranceContext = ReturnType<typeof createContext>;
