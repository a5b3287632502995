import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { AuthorizedContext } from './enforcement/authorization';
import type { MemberScopeSync } from './enforcement/member-scope-sync';

/** The association's writes that may change who is a member: an admission, a reactivation, a member list. */
const MEMBERSHIP_WRITES: ReadonlySet<string> = new Set(['recordMembership', 'importAssociationData']);

/**
 * Membership is scope: after a mutation that may change the member list, the gateway syncs MEMBERS
 * scope before it answers, so that an admission widens the grantees' view, and is in the audit
 * trail as a SCOPE_CHANGE, by the time the association hears it was recorded (the scheduled sync
 * catches what is written around the gateway; POST /imports/:dataset syncs like the mutation, see imports/after-import.ts). A failed sync does not
 * undo the write; it is logged and the schedule retries.
 */
export function useMemberScopeRefresh(sync: MemberScopeSync, log: (error: unknown) => void = (e) => console.error('[member-scope] sync after a membership write failed', e)): ApolloServerPlugin<AuthorizedContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const writes = operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && MEMBERSHIP_WRITES.has(s.name.value));
          if (!writes) return;
          const { principal, requestId } = contextValue.auth;
          await sync.syncOnce({ sub: principal.sub, agency: principal.agency, requestId }).catch(log);
        },
      };
    },
  };
}
