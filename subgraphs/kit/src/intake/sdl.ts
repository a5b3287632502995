import { parse, type DocumentNode } from 'graphql';
import { subgraphSdlText, type HttpSubgraphName } from '@xiran/schema';

/**
 * A department's SDL file followed by the shared intake contract (subgraphs/kit/intake.graphql):
 * exactly what `npm run compose` composes, so the served schema and the supergraph cannot drift.
 */
export function subgraphTypeDefs(name: HttpSubgraphName): DocumentNode {
  return parse(subgraphSdlText(name));
}
