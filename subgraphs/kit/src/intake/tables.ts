import type { SQL } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, text, timestamp, varchar, type PgSchema } from 'drizzle-orm/pg-core';

/**
 * The intake bookkeeping every department keeps in its own schema: one row per upload or import
 * (a batch), and the change log that `changes(since:)` reads. Both are written in the same
 * transaction as the data they describe, so a batch either happened whole or not at all.
 */
export function intakeTables(schema: PgSchema) {
  const importBatches = schema.table(
    'intake_batches',
    {
      id: varchar('id', { length: 48 }).primaryKey(),
      dataset: varchar('dataset', { length: 40 }).notNull(),
      /** UPLOAD (a mutation, 即时上传) or IMPORT (a CSV refresh, 定期更新). */
      kind: varchar('kind', { length: 10 }).notNull(),
      /** SNAPSHOT or INCREMENTAL, as the dataset is defined. */
      mode: varchar('mode', { length: 12 }).notNull(),
      /** SUCCEEDED, or REJECTED (validation failed; no data row was written). */
      status: varchar('status', { length: 10 }).notNull(),
      fileName: text('file_name'),
      fileSha256: varchar('file_sha256', { length: 64 }),
      encoding: varchar('encoding', { length: 10 }),
      rows: integer('rows').notNull(),
      newRows: integer('new_rows').notNull(),
      changedRows: integer('changed_rows').notNull(),
      unchangedRows: integer('unchanged_rows').notNull(),
      absentRows: integer('absent_rows').notNull(),
      rejectedRows: integer('rejected_rows').notNull(),
      /** The first errors of a rejected batch: [{ line, column, reason }]. */
      errors: jsonb('errors'),
      bySub: text('by_sub').notNull(),
      byAgency: varchar('by_agency', { length: 20 }).notNull(),
      byDistrict: varchar('by_district', { length: 8 }),
      startedAt: timestamp('started_at', { withTimezone: true, mode: 'string' }).notNull(),
      finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'string' }).notNull(),
    },
    (t) => [index('intake_batches_dataset_idx').on(t.dataset, t.status, t.finishedAt)],
  );

  const changeLog = schema.table(
    'change_log',
    {
      seq: bigserial('seq', { mode: 'number' }).primaryKey(),
      at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
      batchId: varchar('batch_id', { length: 48 }).notNull(),
      dataset: varchar('dataset', { length: 40 }).notNull(),
      /** The record's natural key, its parts joined by `/`. */
      recordKey: text('record_key').notNull(),
      uscc: varchar('uscc', { length: 18 }),
      district: varchar('district', { length: 8 }).notNull(),
      /** The agency a record is routed to, for HANDLER-scoped readers of the log. */
      handler: varchar('handler', { length: 20 }),
      /** INSERTED, UPDATED or ABSENT (left out of a full snapshot). */
      operation: varchar('operation', { length: 10 }).notNull(),
      changedFields: text('changed_fields').array().notNull(),
    },
    (t) => [index('change_log_dataset_seq_idx').on(t.dataset, t.seq), index('change_log_at_idx').on(t.at)],
  );

  return { importBatches, changeLog };
}

export type IntakeTables = ReturnType<typeof intakeTables> & {
  /**
   * `select uscc, district` of every registered operator (see registeredDistricts): holds a
   * district uploader to the operators registered in its district. Unset: only the records' own
   * district column is checked.
   */
  registeredDistricts?: SQL;
};
export type ImportBatchRow = IntakeTables['importBatches']['$inferSelect'];
export type ChangeLogRow = IntakeTables['changeLog']['$inferSelect'];
