import { selectionLoader } from '@xiran/subgraph-kit';
import { leadsById, operatorsByUscc, type AssociationDb } from './db/queries';

/** Per-request context: fresh DataLoaders, so nothing is cached across callers. */
export function createContext(db: AssociationDb) {
  return {
    db,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts)),
      lead: selectionLoader((keys) => leadsById(db, keys)),
    },
  };
}

export type AssociationContext = ReturnType<typeof createContext>;
