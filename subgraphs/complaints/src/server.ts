import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, subgraphTypeDefs, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';
import { INTAKE } from './datasets';
import { memberScope, operatorDistricts } from './db/schema';

/** schema.graphql, followed by the kit's intake contract. */
export const typeDefs = subgraphTypeDefs('complaints');

/** The complaints subgraph (信访局: 12345, 12315 and 信访 tickets) over an open database. Opens no port. */
export function createComplaintsServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'complaints',
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
