import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLRequest, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Kind, parse, type GraphQLFormattedError, type SelectionSetNode } from 'graphql';
import { Agent, fetch as undiciFetch, Response } from 'undici';
import { type GatewayKeyPair, type GroupId, bodyHash, DISCLOSED_EXTENSION, GROUP_IDS, signSubgraphToken, SUBGRAPH_TOKEN_HEADER } from '@xiran/auth';
import { ErrorCode } from '@xiran/common';
import type { AuthorizedContext } from './authorization';

type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

/**
 * A subgraph data source that signs every request: a short-lived ES256 token whose audience is
 * that subgraph, carrying the caller's claims, the request id and the caller's grants as the gateway
 * decided them, and the hash of the request's body. Subgraphs answer nothing without it, and
 * nothing with it but that body.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<AuthorizedContext> {
  /** Keep-alive connections to this subgraph; closed by `close()` when the gateway stops. */
  private readonly agent: Agent;

  /**
   * `timeoutMs` bounds the whole call (connect, headers, body). Nothing is retried: undici's fetch
   * and Agent never retry (only its RetryAgent does), and RemoteGraphQLDataSource has no retry of
   * its own, so a mutation is sent once.
   */
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly keys: GatewayKeyPair,
    timeoutMs = 10_000,
  ) {
    // Idle connections are dropped before the subgraph's own keepAliveTimeout (65 s) would close them under a request.
    const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
    super({ url, fetcher: unavailableAsFieldErrors(subgraph, agent, timeoutMs) });
    this.agent = agent;
  }

  /** Closes the kept-alive connections (the gateway's stop). */
  async close(): Promise<void> {
    await this.agent.close();
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

/**
 * The fetch of a subgraph data source. A subgraph that refuses the connection, answers 502/503/504,
 * or does not answer in full within `timeoutMs` costs the caller its fields only: the answer is
 * made here, SUBGRAPH_UNAVAILABLE at each field this fetch would have filled (the gateway maps
 * `_entities` paths onto the caller's), and every other department's data is served as usual.
 * The body is read inside, so that the timeout covers it too.
 */
function unavailableAsFieldErrors(subgraph: string, agent: Agent, timeoutMs: number): Fetcher {
  const fetcher = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) => {
    let reason: string;
    try {
      const response = await undiciFetch(url, { ...init, dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (![502, 503, 504].includes(response.status)) return new Response(text, { status: response.status, headers: response.headers });
      reason = `http ${response.status}`;
    } catch (error) {
      reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'not reachable';
      console.error(`[gateway] subgraph ${subgraph} ${reason}:`, error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error);
    }
    const request = JSON.parse(init.body ?? '{}') as GatewayGraphQLRequest;
    const errors = unavailableAt(request, `The ${subgraph} subgraph is unavailable (${reason}); its fields are null.`);
    return Response.json({ data: null, errors });
  };
  return fetcher as unknown as Fetcher;
}

/**
 * One SUBGRAPH_UNAVAILABLE error per field the failed fetch selected, with the path in the
 * subgraph's answer: `_entities.<i>.<field>` for an entity fetch (the fields of the fragment on
 * that representation's type), `<field>` for a root fetch.
 */
export function unavailableAt(request: GatewayGraphQLRequest, message: string): GraphQLFormattedError[] {
  const extensions = { code: ErrorCode.SUBGRAPH_UNAVAILABLE };
  const operation = parse(request.query ?? '{ __typename }').definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return [{ message, extensions }];
  const errors: GraphQLFormattedError[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
    const key = selection.alias?.value ?? selection.name.value;
    if (selection.name.value !== '_entities' || !selection.selectionSet) {
      errors.push({ message, path: [key], extensions });
      continue;
    }
    const representations = (request.variables?.representations ?? []) as Array<{ __typename?: string }>;
    representations.forEach((representation, index) => {
      for (const field of fieldsFor(selection.selectionSet!, representation.__typename)) errors.push({ message, path: [key, index, field], extensions });
    });
  }
  return errors.length ? errors : [{ message, extensions }];
}

/** Response keys selected on `typename` inside `_entities` (its inline fragments), without `__typename`. */
function fieldsFor(selectionSet: SelectionSetNode, typename: string | undefined): string[] {
  const keys: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT && (!selection.typeCondition || selection.typeCondition.name.value === typename)) keys.push(...fieldsFor(selection.selectionSet, typename));
    else if (selection.kind === Kind.FIELD && selection.name.value !== '__typename') keys.push(selection.alias?.value ?? selection.name.value);
  }
  return [...new Set(keys)];
}
