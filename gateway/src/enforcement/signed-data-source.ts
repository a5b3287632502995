import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { type GatewayKeyPair, type GroupId, bodyHash, DISCLOSED_EXTENSION, GROUP_IDS, signSubgraphToken, SUBGRAPH_TOKEN_HEADER } from '@xiran/auth';
import type { AuthorizedContext } from './authorization';

/**
 * A subgraph data source that signs every request: a short-lived ES256 token whose audience is
 * that subgraph, carrying the caller's claims, the request id and the caller's grants as the gateway
 * decided them, and the hash of the request's body. Subgraphs answer nothing without it, and
 * nothing with it but that body.
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
    const token = await signSubgraphToken(this.keys, this.subgraph, { principal: auth.principal, requestId: auth.requestId, grants, bodyHash: bodyHash(requestBody(options.request)) });
    options.request.http?.headers.set(SUBGRAPH_TOKEN_HEADER, token);
  }

  /**
   * A subgraph reports, in its answer's extensions, the groups that per-row derived values
   * disclosed (a lead's facts repeat the groups it cites): they join the request's audit entry.
   * Subgraph extensions never reach the caller.
   */
  override async didReceiveResponse({ response, context }: { response: GatewayGraphQLResponse; context: AuthorizedContext }): Promise<GatewayGraphQLResponse> {
    const reported = response.extensions?.[DISCLOSED_EXTENSION] as Record<string, unknown> | undefined;
    if (!reported) return response;
    context.disclosed ??= new Map();
    for (const [group, operators] of Object.entries(reported)) {
      if (!(GROUP_IDS as readonly string[]).includes(group) || !Array.isArray(operators)) continue;
      const set = context.disclosed.get(group as GroupId) ?? new Set<string>();
      for (const uscc of operators) if (typeof uscc === 'string') set.add(uscc);
      context.disclosed.set(group as GroupId, set);
    }
    const { [DISCLOSED_EXTENSION]: _reported, ...rest } = response.extensions!;
    return { ...response, extensions: rest };
  }
}

/**
 * The body RemoteGraphQLDataSource will send (sendRequest: JSON of the request without `http`,
 * `query` first; APQ is off), built the same way so that its hash matches the bytes on the wire.
 */
export function requestBody(request: GraphQLDataSourceProcessOptions['request']): string {
  const { query, http: _http, ...rest } = request;
  return JSON.stringify({ query, ...rest });
}
