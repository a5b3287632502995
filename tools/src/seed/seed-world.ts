import { sql } from 'drizzle-orm';
import type { Database, SeedOperator, SeedOptions } from '@xiran/subgraph-kit';
import type { HttpSubgraphName } from '@xiran/schema';
import { generateRegistrationSeed, insertRegistrationSeed, SUBGRAPH_MODULES } from '../start/services';

/**
 * Seeds every department from one generated world: registration makes the operators and their
 * outlets, and each other subgraph derives its own records from that list. Deterministic for a
 * given operator count and `asOf`. Each department's write is one transaction.
 */
export async function seedWorld(
  databases: Record<HttpSubgraphName, Database>,
  options: SeedOptions & { operators: number; log?: (line: string) => void },
): Promise<SeedOperator[]> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const registration = generateRegistrationSeed(options.operators, options);
  await insertRegistrationSeed(databases.registration, registration);
  log(`registration: ${registration.operators.length} operators, ${registration.outlets.length} outlets (${Date.now() - started} ms)`);
  for (const module of SUBGRAPH_MODULES) {
    if (module.name === 'registration') continue;
    const t = Date.now();
    await module.seed(databases[module.name], registration.world, options);
    log(`${module.name}: seeded (${Date.now() - t} ms)`);
  }
  // Fresh planner statistics after a bulk load: with stale ones PostgreSQL misjudges the batched
  // entity lookups (and switches on JIT), making a 1,000-key fetch many times slower.
  for (const db of new Set(Object.values(databases))) await db.execute(sql`analyze`);
  return registration.world;
}

export function today(): string {
  // Civil date in Hangzhou (UTC+8), which is what "as of" means to the departments.
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}
