import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, subgraphTypeDefs, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';
import { INTAKE } from './datasets';
import { memberScope, operatorDistricts } from './db/schema';

/** schema.graphql, followed by the kit's intake contract. */
export const typeDefs = subgraphTypeDefs('emissions');

/** The emissions subgraph (生态环境局) over an open database. Opens no port. */
export function createEmissionsServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'emissions',
    typeDefs,
    resolvers,
    context: async (auth) => createContext(database.db, auth),
    database,
    gatewayKeys,
    intake: INTAKE,
    memberScope,
    operatorDistricts,
  });
}
