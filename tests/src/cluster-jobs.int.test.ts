import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGatewayKeys } from '@xiran/auth';
import { ensureDatabase, serviceDatabaseUrl, startTestDatabases, type DatabaseTarget, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import { connectGatewayDatabase } from '@xiran/gateway/database';
import { AuditTrail } from '@xiran/gateway/audit';
import { JOBS, runExclusive, tickOnce } from '@xiran/gateway/jobs';

/**
 * Two gateway replicas on one database: a scheduled tick of a job runs once in the cluster when
 * both tick at the same time (the other skips), and a run on demand waits for the other instead.
 * Each replica has its own pool, as separate processes would.
 */
let databases: TestDatabases;
const replicas: ServiceDatabase[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  databases = await startTestDatabases();
  const target = databases.config('gateway').database;
  let targets: DatabaseTarget[] = [target, target];
  if (target.kind === 'server') {
    const { url, database } = serviceDatabaseUrl(target.serverUrl, 'gateway');
    await ensureDatabase(target.serverUrl, database);
    targets = [0, 1].map((i) => ({ kind: 'url', url: `${url}?application_name=gateway-replica-${i}` }));
  }
  for (const t of targets) replicas.push(await connectGatewayDatabase(t));
});

afterAll(async () => {
  for (const replica of replicas) await replica.close();
  await databases?.close();
});

/** A job's work that takes a while and says when it ran. */
function slowWork(log: Array<[number, number]>, ms = 300) {
  return async () => {
    const start = Date.now();
    await sleep(ms);
    log.push([start, Date.now()]);
    return 'done';
  };
}

describe('scheduled jobs once per cluster', () => {
  it('two replicas ticking at once: the tick runs once, the other skips', async () => {
    const log: Array<[number, number]> = [];
    const outcomes = await Promise.all(replicas.map((r) => tickOnce(r.db, JOBS.crossCheck, slowWork(log))));
    expect(log).toHaveLength(1);
    expect(outcomes.sort()).toEqual(['done', undefined]);
    // The lock is released after the run: the next tick runs again.
    expect(await tickOnce(replicas[1]!.db, JOBS.crossCheck, slowWork(log, 1))).toBe('done');
    expect(log).toHaveLength(2);
  });

  it('the lock is per job: two different jobs tick at once', async () => {
    const log: Array<[number, number]> = [];
    await Promise.all([tickOnce(replicas[0]!.db, JOBS.memberScopeSync, slowWork(log)), tickOnce(replicas[1]!.db, JOBS.operatorDistrictSync, slowWork(log))]);
    expect(log).toHaveLength(2);
  });

  it('runs on demand wait for each other and all run, one after the other', async () => {
    const log: Array<[number, number]> = [];
    await Promise.all(replicas.map((r) => runExclusive(r.db, JOBS.memberScopeSync, slowWork(log, 200))));
    expect(log).toHaveLength(2);
    const [a, b] = log.sort((x, y) => x[0] - y[0]);
    expect(b![0]).toBeGreaterThanOrEqual(a![1]);
  });

  it('audit checkpoints: two gateways starting together sign once; each signs its last one on the way out', async () => {
    const keys = await generateGatewayKeys();
    const trails = replicas.map((r) => new AuditTrail(r.db));
    let signed = 0;
    for (const trail of trails) {
      const checkpoint = trail.checkpoint.bind(trail);
      trail.checkpoint = async (k) => {
        signed++;
        await sleep(300);
        return checkpoint(k);
      };
    }
    const stops = trails.map((trail) => trail.startCheckpoints(keys, 3_600_000));
    await sleep(100);
    await Promise.all(stops.map((stop) => stop()));
    // One scheduled checkpoint at start, then one final checkpoint per gateway (waited for, not skipped).
    expect(signed).toBe(3);
  });
});
