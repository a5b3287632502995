import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '@xiran/subgraph-kit';
import { findings, runs, type FindingRow, type RunRow } from './db/schema';
import type { Finding } from './engine';
import { RULE_IDS } from './rules';

export interface RuleCount {
  rule: string;
  open: number;
  new: number;
  resolved: number;
}

/**
 * What the scheduled runs found, kept so that the work briefing can count new and resolved
 * findings: a run's findings are compared with the open ones in one transaction.
 */
export class CrossCheckStore {
  constructor(private readonly db: Database) {}

  async recordRun(found: readonly Finding[], startedAt: string, districts: number): Promise<RunRow> {
    const id = `run-${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
    const now = new Date().toISOString();
    return this.db.transaction(async (tx) => {
      // One run at a time: a second waits here rather than double-counting.
      await tx.execute(sql`lock table ${runs} in exclusive mode`);
      const open = await tx.select({ id: findings.id, key: findings.findingKey, rule: findings.rule }).from(findings).where(isNull(findings.resolvedAt));
      const openKeys = new Map(open.map((f) => [f.key, f]));
      const foundKeys = new Set(found.map((f) => f.id));
      const fresh = found.filter((f) => !openKeys.has(f.id));
      const gone = open.filter((f) => !foundKeys.has(f.key));
      const counts = new Map<string, RuleCount>(RULE_IDS.map((rule): [string, RuleCount] => [rule, { rule, open: 0, new: 0, resolved: 0 }]));
      for (const f of found) counts.get(f.rule.id)!.open++;
      for (const f of fresh) counts.get(f.rule.id)!.new++;
      for (const f of gone) counts.get(f.rule)!.resolved++;

      if (fresh.length) {
        await tx.insert(findings).values(
          fresh.map((f) => ({ findingKey: f.id, rule: f.rule.id, district: f.district, uscc: f.uscc, facts: f.facts, evidence: f.evidence, firstDetectedAt: now, lastSeenAt: now, firstRun: id })),
        );
      }
      const seen = found.filter((f) => openKeys.has(f.id)).map((f) => openKeys.get(f.id)!.id);
      for (let i = 0; i < seen.length; i += 10_000) {
        await tx.update(findings).set({ lastSeenAt: now }).where(inArray(findings.id, seen.slice(i, i + 10_000)));
      }
      for (let i = 0; i < gone.length; i += 10_000) {
        await tx.update(findings).set({ resolvedAt: now, resolvedRun: id }).where(inArray(findings.id, gone.slice(i, i + 10_000).map((f) => f.id)));
      }
      const [run] = await tx
        .insert(runs)
        .values({ id, startedAt, finishedAt: now, districts, open: found.length, new: fresh.length, resolved: gone.length, byRule: [...counts.values()] })
        .returning();
      return run!;
    });
  }

  async runs(first: number): Promise<RunRow[]> {
    return this.db.select().from(runs).orderBy(desc(runs.startedAt)).limit(first);
  }

  /** Recorded findings, newest first. */
  async findings(filter: { district?: string | null; rules: readonly string[]; status: 'OPEN' | 'RESOLVED' | 'ALL'; usccs?: ReadonlySet<string>; first: number }): Promise<FindingRow[]> {
    if (filter.rules.length === 0 || filter.usccs?.size === 0) return [];
    const conditions: SQL[] = [inArray(findings.rule, [...filter.rules])];
    if (filter.district) conditions.push(eq(findings.district, filter.district));
    if (filter.status === 'OPEN') conditions.push(isNull(findings.resolvedAt));
    if (filter.status === 'RESOLVED') conditions.push(isNotNull(findings.resolvedAt));
    if (filter.usccs) conditions.push(inArray(findings.uscc, [...filter.usccs]));
    return this.db.select().from(findings).where(and(...conditions)).orderBy(desc(findings.firstDetectedAt), desc(findings.id)).limit(filter.first);
  }

  /** When each open finding was first recorded, by its key. */
  async firstDetected(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db
      .select({ key: findings.findingKey, at: findings.firstDetectedAt })
      .from(findings)
      .where(and(isNull(findings.resolvedAt), inArray(findings.findingKey, [...keys])));
    return new Map(rows.map((r) => [r.key, r.at]));
  }
}
