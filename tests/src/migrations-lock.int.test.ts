import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { ensureDatabase, serviceDatabaseUrl, startTestDatabases, type DatabaseTarget, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { connectGatewayDatabase } from '@xiran/gateway/database';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';

/**
 * Replicas of one service starting at once against a fresh database: every one connects, and each
 * migration is applied exactly once (drizzle's migrator, unguarded, lets two of them apply the same
 * migration: a duplicate table error, or two rows for one migration in the tracking table).
 */
const REPLICAS = 3;
let databases: TestDatabases;
const opened: ServiceDatabase[] = [];

beforeAll(async () => {
  databases = await startTestDatabases();
});

afterAll(async () => {
  for (const database of opened) await database.close();
  await databases?.close();
});

/**
 * Where replica `i` of `service` connects. On PostgreSQL, each replica by a URL of its own (another
 * application_name, as separate processes would): a process takes its own connections' migrations
 * in turn, so only distinct URLs show what the advisory lock does between processes. The embedded
 * store belongs to one process: there the replicas share its URL, as they would.
 */
async function replicaTargets(service: string): Promise<DatabaseTarget[]> {
  const target = databases.config(service).database;
  if (target.kind !== 'server') return Array(REPLICAS).fill(target);
  const { url, database } = serviceDatabaseUrl(target.serverUrl, service);
  await ensureDatabase(target.serverUrl, database);
  return Array.from({ length: REPLICAS }, (_, i) => ({ kind: 'url', url: `${url}?application_name=${service}-replica-${i}` }));
}

async function startTogether(service: string, connect: (target: DatabaseTarget) => Promise<ServiceDatabase>): Promise<ServiceDatabase[]> {
  const settled = await Promise.allSettled((await replicaTargets(service)).map(connect));
  for (const result of settled) if (result.status === 'fulfilled') opened.push(result.value);
  // Every replica came up: a rejection here is the race the lock prevents.
  expect(settled.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(Array(REPLICAS).fill('ok'));
  return settled.map((r) => (r as PromiseFulfilledResult<ServiceDatabase>).value);
}

async function appliedOnce(database: ServiceDatabase, table: string): Promise<void> {
  const rows = await database.db.execute(sql.raw(`select hash, count(*)::int as n from drizzle."${table}" group by hash`));
  expect(rows.rows.length).toBeGreaterThan(0);
  expect(rows.rows.filter((r) => (r as { n: number }).n !== 1)).toEqual([]);
}

describe('migrations under an advisory lock', () => {
  it(`${REPLICAS} emissions replicas migrate one fresh database together`, async () => {
    const emissions = SUBGRAPH_MODULES.find((m) => m.name === 'emissions')!;
    const [first] = await startTogether('emissions', emissions.connect);
    await appliedOnce(first!, '__migrations_emissions');
  });

  it(`${REPLICAS} gateway replicas migrate both of its folders together`, async () => {
    const [first] = await startTogether('gateway', connectGatewayDatabase);
    await appliedOnce(first!, '__migrations_gateway');
    await appliedOnce(first!, '__migrations_crosscheck');
  });
});
