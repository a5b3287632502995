import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ExecutionResult } from 'graphql';
import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import {
  maskError,
  SignedDataSource,
  useAuthentication,
  useAuthorization,
  type AuthorizedContext,
  type CallerKeys,
  type GatewayKeyPair,
  catalogueSchema,
  type AuditTrail,
  type PgGrantSource,
} from '@xiran/auth';
import type { HttpSubgraphName } from '@xiran/schema';
import type { Database } from '@xiran/subgraph-kit';
import type { GatewayConfig } from './config';
import { graphiqlRouter } from './graphiql';
import { useRegistryWriteNotice } from './registry-writes';
import { checkSubgraphs } from './health';
import { createCrossCheck, type CrossCheck } from './crosscheck';
import type { ExecuteAs } from './crosscheck/api';

export interface GatewayServer {
  app: express.Express;
  /** 相互比对 (its schedule is started by the caller: index.ts, tests). */
  crossCheck: CrossCheck;
  httpServer: http.Server;
  /** Loads the supergraph, starts Apollo and listens (port 0: a free port). Returns the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
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
  const authentication = useAuthentication({ keys: security.callerKeys, grants: security.grants, audit: security.audit });
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
  // No runtime switch turns authorization off: the gateway is always wrapped.
  const gateway = useAuthorization(
    new ApolloGateway({
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      // The supergraph names each subgraph; where it listens is this gateway's configuration.
      buildService: ({ name }) =>
        name === 'authorization'
          ? new LocalGraphQLDataSource(catalogueSchema(security.grants, security.database, { operatorVisible }))
          : name === 'crosscheck'
            ? new LocalGraphQLDataSource(crossCheck.schema)
            : new SignedDataSource(name, config.subgraphUrls[name as HttpSubgraphName], security.gatewayKeys),
    }),
    { audit: security.audit },
  );
  const app = express();
  const httpServer = http.createServer(app);
  // Longer than any client's idle keep-alive, so a reused connection is never closed under it (ECONNRESET).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const apollo = (apolloServer = new ApolloServer<AuthorizedContext>({
    gateway,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => maskError(formatted, error, (e) => console.error('[gateway]', e)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo Sandbox, embedded from Apollo's CDN; /graphiql serves an offline IDE.
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      // Answers depend on the caller's grants and are never HTTP-cached; the per-field hook only costs time.
      ApolloServerPluginCacheControlDisabled(),
      useRegistryWriteNotice(() => security.onRegistryWrite?.()),
    ],
  }));

  app.get('/health', async (_req, res) => {
    const health = await checkSubgraphs(config.subgraphUrls);
    res.status(health.ok ? 200 : 503).json({ status: health.ok ? 'ok' : 'degraded', ...health });
  });
  app.use(graphiqlRouter());

  let started = false;
  return {
    app,
    crossCheck,
    httpServer,
    async listen(port = config.port, host = config.host) {
      if (!started) {
        await apollo.start();
        app.use('/graphql', express.json({ limit: '48mb' }), expressMiddleware(apollo, { context: async ({ req }) => ({ auth: await authentication.authenticate(req.headers, req.body) }) }));
        started = true;
      }
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      return `http://${host}:${(httpServer.address() as AddressInfo).port}/graphql`;
    },
    async stop() {
      crossCheck.stop();
      if (started) await apollo.stop();
    },
  };
}
