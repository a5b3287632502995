import type { GraphQLSchema } from 'graphql';
import { LocalGraphQLDataSource } from '@apollo/gateway';
import { shieldSubgraphSchema } from '@xiran/auth';

/**
 * A graph served inside the gateway (the catalogue, the cross-check), with the second layer the
 * HTTP subgraphs have: the catalogue enforced again per field (graphql-shield) on the request's
 * own context, so that a field the filter let through by mistake, or an operation run without
 * a caller, is still refused (a reader's `runCrossCheck`, whose resolver checks nothing itself).
 */
export function localDataSource(schema: GraphQLSchema): LocalGraphQLDataSource {
  return new LocalGraphQLDataSource(shieldSubgraphSchema(schema));
}
