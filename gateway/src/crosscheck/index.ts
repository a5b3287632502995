import { randomUUID } from 'node:crypto';
import { effectiveGrants, type Principal } from '@xiran/auth';
import type { GatewayAuth } from '../enforcement/authentication';
import type { GrantSource } from '../db/grant-repository';
import { todayInShanghai, type Database } from '@xiran/subgraph-kit';
import { DISTRICTS } from '@xiran/common';
import { crossCheckSchema, type ExecuteAs } from './api';
import { loadThresholds, type Thresholds } from './config';
import { CrossCheckEngine, type Finding } from './engine';
import { dataWatermark, FindingsCache } from './cache';
import { RULES } from './rules';
import { CrossCheckStore } from './store';
import { JOBS, tickOnce } from '../jobs';

export { crossCheckInterval, loadThresholds } from './config';
export { RULES, RULE_IDS, type RuleId } from './rules';

/**
 * The system principal the cross-check queries the gateway as: 商务局, which leads the mechanism,
 * at city level. Its reads are planned, enforced and audited like anyone's.
 */
export const CROSSCHECK_PRINCIPAL: Principal = { sub: 'system:crosscheck', agency: 'commerce', level: 'city', district: null, roles: ['reader'] };

export interface CrossCheck {
  schema: ReturnType<typeof crossCheckSchema>;
  store: CrossCheckStore;
  /** Every rule over every district, recorded (the scheduled run). */
  runAll(): ReturnType<CrossCheckStore['recordRun']>;
  /** Runs once now and then every `minutes` (0: never) until stopped. */
  start(minutes: number): void;
  stop(): void;
}

/**
 * 相互比对, inside the gateway. `executeAs` runs an operation through this gateway (set once Apollo
 * is up); the engine uses it as CROSSCHECK_PRINCIPAL with that principal's current grants.
 */
export function createCrossCheck(options: { executeAs: ExecuteAs; grants: GrantSource; database: Database; thresholds?: Thresholds }): CrossCheck {
  const thresholds = options.thresholds ?? loadThresholds();
  const system = (): GatewayAuth => ({ principal: CROSSCHECK_PRINCIPAL, grants: effectiveGrants(CROSSCHECK_PRINCIPAL, options.grants.current()), requestId: `crosscheck-${randomUUID()}` });
  const executeAsSystem = (query: string, variables: Record<string, unknown>) => options.executeAs(system(), query, variables);
  const engine = new CrossCheckEngine(executeAsSystem, () => thresholds, todayInShanghai);
  const findings = new FindingsCache(engine, () => dataWatermark(executeAsSystem), todayInShanghai);
  const store = new CrossCheckStore(options.database);

  async function membersOf(district: string): Promise<Set<string>> {
    const members = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const result = await executeAsSystem('query Members($district: String!, $after: String) { members(first: 1000, after: $after, filter: { district: $district, status: ACTIVE, present: true }) { nodes { uscc } pageInfo { hasNextPage endCursor } } }', { district, after });
      if (result.errors?.length || !result.data) throw new Error(`members of ${district}: ${JSON.stringify(result.errors)}`);
      const page = (result.data as { members: { nodes: Array<{ uscc: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).members;
      for (const node of page.nodes) members.add(node.uscc);
      if (!page.pageInfo.hasNextPage) return members;
      after = page.pageInfo.endCursor;
    }
  }

  let running: Promise<Awaited<ReturnType<CrossCheckStore['recordRun']>>> | undefined;
  async function runAll() {
    // One run at a time in this process; the store's lock orders runs of several gateways.
    running ??= (async () => {
      const startedAt = new Date().toISOString();
      const found: Finding[] = [];
      // District by district: a run is background work and should not crowd out callers.
      for (const district of DISTRICTS) found.push(...(await findings.evaluateEach(district.code, RULES)).flat());
      return store.recordRun(found, startedAt, DISTRICTS.length);
    })().finally(() => (running = undefined));
    return running;
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    schema: crossCheckSchema({ findings, store, executeAs: options.executeAs, membersOf, runAll }),
    store,
    runAll,
    start(minutes) {
      if (minutes <= 0) return;
      stopped = false;
      // Once per cluster (see jobs.ts): skipped while another gateway's scheduled run is under way.
      // A run asked for through runCrossCheck is not skipped; the store orders it after the other.
      const scheduled = () =>
        void tickOnce(options.database, JOBS.crossCheck, runAll).catch((error) => {
          if (!stopped) console.error('[crosscheck] scheduled run failed', error);
        });
      // The first run at start: crossCheckRuns and crossCheckFindings have content from the first
      // minutes on, not only after the first interval (and a failure here waits for the next one).
      scheduled();
      timer = setInterval(scheduled, minutes * 60_000);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
