import type { SubgraphAuth } from '@xiran/auth';
import { rowScope, selectionLoader, todayInShanghai } from '@xiran/subgraph-kit';
import { activeMembersAmong } from './db/active-members';
import { leadHistories } from './db/lead-history';
import { leadScopeOf } from './db/lead-scope';
import { leadsById, operatorsByUscc, type AssociationDb, type AssociationScopes } from './db/queries';

/** Per-request context: fresh DataLoaders and the caller's row scopes, nothing shared across callers. */
export function createContext(db: AssociationDb, auth: SubgraphAuth) {
  const scopes: AssociationScopes = {
    creditGrade: rowScope(auth, 'creditGrade'),
    creditScore: rowScope(auth, 'creditScore'),
    leads: leadScopeOf(auth),
  };
  return {
    db,
    // The caller: its scopes for the change log, and the writer of an upload.
    auth,
    scopes,
    // One civil day per request: `overdue` and the overdue filters agree even across midnight.
    today: todayInShanghai(),
    loaders: {
      operator: selectionLoader((keys, parts) => operatorsByUscc(db, keys, parts, scopes)),
      lead: selectionLoader((keys) => leadsById(db, keys, scopes.leads)),
      // Every Lead.history of a request in one statement (leads of a page, of operators, of entities).
      leadHistory: selectionLoader((keys) => leadHistories(db, keys)),
      // Whether a lead's operator is an active member, asked only when a MEMBERS grant decides its text.
      activeMember: selectionLoader((keys) => activeMembersAmong(db, keys)),
    },
  };
}

export type AssociationContext = ReturnType<typeof createContext>;
