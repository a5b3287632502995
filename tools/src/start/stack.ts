import { sql } from 'drizzle-orm';
import type { DatabaseTarget, ServiceDatabase, SubgraphServer } from '@xiran/subgraph-kit';
import { OPERATOR_DISTRICT_SUBGRAPHS, type HttpSubgraphName } from '@xiran/schema';
import { createGatewayServer, type GatewaySecurity, type GatewayServer } from '@xiran/gateway/server';
import type { CrossCheck } from '@xiran/gateway/crosscheck';
import { readGatewayConfig, type GatewayLimits } from '@xiran/gateway/config';
import { connectGatewayDatabase } from '@xiran/gateway/database';
import { AuditTrail } from '@xiran/gateway/audit';
import { PgGrantSource, seedDefaultGrants } from '@xiran/gateway/grants';
import { useOperatorDistrictSync, type MemberScopeSync } from '@xiran/gateway/enforcement';
import { SUBGRAPH_MODULES } from './services';
import { seedWorld, today } from '../seed/seed-world';

export interface StackOptions {
  /** Where each subgraph's data lives. */
  databaseTarget(name: HttpSubgraphName | 'gateway'): DatabaseTarget;
  /** Gateway port (0: any free port). */
  gatewayPort: number;
  /** Port per subgraph (0: any free port). */
  subgraphPort(name: HttpSubgraphName): number;
  host?: string;
  /** Seed this many operators when registration is empty (0: never). */
  seedIfEmpty: number;
  seedAsOf?: string;
  /** Caller keys and the gateway's key pair; grants come from the gateway's database. */
  keys: Pick<GatewaySecurity, 'callerKeys' | 'gatewayKeys'>;
  /** Minutes between scheduled cross-check runs; 0 or unset: none (tests run it on demand). */
  crossCheckMinutes?: number;
  /** The gateway's document, body and rate limits; unset: the defaults. */
  limits?: GatewayLimits;
  /** Per-subgraph call timeouts of the gateway (SUBGRAPH_TIMEOUT_MS, `<NAME>_TIMEOUT_MS`); unset: the defaults. */
  subgraphTimeoutsMs?: Record<HttpSubgraphName, number>;
  log?: (line: string) => void;
}

export interface Stack {
  gatewayUrl: string;
  subgraphUrls: Record<HttpSubgraphName, string>;
  databases: Record<HttpSubgraphName, ServiceDatabase>;
  gatewayDatabase: ServiceDatabase;
  grants: PgGrantSource;
  audit: AuditTrail;
  crossCheck: CrossCheck;
  /** MEMBERS scope's copy of the member list (synced at start, after membership writes, on a schedule). */
  memberScope: MemberScopeSync;
  /** The registry's operator→district map, copied to the gateway and the subgraphs (tests sync on demand after a registration). */
  operatorDistricts: ReturnType<typeof useOperatorDistrictSync>;
  /** Every service's `/readyz` answers 503 from now on (the first step of a shutdown). */
  markNotReady(): void;
  stop(): Promise<void>;
}

/**
 * Starts the five subgraphs and the gateway in this process, each on its own port, talking to
 * each other over real HTTP exactly as when deployed one per department.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const databases = {} as Record<HttpSubgraphName, ServiceDatabase>;
  const subgraphs: SubgraphServer[] = [];
  const subgraphUrls = {} as Record<HttpSubgraphName, string>;
  let gateway: GatewayServer | undefined;
  let gatewayDatabase: ServiceDatabase | undefined;
  let grants: PgGrantSource | undefined;
  let operatorDistricts: ReturnType<typeof useOperatorDistrictSync> | undefined;
  let audit: AuditTrail | undefined;
  let stopCheckpoints: (() => Promise<void>) | undefined;
  // Every step runs even if an earlier one fails, so no pool outlives the stack.
  const stop = async () => {
    const steps: Array<() => unknown> = [
      () => operatorDistricts?.stop(),
      () => grants?.stop(),
      () => gateway?.stop(),
      () => audit?.drain(),
      // The gateway signs the head when it stops, once nothing more is answered.
      () => stopCheckpoints?.(),
      ...subgraphs.map((server) => () => server.stop()),
      ...Object.values(databases).map((database) => () => database.close()),
      () => gatewayDatabase?.close(),
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length) throw failures[0];
  };
  try {
    gatewayDatabase = await connectGatewayDatabase(options.databaseTarget('gateway'));
    await seedDefaultGrants(gatewayDatabase.db);
    audit = new AuditTrail(gatewayDatabase.db);
    stopCheckpoints = audit.startCheckpoints(options.keys.gatewayKeys);
    grants = await new PgGrantSource(gatewayDatabase.db, audit).start();
    for (const module of SUBGRAPH_MODULES) {
      databases[module.name] = await module.connect(options.databaseTarget(module.name));
    }
    if (options.seedIfEmpty > 0) {
      const existing = await databases.registration.db.execute(sql`select count(*)::int as n from registration.operators`);
      if (Number(existing.rows[0]?.n ?? 0) === 0) {
        log(`Seeding ${options.seedIfEmpty} operators (first start)…`);
        await seedWorld(
          Object.fromEntries(Object.entries(databases).map(([name, d]) => [name, d.db])) as never,
          { operators: options.seedIfEmpty, asOf: options.seedAsOf ?? today(), log },
        );
      }
    }
    for (const module of SUBGRAPH_MODULES) {
      const server = module.create(databases[module.name], options.keys.gatewayKeys);
      subgraphs.push(server);
      subgraphUrls[module.name] = await server.listen(options.subgraphPort(module.name), host);
      log(`${module.name} subgraph at ${subgraphUrls[module.name]}`);
    }
    const defaults = readGatewayConfig({});
    const config = { ...defaults, host, subgraphUrls, limits: options.limits ?? defaults.limits, subgraphTimeoutsMs: options.subgraphTimeoutsMs ?? defaults.subgraphTimeoutsMs };
    const districtSync = (operatorDistricts = useOperatorDistrictSync({
      keys: options.keys.gatewayKeys,
      registrationUrl: subgraphUrls.registration,
      database: gatewayDatabase.db,
      targets: Object.fromEntries(OPERATOR_DISTRICT_SUBGRAPHS.map((name) => [name, subgraphUrls[name]])),
    }));
    gateway = createGatewayServer(config, { ...options.keys, grants, audit, database: gatewayDatabase.db, onRegistryWrite: () => districtSync.soon() });
    const gatewayUrl = await gateway.listen(options.gatewayPort, host);
    await gateway.memberScope.start();
    await districtSync.start();
    gateway.crossCheck.start(options.crossCheckMinutes ?? 0);
    const started = gateway;
    const markNotReady = () => [started, ...subgraphs].forEach((server) => server.markNotReady());
    return { gatewayUrl, subgraphUrls, databases, gatewayDatabase, grants, audit, crossCheck: gateway.crossCheck, memberScope: gateway.memberScope, operatorDistricts: districtSync, markNotReady, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

