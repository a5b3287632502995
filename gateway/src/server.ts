import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ExecutionResult } from 'graphql';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { CallerKeys, GatewayKeyPair } from '@xiran/auth';
import { sql } from 'drizzle-orm';
import { ErrorCode, maskError } from '@xiran/common';
import { useDocumentLimits } from './enforcement/document-limits';
import { SignedDataSource } from './enforcement/signed-data-source';
import { useAuthentication } from './enforcement/authentication';
import { useAuthorization, type AuthorizedContext } from './enforcement/authorization';
import { catalogueSchema } from './catalogue-api';
import type { AuditTrail } from './audit/trail';
import type { PgGrantSource } from './db/grant-repository';
import { useMemberScopeSync, type MemberScopeSync } from './enforcement/member-scope-sync';
import { MEMBER_SCOPE_SUBGRAPHS, type HttpSubgraphName } from '@xiran/schema';
import type { Database } from '@xiran/subgraph-kit';
import type { GatewayConfig } from './config';
import { graphiqlRouter } from './graphiql';
import { sandboxWithOfflineLink } from './sandbox-landing-page';
import { useRegistryWriteNotice } from './registry-writes';
import { checkSubgraphs } from './health';
import { useExpensiveOperationLimit } from './rate-limits';
import { localDataSource } from './local-graphs';
import { createCrossCheck, type CrossCheck } from './crosscheck';
import type { ExecuteAs } from './crosscheck/api';
import { useMemberScopeRefresh } from './member-scope';
import { importRouter } from './imports/router';
import { afterImport } from './imports/after-import';
import { WindowCounter } from './enforcement/rate-limit';

export { localDataSource };

export interface GatewayServer {
  app: express.Express;
  /** 相互比对 (its schedule is started by the caller: index.ts, tests). */
  crossCheck: CrossCheck;
  /** MEMBERS scope: the association's member list copied to the subgraphs (its schedule is started by the caller). */
  memberScope: MemberScopeSync;
  httpServer: http.Server;
  /** Loads the supergraph, starts Apollo and listens (port 0: a free port). Returns the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** `/readyz` answers 503 from now on (the first step of a shutdown); `stop` implies it. */
  markNotReady(): void;
  stop(): Promise<void>;
}

/** The keys and grants the gateway enforces with, loaded by the caller (index.ts, tests). */
export interface GatewaySecurity {
  callerKeys: CallerKeys;
  gatewayKeys: GatewayKeyPair;
  /** Grants in the gateway's database; also serves the catalogue API and its mutations. */
  grants: PgGrantSource;
  /** The audit trail every answer waits for. */
  audit: AuditTrail;
  /** The gateway's own database (grants, audit trail), for the catalogue and access-log API. */
  database: Database;
  /** Called after a mutation that writes the registry (the operator→district map's sync, `soon`). */
  onRegistryWrite?: () => void;
}

/** The gateway over the committed supergraph. Creating it opens nothing. */
export function createGatewayServer(config: GatewayConfig, security: GatewaySecurity): GatewayServer {
  const { limits } = config;
  const authentication = useAuthentication({ keys: security.callerKeys, grants: security.grants, audit: security.audit, limits });
  // The cross-check queries this gateway itself (as its system principal, or as the caller for a
  // lead): through Apollo, so planning, enforcement and the audit trail apply to it like to anyone.
  let apolloServer: ApolloServer<AuthorizedContext> | undefined;
  const executeAs: ExecuteAs = async (auth, query, variables) => {
    if (!apolloServer) throw new Error('The gateway is not started');
    const response = await apolloServer.executeOperation({ query, variables }, { contextValue: { auth } });
    if (response.body.kind !== 'single') throw new Error('Incremental delivery is not used here');
    return response.body.singleResult as ExecutionResult;
  };
  // operatorAccessLog answers for an operator only if operator(uscc:) shows it to the same caller:
  // asked as that caller, through this gateway, so the registry's own row scope decides.
  const operatorVisible = async (auth: AuthorizedContext['auth'], uscc: string) => {
    const result = await executeAs(auth, 'query OperatorAccessLogVisibility($uscc: ID!) { operator(uscc: $uscc) { uscc } }', { uscc });
    return Boolean((result.data as { operator?: unknown } | null | undefined)?.operator);
  };
  const crossCheck = createCrossCheck({ executeAs, grants: security.grants, database: security.database });
  const memberScope = useMemberScopeSync({
    keys: security.gatewayKeys,
    associationUrl: config.subgraphUrls.association,
    targets: Object.fromEntries(MEMBER_SCOPE_SUBGRAPHS.map((name) => [name, config.subgraphUrls[name]])),
    audit: security.audit,
    grants: security.grants,
    database: security.database,
  });
  const dataSources: SignedDataSource[] = [];
  const signedDataSource = (name: HttpSubgraphName) => {
    const source = new SignedDataSource(name, config.subgraphUrls[name], security.gatewayKeys, config.subgraphTimeoutsMs[name]);
    dataSources.push(source);
    return source;
  };
  // No runtime switch turns authorization off: the gateway is always wrapped.
  const gateway = useAuthorization(
    new ApolloGateway({
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      // A query plan names subgraphs and the fields the gateway adds: never sent to a caller
      // (Apollo's default sends it on a request header whenever NODE_ENV is not production).
      __exposeQueryPlanExperimental: false,
      // The supergraph names each subgraph; where it listens is this gateway's configuration.
      buildService: ({ name }) =>
        name === 'authorization'
          ? localDataSource(catalogueSchema(security.grants, security.database, { operatorVisible }))
          : name === 'crosscheck'
            ? localDataSource(crossCheck.schema)
            : signedDataSource(name as HttpSubgraphName),
    }),
    { audit: security.audit },
  );
  const app = express();
  // Expensive operations per caller, counted across /graphql and POST /imports/:dataset.
  const expensive = new WindowCounter(limits.windowSeconds * 1000);
  const httpServer = http.createServer(app);
  // Longer than any client's idle keep-alive, so a reused connection is never closed under it (ECONNRESET).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const apollo = (apolloServer = new ApolloServer<AuthorizedContext>({
    gateway,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The process stops itself on SIGTERM/SIGINT (not ready, drain, close, exit code): Apollo's own
    // handler would stop first and re-send the signal, cutting that short.
    stopOnTerminationSignals: false,
    // Counted by the parser itself, so an oversized document is refused before it is built.
    parseOptions: { maxTokens: limits.document.tokens },
    formatError: (formatted, error) => maskError(formatted, error, (e) => console.error('[gateway]', e)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Before planning or filtering: size of the operation, then the caller's expensive ones.
      useDocumentLimits(limits.document),
      useExpensiveOperationLimit({ perWindow: limits.expensive, windowSeconds: limits.windowSeconds, counter: expensive }),
      // Apollo Sandbox, embedded from Apollo's CDN, under a plain link to the offline IDE (/graphiql).
      sandboxWithOfflineLink(),
      // Answers depend on the caller's grants and are never HTTP-cached; the per-field hook only costs time.
      ApolloServerPluginCacheControlDisabled(),
      // An admission widens MEMBERS scope at once, recorded (SCOPE_CHANGE) before the answer leaves.
      useMemberScopeRefresh(memberScope),
      // A registry write moves the operator→district map the other subgraphs check writes against.
      useRegistryWriteNotice(() => security.onRegistryWrite?.()),
    ],
  }));

  app.get('/health', async (_req, res) => {
    const health = await checkSubgraphs(config.subgraphUrls);
    res.status(health.ok ? 200 : 503).json({ status: health.ok ? 'ok' : 'degraded', ...health });
  });
  // Live: the process answers. Ready: the supergraph is loaded, it is not stopping, and its own
  // database (grants, audit trail) answers; a subgraph down costs its fields only, not readiness.
  let accepting = false;
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.get('/readyz', async (_req, res) => {
    const database = await security.database.execute(sql`select 1`).then(
      () => true,
      () => false,
    );
    const ready = accepting && started && database;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', service: 'gateway', schema: started ? 'loaded' : 'not loaded', accepting, database: database ? 'ok' : 'unavailable' });
  });
  app.use(graphiqlRouter());
  app.use(importRouter({ authentication, audit: security.audit, keys: security.gatewayKeys, subgraphUrls: config.subgraphUrls, maxBytes: limits.importBytes, expensive: { counter: expensive, perWindow: limits.expensive, windowSeconds: limits.windowSeconds }, afterImport: afterImport({ memberScope, onRegistryWrite: () => security.onRegistryWrite?.() }) }));

  let started = false;
  return {
    app,
    crossCheck,
    memberScope,
    httpServer,
    async listen(port = config.port, host = config.host) {
      if (!started) {
        await apollo.start();
        app.use(
          '/graphql',
          express.json({ limit: limits.bodyBytes }),
          expressMiddleware(apollo, { context: async ({ req }) => ({ auth: await authentication.authenticate(req.headers, req.body, req.ip ?? req.socket.remoteAddress) }) }),
        );
        app.use(bodyErrors);
        started = true;
      }
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      accepting = true;
      return `http://${host}:${(httpServer.address() as AddressInfo).port}/graphql`;
    },
    markNotReady() {
      accepting = false;
    },
    async stop() {
      accepting = false;
      crossCheck.stop();
      memberScope.stop();
      authentication.stop();
      // Apollo's drain plugin: stop accepting, let in-flight requests finish, then close.
      if (started) await apollo.stop();
      await Promise.all(dataSources.map((source) => source.close()));
    },
  };
}

/**
 * A body the JSON parser refused (too large: BODY_LIMIT; not JSON), answered in GraphQL's shape
 * with a code rather than express's HTML page. Nothing was parsed, so nothing is audited.
 */
const bodyErrors: express.ErrorRequestHandler = (error, _req, res, next) => {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') {
    res.status(413).json({ errors: [{ message: `The request body is larger than the gateway accepts (${(error as { limit?: number }).limit} bytes; BODY_LIMIT).`, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE } }] });
  } else if (type === 'entity.parse.failed') {
    res.status(400).json({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  } else {
    next(error);
  }
};
