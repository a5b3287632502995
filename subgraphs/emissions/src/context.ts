import { selectionLoader } from '@xiran/subgraph-kit';
import { operatorsByUscc, outletsById, type EmissionsDb } from './db/queries';

/** Per-request context: fresh DataLoaders, so nothing is cached across callers. */
export function createContext(db: EmissionsDb) {
  return {
    db,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts)),
      outlet: selectionLoader((keys, parts) => outletsById(db, keys, parts)),
    },
  };
}

export type EmissionsContext = ReturnType<typeof createContext>;
