import type pg from 'pg';

/**
 * PostgreSQL advisory locks, named. Several replicas of a service share one database: migrations
 * must not run twice at once (drizzle's migrator reads its tracking table, then applies what is
 * missing — two at once both apply), and a scheduled job must run once per cluster, not once per
 * replica. Advisory locks are per database, so a name only needs to be unique within one.
 */

/** 'xira': the first half of every key, so our locks cannot collide with another program's. */
const NAMESPACE = 0x78697261;

/** A stable 32-bit key for a name (FNV-1a), the same in every process and release. */
export function advisoryKey(name: string): [number, number] {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return [NAMESPACE, hash | 0];
}

// Literals, not parameters: a parameterless statement is one protocol message (the simple query
// protocol), which the embedded store's socket never interleaves with another connection's.
const keySql = (name: string) => advisoryKey(name).join(', ');

/**
 * The locks this process holds or waits for, by database URL and name. On PostgreSQL two
 * connections of one process exclude each other like two processes do; the embedded store is one
 * session behind its socket, where an advisory lock is re-entrant and never excludes anyone, so
 * the process itself keeps the turn (the embedded store belongs to one process: this is enough).
 */
const here = new Map<string, Promise<unknown>>();
const hereKey = (pool: pg.Pool, name: string) => `${(pool as unknown as { options?: { connectionString?: string } }).options?.connectionString ?? ''}\n${name}`;

/**
 * Runs `work` while holding the session lock `name` on a connection of its own, waiting for any
 * other holder. The lock goes with the connection, so a crashed holder cannot keep it.
 */
export async function withAdvisoryLock<T>(pool: pg.Pool, name: string, work: () => Promise<T>): Promise<T> {
  const key = hereKey(pool, name);
  for (let holder = here.get(key); holder; holder = here.get(key)) await holder.catch(() => {});
  const run = lockedRun(pool, name, work);
  here.set(key, run);
  try {
    return await run;
  } finally {
    if (here.get(key) === run) here.delete(key);
  }
}

async function lockedRun<T>(pool: pg.Pool, name: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`select pg_advisory_lock(${keySql(name)})`);
    try {
      return await work();
    } finally {
      await client.query(`select pg_advisory_unlock(${keySql(name)})`);
    }
  } finally {
    client.release();
  }
}

/**
 * Runs `work` only if no one else holds the lock `name` (another replica's tick): holds it on a
 * connection of its own for the whole run and answers `{ ran: false }` without waiting otherwise.
 */
export async function tryWithAdvisoryLock<T>(pool: pg.Pool, name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const key = hereKey(pool, name);
  if (here.has(key)) return { ran: false };
  const run = tryLockedRun(pool, name, work);
  here.set(key, run);
  try {
    return await run;
  } finally {
    if (here.get(key) === run) here.delete(key);
  }
}

async function tryLockedRun<T>(pool: pg.Pool, name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const client = await pool.connect();
  try {
    const taken = await client.query<{ taken: boolean }>(`select pg_try_advisory_lock(${keySql(name)}) as taken`);
    if (!taken.rows[0]?.taken) return { ran: false };
    try {
      return { ran: true, value: await work() };
    } finally {
      await client.query(`select pg_advisory_unlock(${keySql(name)})`);
    }
  } finally {
    client.release();
  }
}
