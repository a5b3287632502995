import type { HttpSubgraphName } from '@xiran/schema';
import type { GatewayAuth } from '../enforcement/authentication';
import type { MemberScopeSync } from '../enforcement/member-scope-sync';

/**
 * What follows a successful import through `POST /imports/:dataset`, as it follows the same
 * import mutation on /graphql (useRegistryWriteNotice, useMemberScopeRefresh): a registry import
 * moves the operator→district map (synced soon); an association import may change the member
 * list, so MEMBERS scope is synced, and recorded, before the answer leaves. A failed sync does not
 * undo the import; it is logged and the schedule retries.
 */
export function afterImport(options: { memberScope: MemberScopeSync; onRegistryWrite: () => void }) {
  return async (subgraph: HttpSubgraphName, auth: GatewayAuth): Promise<void> => {
    if (subgraph === 'registration') options.onRegistryWrite();
    if (subgraph === 'association') {
      const { principal, requestId } = auth;
      await options.memberScope.syncOnce({ sub: principal.sub, agency: principal.agency, requestId }).catch((e) => console.error('[member-scope] sync after a membership import failed', e));
    }
  };
}
