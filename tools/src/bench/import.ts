import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { datasetCsvRows, formatCsv, importCsv, serviceDatabaseUrl, type Writer } from '@xiran/subgraph-kit';
import { connectRegistrationDatabase } from '@xiran/registration/db';
import { INTAKE, operatorsDataset } from '@xiran/registration/datasets';
import { generateRegistrationSeed } from '@xiran/registration/seed';
import { today } from '../seed/seed-world';

/**
 * `npm run bench:import`: 定期更新 against PostgreSQL's own bulk load. The same 50,000 operators go
 * into the same table (registration.operators, its indexes in place) by `COPY ... FROM STDIN` and
 * by the platform's import (decode, parse, validate every row, stage, compare, upsert, change log,
 * batch row), into an empty table each time, alternating, best of several rounds each. Ratios in
 * one run; the target is an import within 5x of COPY.
 *
 * BENCH_IMPORT_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/xiran_bench_import), BENCH_ROWS (50000),
 * BENCH_ROUNDS (3).
 */
// Its own database: it empties the table it loads, so never the seeded one of `npm run bench`.
const serverUrl = process.env.BENCH_IMPORT_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/xiran_bench_import';
const rowCount = Number(process.env.BENCH_ROWS || 50_000);
const rounds = Number(process.env.BENCH_ROUNDS || 3);
const TARGET_RATIO = 5;

// The records: the seed's operators, minus the few whose pilot codes fail the check (an import refuses those).
const records = generateRegistrationSeed(Math.ceil(rowCount * 1.01) + 10, { asOf: today() })
  .operators.filter((o) => o.usccCheckDigitValid)
  .slice(0, rowCount) as Array<Record<string, unknown>>;
if (records.length < rowCount) throw new Error(`only ${records.length} valid operators generated`);
const csv = datasetCsvRows(operatorsDataset, records);
const importFile = Buffer.from(formatCsv(csv.header, csv.rows), 'utf8');
// COPY gets the same rows plus the two columns the import derives, in the table's own column names.
const copyColumns = ['uscc', 'name', 'entity_kind', 'status', 'district', 'address', 'legal_representative', 'established', 'deregistered', 'business_scope', 'industry_code', 'abnormal_list', 'uscc_check_digit_valid', 'source'];
const copyFile = Buffer.from(formatCsv(copyColumns, csv.rows.map((row) => [...row, true, 'copy'])), 'utf8');

const database = await connectRegistrationDatabase({ kind: 'server', serverUrl });
const copyClient = new pg.Client({ connectionString: serviceDatabaseUrl(serverUrl, 'registration').url });
await copyClient.connect();
const writer: Writer = { sub: 'bench', agency: 'market', level: 'city', district: null };
const { operators } = await import('@xiran/registration/tables');

async function empty(): Promise<void> {
  await database.db.execute(sql`truncate ${operators} cascade`);
  await database.db.execute(sql`truncate ${INTAKE.intake.changeLog}, ${INTAKE.intake.importBatches}`);
  await database.db.execute(sql`vacuum analyze ${operators}`);
}

async function timeCopy(): Promise<number> {
  await empty();
  const started = performance.now();
  await copyClient.query('begin');
  await pipeline(Readable.from([copyFile]), copyClient.query(copyFrom(`copy registration.operators (${copyColumns.join(', ')}) from stdin with (format csv, header true)`)));
  await copyClient.query('commit');
  const elapsed = performance.now() - started;
  const count = await database.db.execute(sql`select count(*)::int as n from ${operators}`);
  if (count.rows[0]!.n !== rowCount) throw new Error(`COPY loaded ${String(count.rows[0]!.n)} rows`);
  return elapsed;
}

async function timeImport(): Promise<{ ms: number; again: number }> {
  await empty();
  const started = performance.now();
  const report = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: importFile, fileName: 'bench.csv' }, writer);
  const ms = performance.now() - started;
  if (!report.accepted || report.newRows !== rowCount) throw new Error(`import: ${JSON.stringify({ ...report, errors: report.errors.slice(0, 3) })}`);
  // The scheduled refresh's usual case: the same file again, nothing to change.
  const againStarted = performance.now();
  const again = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: importFile, fileName: 'bench.csv' }, writer);
  const againMs = performance.now() - againStarted;
  if (again.unchangedRows !== rowCount) throw new Error('the second import changed rows');
  return { ms, again: againMs };
}

try {
  console.log(`bench:import: ${rowCount} operators (${(importFile.length / 1024 / 1024).toFixed(1)} MB CSV) into registration.operators, ${rounds} rounds, best of each`);
  const copies: number[] = [];
  const imports: number[] = [];
  const reimports: number[] = [];
  // One warm-up of each, then alternate so drift on a noisy machine hits both alike.
  await timeCopy();
  await timeImport();
  for (let round = 0; round < rounds; round++) {
    copies.push(await timeCopy());
    const result = await timeImport();
    imports.push(result.ms);
    reimports.push(result.again);
  }
  const best = (values: number[]) => Math.min(...values);
  const rate = (ms: number) => Math.round(rowCount / (ms / 1000));
  const copyMs = best(copies);
  const importMs = best(imports);
  const ratio = importMs / copyMs;
  console.log(`  COPY FROM STDIN        ${copyMs.toFixed(0).padStart(6)} ms  ${rate(copyMs).toLocaleString('en').padStart(9)} rows/s`);
  console.log(`  npm run import (new)   ${importMs.toFixed(0).padStart(6)} ms  ${rate(importMs).toLocaleString('en').padStart(9)} rows/s`);
  console.log(`  same file again        ${best(reimports).toFixed(0).padStart(6)} ms  ${rate(best(reimports)).toLocaleString('en').padStart(9)} rows/s (0 changes)`);
  console.log(`  ratio import / COPY: ${ratio.toFixed(2)}x (target ≤ ${TARGET_RATIO}x) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
  console.log(`  rounds (ms): COPY ${copies.map((v) => v.toFixed(0)).join(', ')}; import ${imports.map((v) => v.toFixed(0)).join(', ')}`);
  if (ratio > TARGET_RATIO) process.exitCode = 1;
} finally {
  await copyClient.end();
  await database.close();
}
