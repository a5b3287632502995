import { resolve } from 'node:path';
import { dataDir, envPrefix, exitOnSignals, readPort, readShutdownTimeout, startEmbeddedPostgres, type DatabaseTarget } from '@xiran/subgraph-kit';
import { HTTP_SUBGRAPHS } from '@xiran/schema';
import { loadCallerKeys, loadGatewayKeys } from '@xiran/auth';
import { describeSecurity } from '@xiran/gateway/security-notice';
import { crossCheckInterval } from '@xiran/gateway/crosscheck';
import { readGatewayLimits, readSubgraphTimeouts, type GatewayLimits } from '@xiran/gateway/config';
import { assertProductionReady, exitOnConfigError } from '@xiran/gateway/production';
import { startStack } from './stack';

/**
 * `npm start`: the whole platform in one process. With DATABASE_URL, one PostgreSQL database per
 * subgraph on that server; without it, one embedded PGlite (data in .data/pglite) shared by all,
 * each subgraph in its own schema.
 */
const env = process.env;
process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
// Before anything is opened or generated: production refuses the dev secret, keys and store.
let limits!: GatewayLimits;
let subgraphTimeoutsMs!: ReturnType<typeof readSubgraphTimeouts>;
let shutdownTimeout!: number;
exitOnConfigError(() => {
  assertProductionReady(env, ['DATABASE_URL']);
  limits = readGatewayLimits(env);
  subgraphTimeoutsMs = readSubgraphTimeouts(env);
  shutdownTimeout = readShutdownTimeout(env);
});

let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
let databaseTarget: (name: string) => DatabaseTarget;
if (env.DATABASE_URL) {
  const serverUrl = env.DATABASE_URL;
  databaseTarget = (name) => {
    const own = env[`${envPrefix(name)}_DATABASE_URL`];
    return own ? { kind: 'url', url: own } : { kind: 'server', serverUrl };
  };
  console.log('Database: PostgreSQL at DATABASE_URL (one database per subgraph).');
} else {
  const dir = resolve(dataDir(env), 'pglite');
  console.log(`Database: embedded PGlite in ${dir} (set DATABASE_URL to use PostgreSQL). Opening…`);
  embedded = await startEmbeddedPostgres({ dataDir: dir, port: readPort(env, 'EMBEDDED_PG_PORT', 0) });
  const url = embedded.url;
  databaseTarget = () => ({ kind: 'url', url, embedded: true });
}

const seedOperators = env.SEED_OPERATORS ? Number(env.SEED_OPERATORS) : 3000;
if (!Number.isInteger(seedOperators) || seedOperators < 0) throw new Error('SEED_OPERATORS must be a whole number');

const callerKeys = await loadCallerKeys(env);
const gatewayKeys = await loadGatewayKeys(env, { needPrivate: true });
console.log(describeSecurity(callerKeys, gatewayKeys));

const stack = await startStack({
  keys: { callerKeys, gatewayKeys },
  databaseTarget,
  gatewayPort: readPort(env, 'PORT', 4000),
  subgraphPort: (name) => readPort(env, `${envPrefix(name)}_PORT`, HTTP_SUBGRAPHS.find((s) => s.name === name)!.port),
  host: env.HOST || '127.0.0.1',
  seedIfEmpty: seedOperators,
  crossCheckMinutes: crossCheckInterval(),
  limits,
  subgraphTimeoutsMs,
  log: (line) => console.log(line),
});

console.log(`\n洗染在线 gateway ready at ${stack.gatewayUrl}`);
console.log(`  Apollo Sandbox: open ${stack.gatewayUrl} in a browser (loads from Apollo's CDN)`);
console.log(`  Offline GraphiQL: ${stack.gatewayUrl.replace(/graphql$/, 'graphiql')}`);
console.log(`  Health: ${stack.gatewayUrl.replace(/graphql$/, 'health')}`);
console.log('  Every request needs a bearer token: npm run token -- --agency commerce (see README, "Roles and tokens").');

// SIGINT / SIGTERM: every /readyz 503, drain and close the gateway then the subgraphs and their
// pools, then the embedded store; exit 0 if all of it finished within SHUTDOWN_TIMEOUT_MS.
exitOnSignals(
  [
    { name: 'readiness', run: () => stack.markNotReady() },
    { name: 'stack', run: () => stack.stop() },
    { name: 'embedded store', run: () => embedded?.close() },
  ],
  shutdownTimeout,
);
