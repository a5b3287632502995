import { selectionLoader } from '@xiran/subgraph-kit';
import { operatorsByUscc, type SocialInsuranceDb } from './db/queries';

/** Per-request context: fresh DataLoaders, so nothing is cached across callers. */
export function createContext(db: SocialInsuranceDb) {
  return {
    db,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts)),
    },
  };
}

export type SocialInsuranceContext = ReturnType<typeof createContext>;
