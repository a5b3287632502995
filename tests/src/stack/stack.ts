import { sql } from 'drizzle-orm';
import type { DatabaseTarget, ServiceDatabase, SubgraphServer } from '@xiran/subgraph-kit';
import { SUBGRAPHS, type SubgraphName } from '@xiran/schema';
import { createGatewayServer, type GatewaySecurity, type GatewayServer } from '@xiran/gateway/server';
import { readGatewayConfig } from '@xiran/gateway/config';
import { SUBGRAPH_MODULES } from './services';
import { seedWorld, today } from '../seed/seed-world';

export interface StackOptions {
  /** Where each subgraph's data lives. */
  databaseTarget(name: SubgraphName): DatabaseTarget;
  /** Gateway port (0: any free port). */
  gatewayPort: number;
  /** Port per subgraph (0: any free port). */
  subgraphPort(name: SubgraphName): number;
  host?: string;
  /** Seed this many operators when registration is empty (0: never). */
  seedIfEmpty: number;
  seedAsOf?: string;
  /** Caller keys, the gateway's key pair and the grants in force. */
  security: GatewaySecurity;
  log?: (line: string) => void;
}

export interface Stack {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  databases: Record<SubgraphName, ServiceDatabase>;
  stop(): Promise<void>;
}

/**
 * Starts the five subgraphs and the gateway in this process, each on its own port, talking to
 * each other over real HTTP exactly as when deployed one per department.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const databases = {} as Record<SubgraphName, ServiceDatabase>;
  const subgraphs: SubgraphServer[] = [];
  const subgraphUrls = {} as Record<SubgraphName, string>;
  let gateway: GatewayServer | undefined;
  const stop = async () => {
    await gateway?.stop();
    for (const server of subgraphs) await server.stop();
    for (const database of Object.values(databases)) await database.close();
  };
  try {
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
      const server = module.create(databases[module.name], options.security.gatewayKeys);
      subgraphs.push(server);
      subgraphUrls[module.name] = await server.listen(options.subgraphPort(module.name), host);
      log(`${module.name} subgraph at ${subgraphUrls[module.name]}`);
    }
    const config = { ...readGatewayConfig({}), host, subgraphUrls };
    gateway = createGatewayServer(config, options.security);
    const gatewayUrl = await gateway.listen(options.gatewayPort, host);
    return { gatewayUrl, subgraphUrls, databases, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPHS.map((s) => s.name);
