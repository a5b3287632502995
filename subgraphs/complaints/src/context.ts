import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader } from '@xiran/subgraph-kit';
import { complainantsByTicket, operatorsByUscc, ticketsById, type ComplaintsDb, type ComplaintsScopes } from './db/queries';

/** Per-request context: fresh DataLoaders and the caller's row scopes, nothing shared across callers. */
export function createContext(db: ComplaintsDb, auth: SubgraphAuth) {
  const scopes: ComplaintsScopes = {
    summary: rowScope(auth, 'complaintSummary'),
    tickets: rowScope(auth, 'complaintTickets'),
    text: rowScope(auth, 'complaintText'),
    complainant: rowScope(auth, 'complainantIdentity'),
  };
  return {
    db,
    auth,
    scopes,
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
      ticket: selectionLoader((keys, parts) => ticketsById(db, keys, parts, scopes)),
      complainant: selectionLoader((keys) => complainantsByTicket(db, keys, scopes.complainant)),
    },
  };
}

export type ComplaintsContext = ReturnType<typeof createContext>;
