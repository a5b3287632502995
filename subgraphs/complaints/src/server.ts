import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { GatewayKeyPair } from '@xiran/auth';
import { createSubgraphServer, type ServiceDatabase } from '@xiran/subgraph-kit';
import { createContext } from './context';
import { resolvers } from './resolvers';
import { memberScope } from './db/schema';

export const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The complaints subgraph (信访局: 12345, 12315 and 信访 tickets) over an open database. Opens no port. */
export function createComplaintsServer(database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) {
  return createSubgraphServer({
    name: 'complaints',
    typeDefs,
    resolvers,
    context: async (auth) => createContext(database.db, auth),
    database,
    gatewayKeys,
    memberScope,
  });
}
