import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../database';
import { sqlType } from '../sql-types';
import { OUTSIDE_DISTRICT, type DatasetDefinition, type ParsedValue, type Writer } from './dataset';
import type { IntakeTables } from './tables';

/** A validated record with the file line it came from (0 for an upload). */
export interface StagedRecord {
  line: number;
  record: Record<string, ParsedValue>;
}

export interface MergeCounts {
  rows: number;
  newRows: number;
  changedRows: number;
  unchangedRows: number;
  absentRows: number;
}

export interface MergeOptions {
  batchId: string;
  /** What `source` says on every written row: `import:<batch>` or `upload:<sub>`. */
  source: string;
  at: string;
  writer: Writer;
  /** Mark rows the records do not list as absent (full snapshots only; within the writer's district). */
  markAbsent: boolean;
  /** An import (定期更新): the dataset's importKeeps and importOwnerColumn apply. */
  asImport?: boolean;
}

/**
 * A record the database refuses: its key is held under another district than the writer's own,
 * or it names a record (an operator, an outlet) that does not exist.
 */
export interface RecordRejection {
  line: number;
  key: string;
  /** The column key at fault. */
  column: string;
  reason: string;
}

/** Rows per staging statement: each column travels as one array parameter. */
const ROWS_PER_STATEMENT = 50_000;

function columnsOf(dataset: DatasetDefinition, keys: readonly string[]): PgColumn[] {
  const all = getTableColumns(dataset.table) as Record<string, PgColumn>;
  return keys.map((key) => {
    const column = all[key];
    if (!column) throw new Error(`${dataset.name}: ${key} is not a column of its table`);
    return column;
  });
}

const ident = (name: string) => sql.identifier(name);

/**
 * Writes validated records into the dataset's table inside the caller's transaction:
 *
 * 1. stage them in a temporary table (one `insert ... select from json_to_recordset(...)` per 50,000 rows);
 * 2. refuse, for a district-level writer, records whose key exists under another district;
 * 3. in one statement, compare each staged record with the stored one column by column, upsert
 *    only the new and changed ones, and log each with the fields that changed;
 * 4. for a full snapshot, mark the writer's stored records that the file left out as absent.
 *
 * Unchanged records are not touched, so a second import of the same file writes nothing but its
 * batch row, and `updatedAt` keeps meaning "last changed".
 */
export async function mergeRecords(
  tx: Database,
  intake: IntakeTables,
  dataset: DatasetDefinition,
  records: readonly StagedRecord[],
  options: MergeOptions,
): Promise<{ counts: MergeCounts; rejections: RecordRejection[] }> {
  const stage = await openStage(tx, dataset, Object.keys(records[0]?.record ?? {}));
  await stage.add(records);
  return stage.merge(intake, options);
}

export interface Stage {
  /** Stages validated records (one statement per call; call again for the next chunk). */
  add(records: readonly StagedRecord[]): Promise<void>;
  /** Steps 2-4 over everything staged. */
  merge(intake: IntakeTables, options: MergeOptions): Promise<{ counts: MergeCounts; rejections: RecordRejection[] }>;
}

/**
 * Step 1 on its own: a temporary table (dropped at commit) that validated records are staged into,
 * so that an import can stage one chunk while it validates the next. `recordKeys` are the keys a
 * validated record carries (its columns and what `derive` adds).
 */
export async function openStage(tx: Database, dataset: DatasetDefinition, recordKeys: readonly string[]): Promise<Stage> {
  const keys = [...new Set([...dataset.columns.map((c) => c.key), ...recordKeys])];
  const columns = columnsOf(dataset, keys);
  const stage = ident(`xiran_stage_${dataset.name.replace(/\W/g, '_')}`);
  await tx.execute(sql`drop table if exists ${stage}`);
  await tx.execute(
    sql`create temp table ${stage} (xiran_line integer, ${sql.join(columns.map((c) => sql`${ident(c.name)} ${sql.raw(sqlType(c))}`), sql`, `)}) on commit drop`,
  );
  // Staged as one JSON document per chunk: json_to_recordset parses and types it in C, several
  // times faster than one array parameter per column (node-postgres escapes every element).
  const recordType = sql.join([sql`xiran_line integer`, ...columns.map((c) => sql`${ident(c.name)} ${sql.raw(sqlType(c))}`)], sql`, `);
  const columnNames = sql.join([sql`xiran_line`, ...columns.map((c) => ident(c.name))], sql`, `);
  return {
    async add(records) {
      for (let start = 0; start < records.length; start += ROWS_PER_STATEMENT) {
        const chunk = records.slice(start, start + ROWS_PER_STATEMENT);
        const json = JSON.stringify(
          chunk.map(({ line, record }) => {
            const row: Record<string, unknown> = { xiran_line: line };
            for (let i = 0; i < keys.length; i++) row[columns[i]!.name] = record[keys[i]!] ?? null;
            return row;
          }),
        );
        await tx.execute(sql`insert into ${stage} (${columnNames}) select ${columnNames} from json_to_recordset(${json}::json) as x(${recordType})`);
      }
    },
    merge: (intake, options) => mergeStaged(tx, intake, dataset, { stage, keys, columns }, options),
  };
}

async function mergeStaged(
  tx: Database,
  intake: IntakeTables,
  dataset: DatasetDefinition,
  { stage, keys, columns }: { stage: ReturnType<typeof ident>; keys: string[]; columns: PgColumn[] },
  options: MergeOptions,
): Promise<{ counts: MergeCounts; rejections: RecordRejection[] }> {
  const keyColumns = columnsOf(dataset, dataset.key);
  const names = new Map(keys.map((k, i) => [k, columns[i]!.name]));
  const table = dataset.table;
  const staged = await tx.execute<{ n: number }>(sql`select count(*)::int as n from ${stage}`);
  const stagedRows = staged.rows[0]!.n;

  const joinOn = sql.join(keyColumns.map((c) => sql`t.${ident(c.name)} = s.${ident(c.name)}`), sql` and `);
  const recordKeySql = sql.join(keyColumns.map((c) => sql`s.${ident(c.name)}::text`), sql`, `);
  const districtColumn = ident(names.get('district') ?? 'district');

  const rejections: RecordRejection[] = [];
  if (options.writer.district) {
    // A key held under another district, or an operator registered in another: refused in the
    // same words as a record declared in another district (OUTSIDE_DISTRICT), naming no district.
    const usccColumn = names.get('uscc');
    const registered = usccColumn && intake.registeredDistricts;
    const found = await tx.execute<{ line: number; key: string }>(sql`
      select line, key from (
        select s.xiran_line as line, concat_ws('/', ${recordKeySql}) as key
        from ${stage} s join ${table} t on ${joinOn}
        where t.${districtColumn} <> ${options.writer.district}
        ${registered ? sql`union
        select s.xiran_line, concat_ws('/', ${recordKeySql})
        from ${stage} s join (${intake.registeredDistricts}) r on r.uscc = s.${ident(usccColumn)}
        where r.district <> ${options.writer.district}` : sql``}
      ) outside
      order by line limit 1000`);
    for (const row of found.rows) rejections.push({ line: row.line, key: row.key, column: 'district', reason: OUTSIDE_DISTRICT });
  }
  // A line refused for its district says nothing more: whether another district's records exist.
  const outside = new Set(rejections.map((r) => r.line));
  for (const reference of dataset.references ?? []) {
    const column = ident(names.get(reference.key) ?? reference.key);
    const found = await tx.execute<{ line: number; key: string }>(sql`
      select s.xiran_line as line, s.${column}::text as key from ${stage} s
      where s.${column} is not null and not exists (select 1 from ${reference.table} r where r.${ident(reference.column)} = s.${column})
      order by s.xiran_line limit 1000`);
    for (const row of found.rows) if (!outside.has(row.line)) rejections.push({ line: row.line, key: row.key, column: reference.key, reason: `${row.key}: ${reference.reason}` });
  }
  if (options.asImport && dataset.importOwnerColumn) {
    const owner = ident(getTableColumnName(dataset, dataset.importOwnerColumn));
    const found = await tx.execute<{ line: number; key: string }>(sql`
      select s.xiran_line as line, concat_ws('/', ${recordKeySql}) as key
      from ${stage} s join ${table} t on ${joinOn}
      where t.${owner} is distinct from ${options.writer.agency}
      order by s.xiran_line limit 1000`);
    for (const row of found.rows) rejections.push({ line: row.line, key: row.key, column: dataset.key[0]!, reason: `${row.key} is another agency's record; an import changes only your agency's own` });
  }
  if (rejections.length > 0) return { counts: emptyCounts(stagedRows), rejections };
  // What another writer owns of a stored record stays as stored: the staged values are replaced by
  // the stored ones before the comparison, so they neither count as a change nor are written.
  for (const keep of options.asImport ? (dataset.importKeeps ?? []) : []) {
    const stored = (key: string) => sql`t.${ident(names.get(key) ?? getTableColumnName(dataset, key))}`;
    await tx.execute(sql`
      update ${stage} s set ${sql.join(keep.columns.map((key) => sql`${ident(names.get(key)!)} = ${stored(key)}`), sql`, `)}
      from ${table} t where ${joinOn}${keep.when ? sql` and (${keep.when(stored)})` : sql``}`);
  }

  const valueColumns = columns.filter((c) => !keyColumns.includes(c));
  const changedFields = sql.join(
    [
      ...valueColumns.map((c) => sql`case when t.${ident(c.name)} is distinct from s.${ident(c.name)} then ${keys[columns.indexOf(c)]} end`),
      sql`case when not t.present then 'present' end`,
    ],
    sql`, `,
  );
  const columnList = sql.join(columns.map((c) => ident(c.name)), sql`, `);
  const handler = dataset.handlerKey ? sql`w.${ident(names.get(dataset.handlerKey) ?? dataset.handlerKey)}::text` : sql`null`;
  const usccColumn = names.has('uscc') ? sql`w.${ident(names.get('uscc')!)}` : sql`null`;
  const writeKey = sql.join(keyColumns.map((c) => sql`w.${ident(c.name)}::text`), sql`, `);
  const { changeLog } = intake;
  const merged = await tx.execute<{ rows: number; new_rows: number; changed_rows: number }>(sql`
    with diff as (
      select s.*, (t.${ident(keyColumns[0]!.name)} is null) as xiran_new,
        case when t.${ident(keyColumns[0]!.name)} is null then '{}'::text[]
             else array_remove(array[${changedFields}]::text[], null) end as xiran_changed
      from ${stage} s left join ${table} t on ${joinOn}
    ), writes as (
      select * from diff where xiran_new or cardinality(xiran_changed) > 0
    ), inserted as (
      -- Data-modifying CTEs run to completion whether or not the outer query reads them. New
      -- records are plain inserts (a record inserted meanwhile by another writer fails the whole
      -- import on its key, cleanly); changed ones are updated in place.
      insert into ${table} (${columnList}, source, batch_id, present, absent_since, updated_at)
      select ${sql.join(columns.map((c) => sql`w.${ident(c.name)}`), sql`, `)}, ${options.source}, ${options.batchId}, true, null, ${options.at}::timestamptz
      from writes w where w.xiran_new
      returning 1
    ), updated as (
      update ${table} t set
        ${sql.join(valueColumns.map((c) => sql`${ident(c.name)} = w.${ident(c.name)}`), sql`, `)}${valueColumns.length ? sql`, ` : sql``}
        source = ${options.source}, batch_id = ${options.batchId}, present = true, absent_since = null, updated_at = ${options.at}::timestamptz
      from writes w
      where not w.xiran_new and ${sql.join(keyColumns.map((c) => sql`t.${ident(c.name)} = w.${ident(c.name)}`), sql` and `)}
      returning 1
    ), logged as (
      insert into ${changeLog} (at, batch_id, dataset, record_key, uscc, district, handler, operation, changed_fields)
      select ${options.at}::timestamptz, ${options.batchId}, ${dataset.name}, concat_ws('/', ${writeKey}), ${usccColumn}, w.${districtColumn}, ${handler},
             case when w.xiran_new then 'INSERTED' else 'UPDATED' end, w.xiran_changed
      from writes w
      returning 1
    )
    select (select count(*) from diff)::int as rows,
           (select count(*) from writes where xiran_new)::int as new_rows,
           (select count(*) from writes where not xiran_new)::int as changed_rows`);
  const counts = merged.rows[0]!;

  let absentRows = 0;
  if (options.markAbsent) {
    const inScope: SQL = options.writer.district ? sql`t.${districtColumn} = ${options.writer.district}` : sql`true`;
    const tKey = sql.join(keyColumns.map((c) => sql`g.${ident(c.name)}::text`), sql`, `);
    const absent = await tx.execute<{ absent: number }>(sql`
      with gone as (
        update ${table} t set present = false, absent_since = ${options.at}::timestamptz, batch_id = ${options.batchId},
               source = ${options.source}, updated_at = ${options.at}::timestamptz
        -- Rows this batch just wrote are in the file: only the others need looking up.
        where t.present and t.batch_id is distinct from ${options.batchId} and ${inScope} and not exists (select 1 from ${stage} s where ${joinOn})
        returning t.*
      ), logged as (
        insert into ${changeLog} (at, batch_id, dataset, record_key, uscc, district, handler, operation, changed_fields)
        select ${options.at}::timestamptz, ${options.batchId}, ${dataset.name}, concat_ws('/', ${tKey}),
               ${names.has('uscc') ? sql`g.${ident(names.get('uscc')!)}` : sql`null`}, g.${districtColumn},
               ${dataset.handlerKey ? sql`g.${ident(names.get(dataset.handlerKey) ?? dataset.handlerKey)}::text` : sql`null`}, 'ABSENT', array['present']
        from gone g
        returning 1
      )
      select (select count(*) from logged)::int as absent`);
    absentRows = absent.rows[0]!.absent;
  }
  await tx.execute(sql`drop table ${stage}`);
  return {
    counts: {
      rows: counts.rows,
      newRows: counts.new_rows,
      changedRows: counts.changed_rows,
      unchangedRows: counts.rows - counts.new_rows - counts.changed_rows,
      absentRows,
    },
    rejections: [],
  };
}

/** The SQL name of a column of the dataset's table, by its drizzle key. */
function getTableColumnName(dataset: DatasetDefinition, key: string): string {
  const column = (getTableColumns(dataset.table) as Record<string, PgColumn>)[key];
  if (!column) throw new Error(`${dataset.name}: ${key} is not a column of its table`);
  return column.name;
}

function emptyCounts(rows: number): MergeCounts {
  return { rows, newRows: 0, changedRows: 0, unchangedRows: 0, absentRows: 0 };
}
