import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, subgraphTypeDefs, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';
import { INTAKE } from './datasets';
import { operatorDistricts } from './db/schema';

/** schema.graphql, followed by the kit's intake contract. */
export const typeDefs = subgraphTypeDefs('association');

/** The association subgraph (杭州洗染行业协会) over an open database. Opens no port. */
export function createAssociationServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'association',
    typeDefs,
    resolvers,
    context: async (auth) => createContext(database.db, auth),
    database,
    gatewayKeys,
    intake: INTAKE,
    operatorDistricts,
  });
}
