import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import { WRITES_BY_COORDINATE } from '@xiran/auth';

/**
 * Tells `onWrite` when a mutation that writes the registry (an operator's registration, its
 * district) has passed through the gateway, so that the operator→district map copied to the other
 * subgraphs follows within moments instead of at the next scheduled sync. A CSV sent to
 * `POST /imports/:dataset` (npm run import) tells it too (see imports/router.ts).
 */
export function useRegistryWriteNotice(onWrite: () => void): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation !== 'mutation') return;
          const writesRegistry = operation.selectionSet.selections.some(
            (selection) => selection.kind === Kind.FIELD && WRITES_BY_COORDINATE.get(`Mutation.${selection.name.value}`)?.subgraph === 'registration',
          );
          if (writesRegistry) onWrite();
        },
      };
    },
  };
}
