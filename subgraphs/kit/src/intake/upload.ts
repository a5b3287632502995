import { and, eq, getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { SubgraphAuth } from '@xiran/auth';
import { badUserInput, forbidden } from '@xiran/common';
import type { Database } from '../database';
import { newBatchId, recordBatch } from './batch';
import { OUTSIDE_DISTRICT, validateRecord, type DatasetDefinition, type ParsedValue, type Writer } from './dataset';
import { mergeRecords } from './merge';
import type { ImportBatchRow, IntakeTables } from './tables';

/**
 * A district writer's refusal, whatever its cause (see OUTSIDE_DISTRICT): the same message and
 * field whether the record exists or not, and no district named.
 */
export function outsideDistrict(field: string) {
  return forbidden('A district uploader writes only about operators registered in its district, and changes only records held there.', { field });
}

/** The writer of a mutation: the caller the gateway vouched for. */
export function writerOf(auth: SubgraphAuth): Writer {
  const { sub, agency, level, district } = auth.principal;
  return { sub, agency, level, district };
}

/**
 * 即时上传: writes records of one dataset the moment a department changes them, through the same
 * validation and merge as an import (so the change log and freshness see uploads too). Runs in a
 * transaction of its own, or in the caller's (several datasets written together). Bad input is a
 * BAD_USER_INPUT naming `<field>.<key>`; a record outside the writer's district is FORBIDDEN.
 */
export async function uploadRecords(
  db: Database,
  intake: IntakeTables,
  dataset: DatasetDefinition,
  inputs: ReadonlyArray<Record<string, unknown>>,
  writer: Writer,
  field = 'input',
  stored: ReadonlySet<string> = new Set(),
): Promise<{ batch: ImportBatchRow; records: Array<Record<string, ParsedValue>> }> {
  const records = inputs.map((input, index) => {
    const path = inputs.length > 1 ? `${field}[${index}]` : field;
    const { record, problems } = validateRecord(dataset, input, writer, stored);
    if (problems.some((p) => p.reason === OUTSIDE_DISTRICT)) throw outsideDistrict(`${path}.district`);
    const problem = problems[0];
    if (problem) {
      throw badUserInput(`${path}.${problem.key}`, problem.reason, { problems: problems.map((p) => ({ field: `${path}.${p.key}`, reason: p.reason })) });
    }
    return record;
  });
  const startedAt = new Date().toISOString();
  const batchId = newBatchId('UPLOAD');
  const batch = await db.transaction(async (tx) => {
    const merged = await mergeRecords(
      tx,
      intake,
      dataset,
      records.map((record) => ({ line: 0, record })),
      { batchId, source: `upload:${writer.sub}`, at: startedAt, writer, markAbsent: false },
    );
    const rejection = merged.rejections[0];
    if (rejection?.reason === OUTSIDE_DISTRICT) throw outsideDistrict(`${field}.district`);
    if (rejection) throw badUserInput(`${field}.${rejection.column}`, rejection.reason);
    return recordBatch(tx, intake, dataset, { id: batchId, kind: 'UPLOAD', status: 'SUCCEEDED', counts: merged.counts, rejectedRows: 0, writer, startedAt });
  });
  return { batch, records };
}

/**
 * Changes some fields of one stored record (route a complaint, close a lead, ...): the stored
 * record with `patch` over it goes through uploadRecords; the patched fields are validated as input,
 * the record's cross-field checks run on the whole.
 */
export async function patchRecord(
  db: Database,
  intake: IntakeTables,
  dataset: DatasetDefinition,
  key: Record<string, string>,
  patch: Record<string, unknown>,
  writer: Writer,
  field = 'input',
): Promise<{ batch: ImportBatchRow; record: Record<string, ParsedValue> }> {
  const columns = getTableColumns(dataset.table) as Record<string, PgColumn>;
  const where = and(...dataset.key.map((k) => eq(columns[k]!, key[k])));
  const [stored] = await db.select().from(dataset.table).where(where).limit(1);
  const current = stored as Record<string, unknown> | undefined;
  // To a district writer, a record of another district and no record at all read the same.
  if (writer.district && current?.district !== writer.district) throw outsideDistrict(`${field}.${dataset.key[0]}`);
  if (!current) throw badUserInput(`${field}.${dataset.key[0]}`, `no ${dataset.name} record ${Object.values(key).join('/')}`);
  const base = Object.fromEntries(dataset.columns.map((c) => [c.key, current[c.key]]));
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  // Only what the patch changes is validated as new input; the rest is the stored record as it is
  // (checked across fields all the same), so a record holding a legacy value can still be moved on.
  const kept = new Set(dataset.columns.map((c) => c.key).filter((key) => !(key in defined)));
  const { batch, records } = await uploadRecords(db, intake, dataset, [{ ...base, ...defined }], writer, field, kept);
  return { batch, record: records[0]! };
}
