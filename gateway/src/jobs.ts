import { tryWithAdvisoryLock, withAdvisoryLock, type Database, type ServiceDatabase } from '@xiran/subgraph-kit';

/**
 * The gateway's scheduled jobs run once per cluster, not once per replica. Every replica keeps its
 * schedule (any of them may be the one left running), and each tick takes the job's advisory lock
 * in the gateway's database first: a tick that finds the lock held skips, because another
 * replica's run of the same job is under way and would do the same work (push the same member
 * list, record a second 相互比对 run, sign the same head). A run on demand (after a write through
 * this gateway, at shutdown) waits for the lock instead: it must happen, only not at the same time.
 */
export const JOBS = {
  memberScopeSync: 'job:member-scope-sync',
  operatorDistrictSync: 'job:operator-district-sync',
  crossCheck: 'job:crosscheck',
  auditCheckpoint: 'job:audit-checkpoint',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** The pool under a drizzle handle: the lock is held on a connection of its own. */
function poolOf(database: Database): ServiceDatabase['pool'] {
  const pool = (database as unknown as { $client?: ServiceDatabase['pool'] }).$client;
  if (!pool || typeof pool.connect !== 'function') throw new Error('A job lock needs a drizzle handle over a pg pool');
  return pool;
}

/** A scheduled tick: `work` runs unless another replica runs the job now; `undefined` when skipped. */
export async function tickOnce<T>(database: Database, job: JobName, work: () => Promise<T>): Promise<T | undefined> {
  const outcome = await tryWithAdvisoryLock(poolOf(database), job, work);
  return outcome.ran ? outcome.value : undefined;
}

/** A run on demand: waits while another replica runs the job, then runs. */
export function runExclusive<T>(database: Database, job: JobName, work: () => Promise<T>): Promise<T> {
  return withAdvisoryLock(poolOf(database), job, work);
}
