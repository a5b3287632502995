import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import {
  type GatewayKeyPair,
  type Principal,
  bodyHash,
  signSubgraphToken,
  SUBGRAPH_TOKEN_HEADER,
  OPERATOR_DISTRICT_SYNC_SUBJECT,
  OPERATOR_DISTRICTS_PATH,
} from '@xiran/auth';
import { DISTRICTS } from '@xiran/common';
import { operatorDistricts } from '../db/schema';
import { JOBS, runExclusive, tickOnce } from '../jobs';

const SYSTEM: Principal = { sub: OPERATOR_DISTRICT_SYNC_SUBJECT, agency: 'market', level: 'city', district: null, roles: ['reader'] };

export interface OperatorDistrict {
  uscc: string;
  district: string;
}

/**
 * 限定知悉范围 by district needs each operator's registered district where the registry is not:
 * in the gateway, whose audit log names operators without their district, and in each subgraph
 * whose district uploaders write about operators. The gateway reads the registry (as 市场监管局,
 * one unpaged `operatorKeys` per district) and keeps the map in its own database and pushes it to
 * each target, now and on a schedule; an unchanged map is not pushed again.
 *
 * Why a replica rather than a look-up per write or per audit read: a 50,000-row import and a page
 * of the audit log each need thousands of districts at once, inside one SQL statement.
 */
export function useOperatorDistrictSync(options: {
  keys: GatewayKeyPair;
  registrationUrl: string;
  /** The gateway's own database (gateway.operator_districts). */
  database: NodePgDatabase<Record<string, unknown>>;
  /** Subgraph name → its GraphQL URL, for those that keep an operator_districts table. */
  targets: Record<string, string>;
  intervalMs?: number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let pushed = '';

  async function readRegistry(): Promise<OperatorDistrict[]> {
    const query = DISTRICTS.map((d, i) => `d${i}: operatorKeys(filter: { district: ${JSON.stringify(d.code)} })`).join('\n');
    const requestBody = JSON.stringify({ query: `{ ${query} }` });
    const token = await signSubgraphToken(options.keys, 'registration', {
      principal: SYSTEM,
      requestId: `operator-district-sync-${Date.now()}`,
      grants: { registration: ['OWNER', 'owner:registration'] },
      bodyHash: bodyHash(requestBody),
    });
    const response = await fetch(options.registrationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SUBGRAPH_TOKEN_HEADER]: token },
      body: requestBody,
    });
    const body = (await response.json()) as { data?: Record<string, string[]>; errors?: unknown };
    if (!response.ok || !body.data || body.errors) throw new Error(`registration operatorKeys: ${JSON.stringify(body.errors ?? response.status)}`);
    return DISTRICTS.flatMap((d, i) => (body.data![`d${i}`] ?? []).map((uscc) => ({ uscc, district: d.code })));
  }

  /** Replaces the gateway's copy in one transaction: an audit read sees the old map or the new one. */
  async function store(rows: readonly OperatorDistrict[]): Promise<void> {
    await options.database.transaction(async (tx) => {
      await tx.delete(operatorDistricts);
      await tx.execute(sql`insert into ${operatorDistricts} (uscc, district)
        select * from unnest(${sql.param(rows.map((r) => r.uscc))}::text[], ${sql.param(rows.map((r) => r.district))}::text[]) on conflict do nothing`);
    });
  }

  async function syncNow(): Promise<number> {
    const rows = await readRegistry();
    const digest = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    if (digest === pushed) return rows.length;
    await store(rows);
    for (const [subgraph, url] of Object.entries(options.targets)) {
      const pushBody = JSON.stringify({ operators: rows });
      const token = await signSubgraphToken(options.keys, subgraph, { principal: SYSTEM, requestId: `operator-district-sync-${Date.now()}`, grants: {}, bodyHash: bodyHash(pushBody) });
      const response = await fetch(new URL(OPERATOR_DISTRICTS_PATH, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SUBGRAPH_TOKEN_HEADER]: token },
        body: pushBody,
      });
      if (!response.ok) throw new Error(`operator districts push to ${subgraph}: HTTP ${response.status}`);
    }
    pushed = digest;
    return rows.length;
  }

  // One sync at a time: two replacing the same copy at once would collide on its keys. In this
  // process by the chain below; across replicas by the job's lock (see jobs.ts): a scheduled sync
  // is skipped while another gateway syncs, one after a registry write waits for it.
  let last: Promise<unknown> = Promise.resolve();
  const exclusive = () => runExclusive(options.database, JOBS.operatorDistrictSync, syncNow);
  function syncOnce(): Promise<number> {
    const run = last.then(exclusive);
    last = run.catch(() => {});
    return run;
  }
  function tick(): Promise<number | undefined> {
    const run = last.then(() => tickOnce(options.database, JOBS.operatorDistrictSync, syncNow));
    last = run.catch(() => {});
    return run;
  }
  let queued = false;
  /** A sync after the one under way (at most one waiting): after a registry write, the map follows within moments. */
  function soon(): void {
    if (queued) return;
    queued = true;
    const run = last.then(() => {
      queued = false;
      return exclusive();
    });
    last = run.catch((e) => console.error('[operator-districts] sync failed', e));
  }

  return {
    syncOnce,
    soon,
    /** Syncs now, then every `intervalMs` (default 60 s). */
    async start(): Promise<void> {
      await tick();
      timer = setInterval(() => void tick().catch((e) => console.error('[operator-districts] sync failed', e)), options.intervalMs ?? 60_000);
      timer.unref();
    },
    /** Stops the schedule; resolves when the sync under way (if any) is done, before its pools close. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await last;
    },
  };
}
