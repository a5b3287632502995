import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The association subgraph (杭州洗染行业协会) over an open database. Opens no port. */
export function createAssociationServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'association',
    typeDefs,
    resolvers,
    context: async (auth) => createContext(database.db, auth),
    database,
    gatewayKeys,
  });
}
