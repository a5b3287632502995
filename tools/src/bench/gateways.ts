import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import {
  defaultGrantRows,
  effectiveGrants,
  loadCallerKeys,
  loadGatewayKeys,
  bodyHash,
  signSubgraphToken,
  SUBGRAPH_TOKEN_HEADER,
  type Principal,
} from '@xiran/auth';
import { AuditTrail } from '@xiran/gateway/audit';
import { PgGrantSource, seedDefaultGrants } from '@xiran/gateway/grants';
import { requestBody } from '@xiran/gateway/enforcement';
import { createGatewayServer } from '@xiran/gateway/server';
import { readGatewayConfig } from '@xiran/gateway/config';
import { connectGatewayDatabase } from '@xiran/gateway/database';
import { SUPERGRAPH_PATH } from '@xiran/schema';

/**
 * The benchmark's gateways, in one process of their own: the platform's gateway (authentication,
 * authorization, signed subgraph requests) and a bare @apollo/gateway over the same supergraph and
 * subgraphs that signs subgraph requests the same way (as city commerce) but enforces nothing.
 * Env: the subgraph URLs (<NAME>_URL), DATABASE_URL, ENFORCED_PORT, BARE_PORT.
 */
const env = process.env;
const config = readGatewayConfig(env);
const gatewayKeys = await loadGatewayKeys(env, { needPrivate: true });
const callerKeys = await loadCallerKeys(env);

const database = await connectGatewayDatabase({ kind: 'server', serverUrl: env.DATABASE_URL! });
await seedDefaultGrants(database.db);
const audit = new AuditTrail(database.db);
const stopCheckpoints = audit.startCheckpoints(gatewayKeys);
const grants = await new PgGrantSource(database.db, audit).start();
const enforced = createGatewayServer(config, { callerKeys, gatewayKeys, grants, audit, database: database.db });
await enforced.listen(Number(env.ENFORCED_PORT), '127.0.0.1');

const commerce: Principal = { sub: 'bench', agency: 'commerce', level: 'city', district: null, roles: ['reader'] };
const commerceGrants = Object.fromEntries([...effectiveGrants(commerce, defaultGrantRows()).values()].map((g) => [g.group, [g.scope, g.grantId]]));
class BareSignedDataSource extends RemoteGraphQLDataSource {
  constructor(private readonly subgraph: string, url: string) {
    super({ url });
  }
  override async willSendRequest(options: GraphQLDataSourceProcessOptions) {
    // Bound to the body like the platform's own (one sha256 per subgraph request), so the comparison is fair.
    const token = await signSubgraphToken(gatewayKeys, this.subgraph, { principal: commerce, requestId: 'bench', grants: commerceGrants as never, bodyHash: bodyHash(requestBody(options.request)) });
    options.request.http?.headers.set(SUBGRAPH_TOKEN_HEADER, token);
  }
}
const bare = new ApolloServer({
  gateway: new ApolloGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) => new BareSignedDataSource(name, config.subgraphUrls[name as keyof typeof config.subgraphUrls] ?? url!),
  }),
});
await startStandaloneServer(bare, { listen: { port: Number(env.BARE_PORT), host: '127.0.0.1' } });
console.log('gateways ready');

// The bench stops this process with SIGTERM: sign the head one last time on the way out.
process.once('SIGTERM', () => {
  grants.stop();
  void enforced
    .stop()
    .then(() => stopCheckpoints())
    .then(() => database.close())
    .finally(() => process.exit(0));
});
