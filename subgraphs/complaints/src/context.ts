import { selectionLoader } from '@xiran/subgraph-kit';
import { complainantsByTicket, operatorsByUscc, ticketsById, type ComplaintsDb } from './db/queries';

/** Per-request context: fresh DataLoaders, so nothing is cached across callers. */
export function createContext(db: ComplaintsDb) {
  return {
    db,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts)),
      ticket: selectionLoader((keys, parts) => ticketsById(db, keys, parts)),
      complainant: selectionLoader((keys) => complainantsByTicket(db, keys)),
    },
  };
}

export type ComplaintsContext = ReturnType<typeof createContext>;
