import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, subgraphTypeDefs, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';
import { INTAKE } from './datasets';
import { memberScope } from './db/schema';

/** schema.graphql, followed by the kit's intake contract. */
export const typeDefs = subgraphTypeDefs('registration');

/** The registration subgraph (市场监管局) over an open database. Opens no port. */
export function createRegistrationServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'registration',
    typeDefs,
    resolvers,
    context: async (auth) => createContext(database.db, auth),
    database,
    gatewayKeys,
    intake: INTAKE,
    memberScope,
  });
}
