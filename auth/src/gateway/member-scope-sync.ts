import type { GatewayKeyPair } from '../keys';
import type { Principal } from '../principal';
import { bodyHash, signSubgraphToken, SUBGRAPH_TOKEN_HEADER } from '../tokens';

/** The system principal the gateway uses to copy the association's member list to other subgraphs. */
export const MEMBER_SYNC_SUBJECT = 'system:member-scope-sync';
export const MEMBER_SCOPE_PATH = '/internal/member-scope';

const SYSTEM: Principal = { sub: MEMBER_SYNC_SUBJECT, agency: 'association', level: 'city', district: null, roles: ['reader'] };

/**
 * MEMBERS scope needs the association's membership where the other departments' rows are: the
 * gateway reads the active members from the association subgraph (as the association itself) and
 * pushes the list to each subgraph that grants MEMBERS scope, now and on a schedule.
 */
export function useMemberScopeSync(options: {
  keys: GatewayKeyPair;
  associationUrl: string;
  /** Subgraph name → its GraphQL URL, for those that keep a member_scope table. */
  targets: Record<string, string>;
  intervalMs?: number;
}) {
  let timer: NodeJS.Timeout | undefined;

  async function readMembers(): Promise<string[]> {
    const usccs: string[] = [];
    let after: string | null = null;
    for (;;) {
      const body = JSON.stringify({
        query: 'query($after: String) { members(first: 1000, after: $after, filter: { status: ACTIVE }) { nodes { uscc } pageInfo { hasNextPage endCursor } } }',
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

  async function syncOnce(): Promise<number> {
    const usccs = await readMembers();
    for (const [subgraph, url] of Object.entries(options.targets)) {
      const body = JSON.stringify({ usccs });
      const token = await signSubgraphToken(options.keys, subgraph, { principal: SYSTEM, requestId: `member-sync-${Date.now()}`, grants: {}, bodyHash: bodyHash(body) });
      const response = await fetch(new URL(MEMBER_SCOPE_PATH, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SUBGRAPH_TOKEN_HEADER]: token },
        body,
      });
      if (!response.ok) throw new Error(`member scope push to ${subgraph}: HTTP ${response.status}`);
    }
    return usccs.length;
  }

  return {
    syncOnce,
    /** Syncs now, then every `intervalMs` (default 60 s). */
    async start(): Promise<void> {
      await syncOnce();
      timer = setInterval(() => void syncOnce().catch((e) => console.error('[member-scope] sync failed', e)), options.intervalMs ?? 60_000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}
