import { eq } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { CompactSign } from 'jose';
import type { GatewayKeyPair } from '../keys';
import { auditCheckpoints, auditHead, auditLog } from '../db/schema';
import { canonicalJson, entryHash, type ChainedEntry } from './chain';

type Db = NodePgDatabase<Record<string, unknown>>;

/** What the gateway records; the trail adds seq, time and the chain. */
export type AuditEntryInput = Omit<ChainedEntry, 'seq' | 'at' | 'prevHash'>;

interface Pending {
  entry: AuditEntryInput;
  at: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The audit trail's writer. Entries are batched (every few milliseconds) and a response is released
 * only after its batch is committed, so writing costs a transaction per batch, not per request.
 * Each batch locks the chain head, so several gateways append in turn to one chain.
 */
export class AuditTrail {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: { flushMs?: number; maxBatch?: number } = {},
  ) {}

  /** Resolves once the entry is committed; rejects when the trail cannot be written. */
  append(entry: AuditEntryInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, at: new Date().toISOString(), resolve, reject });
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
      await this.db.transaction(async (tx) => {
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
      });
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
    if (this.queue.length > 0) this.schedule(0);
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

  /** Checkpoints every `intervalMs` while the gateway runs. */
  startCheckpoints(keys: GatewayKeyPair, intervalMs = 60_000): () => void {
    const timer = setInterval(() => void this.checkpoint(keys).catch((e) => console.error('[audit] checkpoint failed', e)), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

