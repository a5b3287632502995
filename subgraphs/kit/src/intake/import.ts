import { createHash } from 'node:crypto';
import { badUserInput } from '@xiran/common';
import type { Database } from '../database';
import { newBatchId, recordBatch } from './batch';
import { CsvUnreadable, decodeCsv, parseCsv, type CsvEncoding, type DecodedEncoding } from './csv';
import { recordKey, validateRecord, type DatasetDefinition, type Writer } from './dataset';
import { openStage, type MergeCounts, type Stage, type StagedRecord } from './merge';
import type { ImportBatchRow, IntakeTables } from './tables';

export interface ImportRowError {
  /** 1-based line of the file (the header is line 1). */
  line: number;
  /** The column as the file names it; null when the whole line is wrong. */
  column: string | null;
  reason: string;
}

export interface ImportReport extends MergeCounts {
  dataset: string;
  dryRun: boolean;
  /** True when the file was written (or, for a dry run, would be). */
  accepted: boolean;
  encoding: DecodedEncoding | null;
  rejectedRows: number;
  errors: ImportRowError[];
  /** The batch written; null for a dry run. */
  batch: ImportBatchRow | null;
}

export interface ImportFile {
  bytes: Uint8Array;
  fileName?: string | null;
  encoding?: CsvEncoding;
  dryRun?: boolean;
  /** A snapshot that leaves out more than half of the stored records is refused without this. */
  allowMassAbsent?: boolean;
}

export type ImportStage = 'validated' | 'staged' | 'committed';

/** Rows validated between two staging statements. */
const VALIDATION_CHUNK = 10_000;

/** Errors kept on a rejected batch row; the report itself lists them all. */
const ERRORS_KEPT = 100;

/** Headers compare without case, spaces, underscores or hyphens (`Legal Representative` = `legal_representative`). */
function normalizeHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * A snapshot file lists the whole dataset (of the importer's district), so one that leaves out
 * more than half of the records present before is far more often the wrong file (a sample, one
 * district's export imported city-wide) than the truth. The records it counts as there before:
 * those it leaves out and those it lists that were stored already.
 */
export function isMassAbsent(counts: MergeCounts): boolean {
  return counts.absentRows * 2 > counts.absentRows + counts.unchangedRows + counts.changedRows;
}

/** The refusal of a mass-absent snapshot: BAD_USER_INPUT on `input.allowMassAbsent`, nothing written. */
export function massAbsentRefusal(dataset: string, counts: MergeCounts): Error {
  const before = counts.absentRows + counts.unchangedRows + counts.changedRows;
  return badUserInput(
    'input.allowMassAbsent',
    `this ${dataset} snapshot would mark ${counts.absentRows} of the ${before} records present before absent (more than half); nothing was written. ` +
      'A snapshot file must list the whole dataset (of your district): if this one does, import it again with allowMassAbsent: true (npm run import: --allow-mass-absent).',
    { absentRows: counts.absentRows, presentBefore: before },
  );
}

class MassAbsentRollback extends Error {
  constructor(readonly counts: MergeCounts) {
    super('mass absent');
  }
}

class DryRunRollback extends Error {
  constructor(readonly counts: MergeCounts) {
    super('dry run');
  }
}

class RejectionRollback extends Error {
  constructor(readonly errors: ImportRowError[]) {
    super('records refused by the database checks');
  }
}

/**
 * 定期更新: imports one CSV file into a dataset, all or nothing. Every row is validated first and
 * each bad one is reported with its line, column and reason; with any error nothing is written but
 * the batch's own REJECTED row. A valid file is merged in one transaction with its batch row and
 * change-log entries (see mergeRecords): a crash anywhere leaves the database as it was.
 */
export async function importCsv(
  db: Database,
  intake: IntakeTables,
  dataset: DatasetDefinition,
  file: ImportFile,
  writer: Writer,
  onStage: (stage: ImportStage, detail: string) => void = () => {},
): Promise<ImportReport> {
  const startedAt = new Date().toISOString();
  const dryRun = file.dryRun ?? false;
  const fileSha256 = createHash('sha256').update(file.bytes).digest('hex');
  const report: ImportReport = {
    dataset: dataset.name,
    dryRun,
    accepted: false,
    encoding: null,
    rows: 0,
    newRows: 0,
    changedRows: 0,
    unchangedRows: 0,
    absentRows: 0,
    rejectedRows: 0,
    errors: [],
    batch: null,
  };
  const reject = async (errors: ImportRowError[], rejectedRows: number): Promise<ImportReport> => {
    report.errors = errors.sort((a, b) => a.line - b.line);
    report.rejectedRows = rejectedRows;
    if (!dryRun) {
      // The attempt is kept (who, which file, why) though none of its rows is.
      report.batch = await recordBatch(db, intake, dataset, {
        id: newBatchId('IMPORT'),
        kind: 'IMPORT',
        status: 'REJECTED',
        fileName: file.fileName,
        fileSha256,
        encoding: report.encoding,
        counts: { rows: report.rows, newRows: 0, changedRows: 0, unchangedRows: 0, absentRows: 0 },
        rejectedRows,
        errors: report.errors.slice(0, ERRORS_KEPT),
        writer,
        startedAt,
      });
    }
    return report;
  };

  let parsed: ReturnType<typeof parseCsv>;
  try {
    const decoded = decodeCsv(file.bytes, file.encoding);
    report.encoding = decoded.encoding;
    parsed = parseCsv(decoded.text);
  } catch (error) {
    if (error instanceof CsvUnreadable) return reject([{ line: error.line, column: null, reason: error.message }], 0);
    throw error;
  }
  report.rows = parsed.rows.length;

  // The header: every column known, none twice, every required one present.
  const errors: ImportRowError[] = [];
  const byHeader = new Map<string, (typeof dataset.columns)[number]>();
  for (const column of dataset.columns) for (const header of column.headers) byHeader.set(normalizeHeader(header), column);
  const positions: Array<{ key: string; header: string } | null> = [];
  const seen = new Map<string, string>();
  for (const header of parsed.header) {
    const column = byHeader.get(normalizeHeader(header));
    if (!column) {
      errors.push({ line: 1, column: header, reason: `unknown column; ${dataset.name} has ${dataset.columns.map((c) => c.headers[0]).join(', ')}` });
      positions.push(null);
    } else if (seen.has(column.key)) {
      errors.push({ line: 1, column: header, reason: `the same column as ${seen.get(column.key)}` });
      positions.push(null);
    } else {
      seen.set(column.key, header);
      positions.push({ key: column.key, header });
    }
  }
  for (const column of dataset.columns) {
    if (!column.optional && !seen.has(column.key)) errors.push({ line: 1, column: column.headers[0], reason: `required column missing (${column.headers.join(' / ')})` });
  }
  if (errors.length > 0) return reject(errors, parsed.rows.length);

  const headerOf = new Map([...seen].map(([key, header]) => [key, header]));
  if (parsed.rows.length === 0) return reject([{ line: 2, column: null, reason: 'the file has a header but no rows' }], 0);
  const firstLineOfKey = new Map<string, number>();
  const badLines = new Set<number>();
  const validate = (rows: typeof parsed.rows): StagedRecord[] => {
    const valid: StagedRecord[] = [];
    for (const row of rows) {
      if (row.cells.length !== parsed.header.length) {
        errors.push({ line: row.line, column: null, reason: `has ${row.cells.length} fields; the header has ${parsed.header.length}` });
        badLines.add(row.line);
        continue;
      }
      const input: Record<string, string> = {};
      for (let i = 0; i < positions.length; i++) {
        const position = positions[i];
        if (position) input[position.key] = row.cells[i]!;
      }
      const { record, problems } = validateRecord(dataset, input, writer);
      if (problems.length > 0) {
        for (const problem of problems) errors.push({ line: row.line, column: headerOf.get(problem.key) ?? problem.header, reason: problem.reason });
        badLines.add(row.line);
        continue;
      }
      const key = recordKey(dataset, record);
      const earlier = firstLineOfKey.get(key);
      if (earlier !== undefined) {
        errors.push({ line: row.line, column: dataset.key.map((k) => headerOf.get(k) ?? k).join('+'), reason: `duplicate key ${key}: also on line ${earlier}` });
        badLines.add(row.line);
        continue;
      }
      firstLineOfKey.set(key, row.line);
      valid.push({ line: row.line, record });
    }
    return valid;
  };

  const batchId = newBatchId('IMPORT');
  try {
    const batch = await db.transaction(async (tx) => {
      // Validate a chunk, stage it, validate the next while the database stages this one. Staging
      // writes only a temporary table: with any error the transaction rolls back and nothing stays.
      let stage: Stage | undefined;
      let staging: Promise<void> = Promise.resolve();
      for (let start = 0; start < parsed.rows.length; start += VALIDATION_CHUNK) {
        const valid = validate(parsed.rows.slice(start, start + VALIDATION_CHUNK));
        if (errors.length > 0 || valid.length === 0) continue;
        stage ??= await openStage(tx, dataset, Object.keys(valid[0]!.record));
        await staging;
        staging = stage.add(valid);
        // Observed below; this keeps a failure from being reported as unhandled meanwhile.
        staging.catch(() => {});
      }
      await staging;
      if (errors.length > 0 || !stage) throw new RejectionRollback(errors);
      onStage('validated', `${parsed.rows.length} rows`);
      const merged = await stage.merge(intake, {
        batchId,
        source: `import:${batchId}`,
        at: startedAt,
        writer,
        markAbsent: dataset.mode === 'SNAPSHOT',
        asImport: true,
      });
      if (merged.rejections.length > 0) {
        throw new RejectionRollback(merged.rejections.map((r) => ({ line: r.line, column: headerOf.get(r.column) ?? r.column, reason: r.reason })));
      }
      onStage('staged', `${merged.counts.newRows} new, ${merged.counts.changedRows} changed, ${merged.counts.absentRows} absent`);
      await dataset.afterImport?.(tx, { id: batchId, at: new Date().toISOString(), writer });
      // A dry run reports the counts as they are (isMassAbsent tells the caller what a real run would meet).
      if (dryRun) throw new DryRunRollback(merged.counts);
      if (!file.allowMassAbsent && isMassAbsent(merged.counts)) throw new MassAbsentRollback(merged.counts);
      return recordBatch(tx, intake, dataset, {
        id: batchId,
        kind: 'IMPORT',
        status: 'SUCCEEDED',
        fileName: file.fileName,
        fileSha256,
        encoding: report.encoding,
        counts: merged.counts,
        rejectedRows: 0,
        writer,
        startedAt,
      });
    });
    onStage('committed', batch.id);
    Object.assign(report, countsOf(batch), { accepted: true, batch });
    return report;
  } catch (error) {
    if (error instanceof DryRunRollback) return Object.assign(report, error.counts, { accepted: true });
    if (error instanceof MassAbsentRollback) throw massAbsentRefusal(dataset.name, error.counts);
    if (error instanceof RejectionRollback) return reject(error.errors, error.errors === errors ? badLines.size : new Set(error.errors.map((e) => e.line)).size);
    throw error;
  }
}

function countsOf(batch: ImportBatchRow): MergeCounts {
  return { rows: batch.rows, newRows: batch.newRows, changedRows: batch.changedRows, unchangedRows: batch.unchangedRows, absentRows: batch.absentRows };
}
