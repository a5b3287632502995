import { selectionLoader } from '@xiran/subgraph-kit';
import { operatorsByUscc, outletsById, type RegistrationDb } from './db/queries';

/** Per-request context: fresh DataLoaders, so nothing is cached across callers. */
export function createContext(db: RegistrationDb) {
  return {
    db,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts)),
      outlet: selectionLoader((keys) => outletsById(db, keys)),
    },
  };
}

export type RegistrationContext = ReturnType<typeof createContext>;
