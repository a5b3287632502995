import { asc, gt } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { compactVerify, type CryptoKey } from 'jose';
import { auditCheckpoints, auditLog } from '../db/schema';
import { canonicalJson, entryHash, GENESIS_HASH } from './chain';

type Db = NodePgDatabase<Record<string, unknown>>;

export type VerifyResult =
  | { ok: true; entries: number; checkpoints: number; head: { seq: number; hash: string } }
  | { ok: false; seq: number; reason: string };

/**
 * Walks the whole chain: contiguous sequence numbers (a deleted entry leaves a gap), each entry's
 * link to the one before, each entry's own hash (an edited or reordered entry no longer matches),
 * then every signed checkpoint (a cut tail falls short of the last one). Names the first break.
 */
export async function verifyAuditChain(db: Db, publicKey: CryptoKey): Promise<VerifyResult> {
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
  return { ok: true, entries: lastSeq, checkpoints: checkpoints.length, head: { seq: lastSeq, hash: prevHash } };
}
