import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';
import { memberScope } from './db/schema';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The social-insurance subgraph (人社局) over an open database. Opens no port. */
export function createSocialInsuranceServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'social-insurance',
    typeDefs,
    resolvers,
    context: async (auth) => createContext(database.db, auth),
    database,
    gatewayKeys,
    memberScope,
  });
}
