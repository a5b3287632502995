import { eq } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { CompactSign } from 'jose';
import type { GatewayKeyPair, Principal } from '@xiran/auth';
import { auditCheckpoints, auditHead, auditLog } from '../db/schema';
import { canonicalJson, entryHash, type ChainedEntry } from './chain';
import { normaliseEntry } from './normalise';
import { JOBS, runExclusive, tickOnce } from '../jobs';

type Db = NodePgDatabase<Record<string, unknown>>;

/** What the gateway records; the trail adds seq, time and the chain. */
export type AuditEntryInput = Omit<ChainedEntry, 'seq' | 'at' | 'prevHash'>;

/** Who asked, for an entry: the request id and the caller's identity as its token gave it. */
export function auditCaller(auth: { principal: Principal; requestId: string }, operationName: string | null) {
  const { principal, requestId } = auth;
  return { requestId, sub: principal.sub, agency: principal.agency, level: principal.level, district: principal.district, operationName };
}

/** Where a committed entry sits in the chain (an outcome entry names its intent by `seq`). */
export interface AppendedEntry {
  seq: number;
  hash: string;
}

interface Pending {
  entry: AuditEntryInput;
  at: string;
  resolve: (appended: AppendedEntry) => void;
  reject: (error: unknown) => void;
}

/** Time between the gateway's signed checkpoints: AUDIT_CHECKPOINT_SECONDS, default 60 s. */
export function checkpointIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.AUDIT_CHECKPOINT_SECONDS || 60);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`AUDIT_CHECKPOINT_SECONDS must be a positive number of seconds, not ${env.AUDIT_CHECKPOINT_SECONDS}`);
  return seconds * 1000;
}

/**
 * The audit trail's writer. Entries are batched (every few milliseconds) and a response is released
 * only after its batch is committed, so writing costs a transaction per batch, not per request.
 * Each batch locks the chain head, so several gateways append in turn to one chain.
 *
 * Entries cannot fail each other: every string is normalised and bounded before it joins a batch
 * (see normalise.ts), and a batch that fails all the same is written again entry by entry, so
 * that only an entry that fails on its own is refused.
 */
export class AuditTrail {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: { flushMs?: number; maxBatch?: number } = {},
  ) {}

  /** Resolves once the entry is committed (with its place in the chain); rejects when it cannot be written. */
  append(entry: AuditEntryInput): Promise<AppendedEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry: normaliseEntry(entry), at: new Date().toISOString(), resolve, reject });
      if (this.queue.length >= (this.options.maxBatch ?? 500)) this.schedule(0);
      else this.schedule(this.options.flushMs ?? 5);
    });
  }

  private schedule(delay: number): void {
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }, delay);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
    if (batch.length === 0) return;
    try {
      const appended = await this.write(batch);
      batch.forEach((p, i) => p.resolve(appended[i]!));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      // One entry the database refuses must not cost the others their answers: each alone.
      else for (const p of batch) await this.write([p]).then(([appended]) => p.resolve(appended!), p.reject);
    }
    if (this.queue.length > 0) this.schedule(0);
  }

  /** One transaction: lock the head, chain the entries onto it, insert them, move the head. */
  private async write(batch: readonly Pending[]): Promise<AppendedEntry[]> {
    return this.db.transaction(async (tx) => {
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 'head')).for('update');
      if (!head) throw new Error('The audit chain has no head row');
      let { seq, hash } = head;
      const rows = batch.map(({ entry, at }) => {
        const chained: ChainedEntry = { ...entry, seq: ++seq, at, prevHash: hash };
        hash = entryHash(chained);
        return { ...chained, hash };
      });
      await tx.insert(auditLog).values(rows);
      await tx.update(auditHead).set({ seq, hash }).where(eq(auditHead.id, 'head'));
      return rows.map((row) => ({ seq: row.seq, hash: row.hash }));
    });
  }

  /** Waits for everything queued so far to be written (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.timer) {
      await new Promise((r) => setTimeout(r, 2));
      await this.flushing;
    }
    await this.flushing;
  }

  /** Signs the current head with the gateway's key (periodically, and on demand). */
  async checkpoint(keys: GatewayKeyPair): Promise<{ seq: number; hash: string } | null> {
    if (!keys.privateKey) throw new Error('Checkpoints need the gateway signing key');
    await this.drain();
    const [head] = await this.db.select().from(auditHead).where(eq(auditHead.id, 'head'));
    if (!head || head.seq === 0) return null;
    const at = new Date().toISOString();
    const payload = new TextEncoder().encode(canonicalJson({ seq: head.seq, hash: head.hash, at }));
    const signature = await new CompactSign(payload).setProtectedHeader({ alg: 'ES256' }).sign(keys.privateKey);
    await this.db.insert(auditCheckpoints).values({ seq: head.seq, hash: head.hash, at, signature }).onConflictDoNothing();
    return { seq: head.seq, hash: head.hash };
  }

  /**
   * Checkpoints when the gateway starts, every `intervalMs` while it runs, and when it stops: the
   * returned function stops the schedule and signs the head one last time (call it after the
   * gateway has stopped answering, so that the last entries are covered).
   *
   * Once per cluster (see jobs.ts): a scheduled checkpoint is skipped while another gateway signs
   * one; the last one waits its turn, since it covers this gateway's last entries.
   */
  startCheckpoints(keys: GatewayKeyPair, intervalMs = checkpointIntervalMs()): () => Promise<void> {
    const failed = (e: unknown) => console.error('[audit] checkpoint failed', e);
    const scheduled = () => tickOnce(this.db, JOBS.auditCheckpoint, () => this.checkpoint(keys)).catch(failed);
    let last = scheduled();
    const timer = setInterval(() => void (last = scheduled()), intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await last;
      await runExclusive(this.db, JOBS.auditCheckpoint, () => this.checkpoint(keys)).catch(failed);
    };
  }
}
