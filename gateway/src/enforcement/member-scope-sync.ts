import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../audit/trail';
import {
  isLive,
  type Grant,
  type GatewayKeyPair,
  type Principal,
  bodyHash,
  signSubgraphToken,
  SUBGRAPH_TOKEN_HEADER,
  MEMBER_SYNC_SUBJECT,
  MEMBER_SCOPE_PATH,
} from '@xiran/auth';
import type { GrantSource } from '../db/grant-repository';
import type { Database } from '@xiran/subgraph-kit';
import { JOBS, runExclusive, tickOnce } from '../jobs';

/** The audit entry kind of a widening of MEMBERS scope (an admission or a reactivation). */
export const SCOPE_CHANGE = 'SCOPE_CHANGE';

/** A subgraph that does not answer within this long fails the sync (a membership write's answer waits for it). */
const REQUEST_TIMEOUT_MS = 15_000;

const SYSTEM: Principal = { sub: MEMBER_SYNC_SUBJECT, agency: 'association', level: 'city', district: null, roles: ['reader'] };

/** What made a sync run: a membership write through the gateway (its caller and request), or the schedule. */
export interface SyncCause {
  sub: string;
  agency: string;
  requestId: string;
}

/**
 * MEMBERS scope needs the association's membership where the other departments' rows are: the
 * gateway reads the members in scope from the association subgraph (as the association itself:
 * membership ACTIVE and present in the latest member list) and pushes the list to each subgraph
 * that grants MEMBERS scope, now, after each membership write through the gateway, and on a
 * schedule.
 *
 * Membership is scope: whatever the association admits widens what every MEMBERS grantee knows of
 * the owners' data. So before a list with new members is pushed, one audit entry of kind
 * SCOPE_CHANGE names them, disclosed under every group some agency holds a MEMBERS grant of (with
 * that grant), which puts it in the accessLog of each owner whose grant it widens. No entry, no
 * widening: when the trail cannot be written the list is not pushed (the next run retries).
 */
export function useMemberScopeSync(options: {
  keys: GatewayKeyPair;
  associationUrl: string;
  /** Subgraph name → its GraphQL URL, for those that keep a member_scope table. */
  targets: Record<string, string>;
  intervalMs?: number;
  /** Where SCOPE_CHANGE entries go; without it (tools) widenings are pushed unrecorded. */
  audit?: AuditTrail;
  /** The grants, to name the MEMBERS grants a widening concerns. */
  grants?: GrantSource;
  /** The gateway's database, whose job lock makes the schedule once per cluster (see jobs.ts); without it (tools), per process. */
  database?: Database;
}) {
  let timer: NodeJS.Timeout | undefined;
  // One sync at a time: two at once would both see the same newcomers and record them twice.
  let queue: Promise<unknown> = Promise.resolve();

  // Bound to the body like every gateway-to-subgraph token; a GET of the scope list has the empty body.
  const token = (subgraph: string, body = '') =>
    signSubgraphToken(options.keys, subgraph, { principal: SYSTEM, requestId: `member-sync-${Date.now()}`, grants: {}, bodyHash: bodyHash(body) });

  async function readMembers(): Promise<string[]> {
    const usccs: string[] = [];
    let after: string | null = null;
    for (;;) {
      const body = JSON.stringify({
        // A member the latest full list left out keeps its ACTIVE status but is no member any more.
        query: 'query($after: String) { members(first: 1000, after: $after, filter: { status: ACTIVE, present: true }) { nodes { uscc } pageInfo { hasNextPage endCursor } } }',
        variables: { after },
      });
      const token = await signSubgraphToken(options.keys, 'association', {
        principal: SYSTEM,
        requestId: `member-sync-${Date.now()}`,
        grants: { creditGrade: ['OWNER', 'owner:creditGrade'] },
        bodyHash: bodyHash(body),
      });
      const response = await fetch(options.associationUrl, {
        method: 'POST',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', [SUBGRAPH_TOKEN_HEADER]: token },
        body,
      });
      const answer = (await response.json()) as { data?: { members: { nodes: Array<{ uscc: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }; errors?: unknown };
      if (!response.ok || !answer.data) throw new Error(`association members: ${JSON.stringify(answer.errors ?? response.status)}`);
      usccs.push(...answer.data.members.nodes.map((n) => n.uscc));
      if (!answer.data.members.pageInfo.hasNextPage) return usccs;
      after = answer.data.members.pageInfo.endCursor;
    }
  }

  /** The list a subgraph holds now. */
  async function readScope(subgraph: string, url: string): Promise<Set<string>> {
    const response = await fetch(new URL(MEMBER_SCOPE_PATH, url), { headers: { [SUBGRAPH_TOKEN_HEADER]: await token(subgraph) }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`member scope read from ${subgraph}: HTTP ${response.status}`);
    return new Set(((await response.json()) as { usccs: string[] }).usccs);
  }

  /** The live MEMBERS grants: the owners' groups a new member opens to their grantees. */
  function membersGrants(): Grant[] {
    const now = Date.now();
    return (options.grants?.current() ?? []).filter((grant) => grant.scope === 'MEMBERS' && isLive(grant, now));
  }

  async function recordWidening(added: readonly string[], total: number, cause: SyncCause | null): Promise<void> {
    const grants = membersGrants();
    if (!options.audit || grants.length === 0) return;
    const operators = [...added].sort();
    await options.audit.append({
      kind: SCOPE_CHANGE,
      requestId: cause?.requestId ?? `member-sync-${randomUUID()}`,
      sub: MEMBER_SYNC_SUBJECT,
      // Not a read by anyone: no agency, so that it never counts among an agency's reads.
      agency: null,
      level: null,
      district: null,
      operationName: null,
      operationHash: null,
      disclosed: grants.map((grant) => ({ group: grant.group, grant: grant.id, operators })),
      refused: [],
      detail: {
        reason: 'MEMBERS scope widened: admission or reactivation',
        grantees: [...new Set(grants.map((g) => g.grantee))].sort(),
        members: total,
        cause: cause ? { sub: cause.sub, agency: cause.agency, requestId: cause.requestId } : 'schedule',
      },
    });
  }

  async function syncNow(cause: SyncCause | null): Promise<number> {
    const usccs = await readMembers();
    const targets = Object.entries(options.targets);
    const held = await Promise.all(targets.map(([subgraph, url]) => readScope(subgraph, url)));
    const added = new Set<string>();
    for (const list of held) for (const uscc of usccs) if (!list.has(uscc)) added.add(uscc);
    // The trail first: a widening that cannot be recorded is not applied.
    if (added.size > 0) await recordWidening([...added], usccs.length, cause);
    const body = JSON.stringify({ usccs });
    for (const [subgraph, url] of targets) {
      const response = await fetch(new URL(MEMBER_SCOPE_PATH, url), {
        method: 'POST',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', [SUBGRAPH_TOKEN_HEADER]: await token(subgraph, body) },
        body,
      });
      if (!response.ok) throw new Error(`member scope push to ${subgraph}: HTTP ${response.status}`);
    }
    return usccs.length;
  }

  /**
   * Reads the members, records any widening, pushes the list; resolves with the number of members.
   * Waits for another gateway's sync (two at once would record the same newcomers twice).
   */
  function syncOnce(cause: SyncCause | null = null): Promise<number> {
    const work = () => syncNow(cause);
    const run = queue.then(() => (options.database ? runExclusive(options.database, JOBS.memberScopeSync, work) : work()));
    queue = run.catch(() => {});
    return run;
  }

  /** The scheduled sync: skipped while another gateway syncs (its list is the same). */
  function tick(): Promise<number | undefined> {
    const work = () => syncNow(null);
    const run = queue.then(() => (options.database ? tickOnce(options.database, JOBS.memberScopeSync, work) : work()));
    queue = run.catch(() => {});
    return run;
  }

  return {
    syncOnce,
    /** Syncs now, then every `intervalMs` (default 60 s). */
    async start(): Promise<void> {
      await tick();
      timer = setInterval(() => void tick().catch((e) => console.error('[member-scope] sync failed', e)), options.intervalMs ?? 60_000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type MemberScopeSync = ReturnType<typeof useMemberScopeSync>;
