import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayKeyPair } from '../keys';
import { signSubgraphToken, SUBGRAPH_TOKEN_HEADER } from '../tokens';
import type { AuthorizedContext } from './authorization';

/**
 * A subgraph data source that signs every request: a short-lived ES256 token whose audience is
 * that subgraph, carrying the caller's claims, the request id and the caller's grants as the gateway
 * decided them. Subgraphs answer nothing without it.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<AuthorizedContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly keys: GatewayKeyPair,
  ) {
    super({ url });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<AuthorizedContext>): Promise<void> {
    const auth = 'context' in options ? options.context?.auth : undefined;
    if (!auth) throw new Error(`Refusing to call ${this.subgraph} without an authenticated caller`);
    // All the caller's grants: a subgraph also serves key fields of groups it does not own (Outlet.id).
    const grants = Object.fromEntries([...auth.grants.values()].map((g) => [g.group, [g.scope, g.grantId]]));
    const token = await signSubgraphToken(this.keys, this.subgraph, { principal: auth.principal, requestId: auth.requestId, grants });
    options.request.http?.headers.set(SUBGRAPH_TOKEN_HEADER, token);
  }
}
