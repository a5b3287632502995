import { randomBytes } from 'node:crypto';
import type { Database } from '../database';
import type { DatasetDefinition, Writer } from './dataset';
import type { MergeCounts } from './merge';
import type { ImportBatchRow, IntakeTables } from './tables';

export type BatchKind = 'UPLOAD' | 'IMPORT';

/** `imp-20261125T204100Z-3f9a1c`: sortable by time, unique by its random tail. */
export function newBatchId(kind: BatchKind, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${kind === 'IMPORT' ? 'imp' : 'upl'}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export interface BatchRecord {
  id: string;
  kind: BatchKind;
  status: 'SUCCEEDED' | 'REJECTED';
  fileName?: string | null;
  fileSha256?: string | null;
  encoding?: string | null;
  counts: MergeCounts;
  rejectedRows: number;
  errors?: unknown;
  writer: Writer;
  startedAt: string;
}

/** Writes the batch row (in the caller's transaction for a successful batch). */
export async function recordBatch(db: Database, intake: IntakeTables, dataset: DatasetDefinition, batch: BatchRecord): Promise<ImportBatchRow> {
  const [row] = await db
    .insert(intake.importBatches)
    .values({
      id: batch.id,
      dataset: dataset.name,
      kind: batch.kind,
      mode: dataset.mode,
      status: batch.status,
      fileName: batch.fileName ?? null,
      fileSha256: batch.fileSha256 ?? null,
      encoding: batch.encoding ?? null,
      rows: batch.counts.rows,
      newRows: batch.counts.newRows,
      changedRows: batch.counts.changedRows,
      unchangedRows: batch.counts.unchangedRows,
      absentRows: batch.counts.absentRows,
      rejectedRows: batch.rejectedRows,
      errors: batch.errors ?? null,
      bySub: batch.writer.sub,
      byAgency: batch.writer.agency,
      byDistrict: batch.writer.district,
      startedAt: batch.startedAt,
      finishedAt: new Date().toISOString(),
    })
    .returning();
  return row!;
}
