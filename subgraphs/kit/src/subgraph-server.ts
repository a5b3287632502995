import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { sql } from 'drizzle-orm';
import {
  bodyHash,
  isProduction,
  loadGatewayKeys,
  MEMBER_SCOPE_PATH,
  MEMBER_SYNC_SUBJECT,
  OPERATOR_DISTRICTS_PATH,
  OPERATOR_DISTRICT_SYNC_SUBJECT,
  ownerAuth,
  shieldSubgraphSchema,
  TokenRejected,
  useSubgraphAuthentication,
  type GatewayKeyPair,
  type SubgraphAuth,
} from '@xiran/auth';
import { ErrorCode, isDistrictCode, maskError, checkUscc } from '@xiran/common';
import type { ServiceDatabase } from './database';
import { replaceMemberScope, type MemberScopeTable } from './member-scope';
import { replaceOperatorDistricts, type OperatorDistrictTable } from './operator-districts';
import { withheldPartsPlugin } from './withheld-parts';
import { mountImportEndpoint, type IntakeOptions } from './intake';
import { envPrefix, type ServiceConfig } from './config';
import { exitOnSignals, readShutdownTimeout } from './shutdown';

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** The subgraph's name, as in the supergraph (`registration`, `social-insurance`, ...). */
  name: string;
  typeDefs: DocumentNode;
  /** Resolver objects by type; `__resolveReference` is typed by each subgraph, so kept loose here. */
  resolvers: Record<string, object>;
  /** Builds the per-request context (fresh DataLoaders every request); `auth` is added to it. */
  context: (auth: SubgraphAuth) => Promise<TContext>;
  /** The service's database: `/health` pings it, `/metrics` reports its statement count. */
  database: ServiceDatabase;
  /** The gateway's public key: every GraphQL request must carry the gateway's token for this subgraph. */
  gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>;
  /** Where this subgraph keeps the replicated member list, if it grants MEMBERS scope. */
  memberScope?: MemberScopeTable;
  /** Where this subgraph keeps the replicated operator→registered-district map, if its district uploaders write about operators. */
  operatorDistricts?: OperatorDistrictTable;
  /** The department's datasets: `POST /internal/imports/:dataset`, the gateway's streamed imports. */
  intake?: IntakeOptions;
}

export interface SubgraphServer {
  name: string;
  /** The executable subgraph schema (with `_entities` and `_service`). */
  schema: GraphQLSchema;
  app: express.Express;
  apollo: ApolloServer<BaseContext>;
  httpServer: http.Server;
  /** Runs an operation in-process as `auth` (default: the owning department, city level). Tests and tools. */
  execute(query: string, variables?: Record<string, unknown>, auth?: SubgraphAuth): Promise<ExecutionResult>;
  /** Starts Apollo and listens; port 0 picks a free port. Returns the GraphQL URL. */
  listen(port: number, host?: string): Promise<string>;
  /** `/readyz` answers 503 from now on (the first step of a shutdown); `stop` implies it. */
  markNotReady(): void;
  stop(): Promise<void>;
}

/** An HTTP subgraph: POST /graphql, GET /livez, GET /readyz, GET /health, GET /metrics. Creating it opens nothing. */
export function createSubgraphServer<TContext extends BaseContext>(options: SubgraphServerOptions<TContext>): SubgraphServer {
  const app = express();
  const httpServer = http.createServer(app);
  // Longer than any client's idle keep-alive, so a reused connection is never closed under it (ECONNRESET).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  // The catalogue, enforced again here: graphql-shield over the federated schema.
  const schema = shieldSubgraphSchema(buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<TContext> }]));
  const authentication = useSubgraphAuthentication({ subgraph: options.name, keys: options.gatewayKeys });
  const contextFor = async (auth: SubgraphAuth) => ({ ...(await options.context(auth)), auth, withheldParts: [] as GraphQLError[] });
  const apollo = new ApolloServer<TContext & { auth: SubgraphAuth }>({
    schema,
    includeStacktraceInErrorResponses: false,
    // The process stops itself on SIGTERM/SIGINT (not ready, drain, close, exit code): Apollo's own
    // handler would stop first and re-send the signal, cutting that short.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskError(formatted, error, (e) => console.error(`[${options.name}]`, e)),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No Apollo Studio here: traces would only cost time.
      ApolloServerPluginInlineTraceDisabled(),
      // No HTTP caching of answers (each depends on the caller's grants): its per-field hook only costs time.
      ApolloServerPluginCacheControlDisabled(),
      // Mixed values: the FORBIDDEN errors naming the groups of the parts left out.
      withheldPartsPlugin(),
    ],
  });

  // Ready: listening, not stopping, and the database answers. Live: the process answers at all.
  let accepting = false;
  const databaseAnswers = async () => {
    try {
      await options.database.db.execute(sql`select 1`);
      return true;
    } catch {
      return false;
    }
  };
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  app.get('/readyz', async (_req, res) => {
    const database = await databaseAnswers();
    const ready = accepting && database;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', service: options.name, accepting, database: database ? 'ok' : 'unavailable' });
  });
  app.get('/health', async (_req, res) => {
    if (await databaseAnswers()) res.json({ status: 'ok', service: options.name });
    else res.status(503).json({ status: 'unavailable', service: options.name });
  });
  app.get('/metrics', (_req, res) => {
    res.type('text/plain').send(`xiran_sql_statements_total{service="${options.name}"} ${options.database.statements.total}\n`);
  });

  /**
   * An endpoint only one of the gateway's system principals may call: its token verified, bound to
   * this request's body (a GET's is the empty one), and its subject checked; 401 otherwise.
   */
  const systemEndpoint =
    (subject: string, label: string, handle: (req: express.Request, res: express.Response) => Promise<void>) =>
    async (req: express.Request, res: express.Response) => {
      try {
        const auth = await authentication.authenticate(req.headers);
        authentication.checkBody(auth, req.method === 'GET' ? bodyHash('') : (res.locals.bodyHash as string | undefined));
        if (auth.principal.sub !== subject) throw new TokenRejected(`not the ${label} sync`);
        await handle(req, res);
      } catch (error) {
        if (error instanceof TokenRejected) res.status(401).json({ error: 'unauthenticated' });
        else {
          console.error(`[${options.name}] ${label}`, error);
          res.status(500).json({ error: 'internal' });
        }
      }
    };

  if (options.memberScope) {
    const table = options.memberScope;
    // The list as replicated now: the sync compares it with the association's before pushing, so
    // that each widening of MEMBERS scope is in the audit trail before it applies.
    app.get(
      MEMBER_SCOPE_PATH,
      systemEndpoint(MEMBER_SYNC_SUBJECT, 'member scope', async (_req, res) => {
        const rows = await options.database.db.select({ uscc: table.uscc }).from(table);
        res.json({ usccs: rows.map((r) => r.uscc) });
      }),
    );
    // The gateway's scheduled push of the association's member list (see useMemberScopeSync).
    app.post(
      MEMBER_SCOPE_PATH,
      express.json({ limit: '5mb', verify: rememberBodyHash }),
      systemEndpoint(MEMBER_SYNC_SUBJECT, 'member scope', async (req, res) => {
        const usccs = (req.body as { usccs?: unknown }).usccs;
        if (!Array.isArray(usccs) || !usccs.every((u) => typeof u === 'string' && checkUscc(u).ok)) {
          res.status(400).json({ error: 'usccs must be a list of 统一社会信用代码' });
          return;
        }
        await replaceMemberScope(options.database.db, table, usccs as string[]);
        res.json({ members: new Set(usccs).size });
      }),
    );
  }

  if (options.operatorDistricts) {
    const table = options.operatorDistricts;
    // The gateway's scheduled push of the registry's operator→district map (see useOperatorDistrictSync).
    app.post(
      OPERATOR_DISTRICTS_PATH,
      express.json({ limit: '50mb', verify: rememberBodyHash }),
      systemEndpoint(OPERATOR_DISTRICT_SYNC_SUBJECT, 'operator districts', async (req, res) => {
        const operators = (req.body as { operators?: unknown }).operators;
        const valid = (row: unknown): row is { uscc: string; district: string } =>
          typeof row === 'object' && row !== null && typeof (row as { uscc?: unknown }).uscc === 'string' && checkUscc((row as { uscc: string }).uscc).ok && isDistrictCode(String((row as { district?: unknown }).district));
        if (!Array.isArray(operators) || !operators.every(valid)) {
          res.status(400).json({ error: 'operators must be a list of { uscc, district }' });
          return;
        }
        await replaceOperatorDistricts(options.database.db, table, operators);
        res.json({ operators: operators.length });
      }),
    );
  }

  if (options.intake) mountImportEndpoint(app, { subgraph: options.name, intake: options.intake, database: options.database, authentication });

  let started = false;
  let apolloStarted: Promise<void> | undefined;
  const startApollo = () => (apolloStarted ??= apollo.start());
  return {
    name: options.name,
    schema,
    app,
    apollo: apollo as unknown as ApolloServer<BaseContext>,
    httpServer,
    async execute(query, variables = {}, auth = ownerAuth(options.name)) {
      await startApollo();
      const response = await apollo.executeOperation({ query, variables }, { contextValue: await contextFor(auth) });
      if (response.body.kind !== 'single') throw new Error('Incremental delivery is not used here');
      return response.body.singleResult as ExecutionResult;
    },
    async listen(port, host = '127.0.0.1') {
      if (!started) {
        await startApollo();
        app.use(
          '/graphql',
          // Nothing is answered without the gateway's signature: not `_entities`, not `_service`.
          async (req, res, next) => {
            try {
              res.locals.auth = await authentication.authenticate(req.headers);
              next();
            } catch (error) {
              refuseUnsigned(res, error);
            }
          },
          express.json({ limit: '48mb', verify: rememberBodyHash }),
          // The token is good for the body it was signed for only: a replayed token with another body is refused.
          (_req, res, next) => {
            try {
              authentication.checkBody(res.locals.auth as SubgraphAuth, res.locals.bodyHash as string | undefined);
              next();
            } catch (error) {
              refuseUnsigned(res, error);
            }
          },
          expressMiddleware(apollo, { context: async ({ res }) => contextFor(res.locals.auth as SubgraphAuth) }),
        );
        started = true;
      }
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      accepting = true;
      const address = httpServer.address() as AddressInfo;
      return `http://${host}:${address.port}/graphql`;
    },
    markNotReady() {
      accepting = false;
    },
    async stop() {
      accepting = false;
      if (apolloStarted) await apollo.stop();
      else if (httpServer.listening) await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

/** The hash of the raw body as received, before JSON parsing (body-parser's `verify` hook). */
function rememberBodyHash(_req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void {
  (res as express.Response).locals.bodyHash = bodyHash(raw);
}

function refuseUnsigned(res: express.Response, error: unknown): void {
  const reason = error instanceof TokenRejected ? error.message : 'invalid';
  res.status(401).json({ errors: [{ message: `This subgraph answers only requests signed by the gateway (${reason}).`, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
}

/**
 * The body of every subgraph's `index.ts`: read config, open the database, listen, and on SIGINT /
 * SIGTERM stop within SHUTDOWN_TIMEOUT_MS: not ready, drain in-flight requests and close, close
 * the pool; exit 0 on a clean stop, 1 otherwise.
 */
export async function runSubgraph(options: {
  config: ServiceConfig;
  connect: (config: ServiceConfig) => Promise<ServiceDatabase>;
  create: (database: ServiceDatabase, gatewayKeys: Pick<GatewayKeyPair, 'publicKey'>) => SubgraphServer;
}): Promise<void> {
  // In production, no dev key pair and no embedded store: checked before anything is generated.
  const problems = productionProblems(options.config);
  if (problems.length) {
    console.error(`Refusing to start ${options.config.name} in production (NODE_ENV/XIRAN_ENV=production):\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  const shutdownTimeout = readShutdownTimeout();
  // GATEWAY_PUBLIC_KEY_FILE, or the dev key pair under the data folder.
  const gatewayKeys = await loadGatewayKeys(process.env, { needPrivate: false });
  const database = await options.connect(options.config);
  const server = options.create(database, gatewayKeys);
  const url = await server.listen(options.config.port, options.config.host);
  console.log(`${server.name} subgraph ready at ${url}`);
  exitOnSignals(
    [
      { name: 'readiness', run: () => server.markNotReady() },
      { name: 'http server', run: () => server.stop() },
      { name: 'database', run: () => database.close() },
    ],
    shutdownTimeout,
  );
}

/** What keeps a subgraph from running in production, each named by its variable (none outside production). */
export function productionProblems(config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!isProduction(env)) return [];
  const problems: string[] = [];
  if (!env.GATEWAY_PUBLIC_KEY_FILE) problems.push('GATEWAY_PUBLIC_KEY_FILE must be set: the dev key pair is refused in production');
  if (config.database.kind === 'embedded') {
    problems.push(`${envPrefix(config.name)}_DATABASE_URL or DATABASE_URL must be set: the embedded store is refused in production`);
  }
  return problems;
}
