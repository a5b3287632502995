import { asc, eq, gt } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { compactVerify, type CryptoKey } from 'jose';
import { auditCheckpoints, auditLog } from '../db/schema';
import { canonicalJson, entryHash, GENESIS_HASH } from './chain';
import { checkpointIntervalMs } from './trail';

type Db = NodePgDatabase<Record<string, unknown>>;

export type VerifyResult =
  | { ok: true; entries: number; checkpoints: number; entriesAfterLastCheckpoint: number; head: { seq: number; hash: string } }
  | { ok: false; seq: number; reason: string; entriesAfterLastCheckpoint?: number };

export interface VerifyOptions {
  /**
   * How long an entry may wait for a signed checkpoint: two checkpoint intervals by default (the
   * gateway signs one per interval, and when it starts and stops). An older uncovered entry means
   * the checkpoints stopped, and a cut tail would go unnoticed.
   */
  maxUncheckpointedMs?: number;
  now?: Date;
}

/**
 * Walks the whole chain: contiguous sequence numbers (a deleted entry leaves a gap), each entry's
 * link to the one before, each entry's own hash (an edited or reordered entry no longer matches),
 * then every signed checkpoint (its ES256 signature, and the entry it covers; a cut tail falls short
 * of the last one), then how long the entries after the last checkpoint have gone unsigned.
 * Names the first break.
 */
export async function verifyAuditChain(db: Db, publicKey: CryptoKey, options: VerifyOptions = {}): Promise<VerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  const hashes = new Map<number, string>();
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, expectedSeq - 1)).orderBy(asc(auditLog.seq)).limit(5000);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.seq !== expectedSeq) return { ok: false, seq: expectedSeq, reason: `entry ${expectedSeq} is missing (the next entry is ${row.seq}): deleted` };
      if (row.prevHash !== prevHash) return { ok: false, seq: row.seq, reason: `entry ${row.seq} does not link to entry ${row.seq - 1}: edited, deleted or reordered` };
      const { hash, ...chained } = row;
      if (entryHash(chained) !== hash) return { ok: false, seq: row.seq, reason: `entry ${row.seq} does not match its hash: edited or reordered` };
      hashes.set(row.seq, hash);
      prevHash = hash;
      expectedSeq++;
    }
  }
  const lastSeq = expectedSeq - 1;
  const checkpoints = await db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq));
  for (const checkpoint of checkpoints) {
    let signed: { seq: number; hash: string; at: string };
    try {
      const { payload } = await compactVerify(checkpoint.signature, publicKey, { algorithms: ['ES256'] });
      signed = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return { ok: false, seq: checkpoint.seq, reason: `checkpoint at entry ${checkpoint.seq} has no valid gateway signature` };
    }
    if (canonicalJson(signed) !== canonicalJson({ seq: checkpoint.seq, hash: checkpoint.hash, at: new Date(checkpoint.at).toISOString() })) {
      return { ok: false, seq: checkpoint.seq, reason: `checkpoint at entry ${checkpoint.seq} differs from what was signed` };
    }
    if (checkpoint.seq > lastSeq) {
      return { ok: false, seq: lastSeq + 1, reason: `the chain ends at entry ${lastSeq}, but a signed checkpoint covers entry ${checkpoint.seq}: the tail was cut` };
    }
    if (hashes.get(checkpoint.seq) !== checkpoint.hash) {
      return { ok: false, seq: checkpoint.seq, reason: `entry ${checkpoint.seq} differs from the signed checkpoint` };
    }
  }
  const covered = checkpoints.at(-1)?.seq ?? 0;
  const entriesAfterLastCheckpoint = lastSeq - covered;
  if (entriesAfterLastCheckpoint > 0) {
    const [oldest] = await db.select({ at: auditLog.at }).from(auditLog).where(eq(auditLog.seq, covered + 1));
    const limit = options.maxUncheckpointedMs ?? 2 * checkpointIntervalMs();
    const age = (options.now ?? new Date()).getTime() - new Date(oldest!.at).getTime();
    if (age > limit) {
      const since = covered ? `the last signed checkpoint (entry ${covered})` : 'the start (there is no signed checkpoint)';
      return {
        ok: false,
        seq: covered + 1,
        entriesAfterLastCheckpoint,
        reason: `${entriesAfterLastCheckpoint} entries lie after ${since}, the oldest written ${Math.round(age / 1000)} s ago, more than ${Math.round(limit / 1000)} s (two checkpoint intervals): checkpoints stopped`,
      };
    }
  }
  return { ok: true, entries: lastSeq, checkpoints: checkpoints.length, entriesAfterLastCheckpoint, head: { seq: lastSeq, hash: prevHash } };
}
