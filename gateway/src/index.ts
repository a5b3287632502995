import { loadCallerKeys, loadGatewayKeys } from '@xiran/auth';
import { AuditTrail } from './audit/trail';
import { PgGrantSource, seedDefaultGrants } from './db/grant-repository';
import { useOperatorDistrictSync } from './enforcement/operator-district-sync';
import { OPERATOR_DISTRICT_SUBGRAPHS } from '@xiran/schema';
import { exitOnSignals, readServiceConfig, readShutdownTimeout } from '@xiran/subgraph-kit';
import { readGatewayConfig, type GatewayConfig } from './config';
import { assertProductionReady, exitOnConfigError } from './production';
import { connectGatewayDatabase } from './database';
import { createGatewayServer } from './server';
import { crossCheckInterval } from './crosscheck';
import { describeSecurity } from './security-notice';

let config!: GatewayConfig;
let shutdownTimeout!: number;
exitOnConfigError(() => {
  assertProductionReady(process.env, ['GATEWAY_DATABASE_URL', 'DATABASE_URL']);
  config = readGatewayConfig();
  shutdownTimeout = readShutdownTimeout();
});
const callerKeys = await loadCallerKeys();
const gatewayKeys = await loadGatewayKeys(process.env, { needPrivate: true });
console.log(describeSecurity(callerKeys, gatewayKeys));
// GATEWAY_DATABASE_URL, or DATABASE_URL (database <db>_gateway), or an embedded store.
const database = await connectGatewayDatabase(readServiceConfig('gateway', config.port).database);
await seedDefaultGrants(database.db);
const audit = new AuditTrail(database.db);
// Signed checkpoints of the chain head: now, every AUDIT_CHECKPOINT_SECONDS, and on the way out.
const stopCheckpoints = audit.startCheckpoints(gatewayKeys);
const grants = await new PgGrantSource(database.db, audit).start();
const operatorDistrictSync = useOperatorDistrictSync({
  keys: gatewayKeys,
  registrationUrl: config.subgraphUrls.registration,
  database: database.db,
  targets: Object.fromEntries(OPERATOR_DISTRICT_SUBGRAPHS.map((name) => [name, config.subgraphUrls[name]])),
});
const server = createGatewayServer(config, { callerKeys, gatewayKeys, grants, audit, database: database.db, onRegistryWrite: () => operatorDistrictSync.soon() });
const url = await server.listen();
server.crossCheck.start(crossCheckInterval());
// The subgraphs may start after the gateway: keep trying on the schedule rather than failing.
void server.memberScope.start().catch((error) => console.error('[member-scope] first sync failed; retrying on schedule', error));
void operatorDistrictSync.start().catch((error) => console.error('[operator-districts] first sync failed; retrying on schedule', error));
console.log(`洗染在线 gateway ready at ${url} (Apollo Sandbox), offline IDE at ${url.replace(/graphql$/, 'graphiql')}`);

// SIGINT / SIGTERM: /readyz 503, the schedules stopped, in-flight requests drained, the last
// checkpoint signed, the pool closed; exit 0 if all of it finished within SHUTDOWN_TIMEOUT_MS.
exitOnSignals(
  [
    { name: 'readiness', run: () => server.markNotReady() },
    { name: 'schedules', run: () => Promise.all([grants.stop(), server.memberScope.stop(), operatorDistrictSync.stop()]) },
    { name: 'http server', run: () => server.stop() },
    { name: 'audit checkpoint', run: () => stopCheckpoints() },
    { name: 'database', run: () => database.close() },
  ],
  shutdownTimeout,
);
