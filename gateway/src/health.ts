import type { HttpSubgraphName } from '@xiran/schema';

/** `/health` of the gateway: its own liveness plus each subgraph's `/health`. */
export async function checkSubgraphs(subgraphUrls: Record<HttpSubgraphName, string>): Promise<{ ok: boolean; subgraphs: Record<string, string> }> {
  const entries = await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]) => {
      try {
        const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) });
        return [name, response.ok ? 'ok' : `http ${response.status}`] as const;
      } catch {
        return [name, 'unreachable'] as const;
      }
    }),
  );
  return { ok: entries.every(([, status]) => status === 'ok'), subgraphs: Object.fromEntries(entries) };
}
