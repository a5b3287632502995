import type { SQL } from 'drizzle-orm';
import { boolean, timestamp, varchar, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { GroupId, SubgraphAuth } from '@xiran/auth';
import { type Agency, type Level, ABOLISHED_DISTRICTS, isDistrictCode, checkUscc } from '@xiran/common';
import type { Database } from '../database';

/**
 * A dataset is what a department uploads or refreshes as one unit (a table of its own subgraph):
 * its CSV columns with the headers accepted (English and Chinese), how each value is validated,
 * its natural key, and whether a refresh is a full snapshot. Uploads (mutations) and imports (CSV)
 * both go through the same definition, so a value is valid or not whichever way it arrives.
 */
export type ColumnType =
  | { kind: 'text'; maxLength?: number }
  | { kind: 'uscc' }
  | { kind: 'district' }
  | { kind: 'date'; notFuture?: boolean }
  /** A month: stored as `YYYY-MM` (a period) or as its first day `YYYY-MM-01` (a date column). */
  | { kind: 'month'; as: 'period' | 'date'; notFuture?: boolean }
  /** One of `values`; `labels` maps the Chinese label an agency export uses to the value. */
  | { kind: 'enum'; values: readonly string[]; labels?: Readonly<Record<string, string>> }
  /** Several of `values`, separated by `|`, `;` or `、` in a CSV cell. */
  | { kind: 'enumList'; values: readonly string[]; labels?: Readonly<Record<string, string>> }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'boolean' };

export interface DatasetColumn {
  /** The drizzle property of the dataset's table, and the GraphQL input field of its upload. */
  key: string;
  /** The CSV headers accepted, English first (the samples use it), then Chinese. */
  headers: readonly [string, string];
  type: ColumnType;
  optional?: boolean;
}

export type DatasetMode = 'SNAPSHOT' | 'INCREMENTAL';

export interface DatasetDefinition {
  /** Stable name, used by `--dataset` and `input.dataset` (`operators`, `solvent-ledger`, ...). */
  name: string;
  department: Agency;
  /** The field group whose grant lets a caller read this dataset's change log. */
  group: GroupId;
  /** The `ChangeFeed` field that lists this dataset's changes. */
  changeField: string;
  description: { zh: string; en: string };
  table: PgTable;
  /**
   * SNAPSHOT: each import is the whole dataset (of the importer's district), so a record left out
   * is marked no longer present. INCREMENTAL: an import adds and updates, never marks absent.
   */
  mode: DatasetMode;
  /** The natural key: column keys with a unique index on the table (upsert target). */
  key: readonly string[];
  columns: readonly DatasetColumn[];
  /** Columns computed from a validated record (not in the CSV), e.g. a check-digit flag. */
  derive?: (record: Record<string, unknown>) => Record<string, unknown>;
  /** Checks across fields of a validated record. */
  check?: (record: Record<string, unknown>) => Array<{ column: string; reason: string }>;
  /** The column holding the agency a record is routed to, for HANDLER-scoped readers. */
  handlerKey?: string;
  /**
   * Work an import owes beyond the dataset's own table (a copy to keep in step, a history to
   * extend), run in the import's transaction after the merge: all of it lands, or none of it.
   */
  afterImport?: (tx: Database, batch: { id: string; at: string; writer: Writer }) => Promise<void>;
  /**
   * Which change-log entries of the dataset a caller may read, when the records themselves decide
   * (e.g. a lead is also its reporter's); given the log's record-key column. Default: the caller's
   * row scope of `group` over the log's district, handler and uscc.
   */
  changeScope?: (auth: SubgraphAuth, recordKey: SQL | PgColumn) => SQL | undefined;
  /**
   * What an import (定期更新, not an upload) may not change on a record already stored, because
   * another writer owns it (a regulator's status and feedback on a lead): each rule's columns keep
   * their stored values, where `when` (SQL over the stored row's columns) holds, or always. A new
   * record takes the file's values.
   */
  importKeeps?: ReadonlyArray<{ columns: readonly string[]; when?: (stored: (key: string) => SQL) => SQL }>;
  /**
   * The column naming the agency a stored record belongs to (not a dataset column): an import
   * changes only records of the importing agency; a line naming another's is refused.
   */
  importOwnerColumn?: string;
  /** Keys that must name a stored record of another table (checked in the database, per row). */
  references?: ReadonlyArray<{ key: string; table: PgTable; column: string; reason: string }>;
}

/**
 * Why a district writer's record is refused, whatever the cause (a district not its own, an
 * operator registered elsewhere, a key held under another district): one reason, naming no
 * district, so that a refusal never tells whether a record exists, nor where.
 */
export const OUTSIDE_DISTRICT = 'outside your district: a district uploader writes only about operators registered in its district, and changes only records held there';

/** Who writes: an uploader, from its token, or the operator of the import CLI. */
export interface Writer {
  sub: string;
  agency: Agency;
  level: Level;
  /** Set for a district-level writer: the only district it may write in. */
  district: string | null;
}

/**
 * The bookkeeping columns of every dataset table: whether the last full snapshot still listed the
 * record (history is never deleted), since when it is absent, and the batch that last wrote it.
 */
export function intakeColumns() {
  return {
    present: boolean('present').notNull().default(true),
    absentSince: timestamp('absent_since', { withTimezone: true, mode: 'string' }),
    batchId: varchar('batch_id', { length: 48 }),
  };
}

export type ParsedValue = string | number | boolean | string[] | null;
export type ParseResult = { ok: true; value: ParsedValue } | { ok: false; reason: string };

const ISO_DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const MONTH = /^(\d{4})[-/.]?(\d{1,2})$/;
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', '是']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', '否']);
/** Dates before the PRC's registration system, or past 2100, are typing errors. */
const EARLIEST = '1949-10-01';
const LATEST = '2100-12-31';

function pad(n: string): string {
  return n.padStart(2, '0');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD` when the parts name a real calendar day, else null (no Date allocated: 50,000-row files). */
function realDate(y: string, m: string, d: string): string | null {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return null;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

let today = { value: '', until: 0 };
/** Today's date in Asia/Shanghai (UTC+8 all year: the agencies' civil date), recomputed once a minute. */
export function todayInShanghai(): string {
  const now = Date.now();
  if (now >= today.until) today = { value: new Date(now + 8 * 3600_000).toISOString().slice(0, 10), until: now + 60_000 };
  return today.value;
}

function enumValue(type: { values: readonly string[]; labels?: Readonly<Record<string, string>> }, text: string): string | null {
  if (type.values.includes(text)) return text;
  const upper = text.toUpperCase().replace(/[\s-]+/g, '_');
  if (type.values.includes(upper)) return upper;
  return type.labels?.[text] ?? null;
}

function describeEnum(type: { values: readonly string[]; labels?: Readonly<Record<string, string>> }): string {
  const labels = Object.entries(type.labels ?? {}).map(([label, value]) => `${label}=${value}`);
  return `one of ${type.values.join(', ')}${labels.length ? ` (or ${labels.join(', ')})` : ''}`;
}

/**
 * Validates one value, from a CSV cell (a string) or a GraphQL input (typed). Empty means null;
 * the reason names what was expected, in words an agency clerk can act on.
 */
export function parseValue(column: DatasetColumn, raw: unknown): ParseResult {
  const empty = raw == null || (typeof raw === 'string' && raw.trim() === '') || (Array.isArray(raw) && raw.length === 0 && column.type.kind !== 'enumList');
  if (empty) return column.optional ? { ok: true, value: column.type.kind === 'enumList' ? [] : null } : { ok: false, reason: 'is required' };
  const type = column.type;
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (type.kind) {
    case 'text': {
      if (typeof text !== 'string') return { ok: false, reason: 'must be text' };
      if (type.maxLength && text.length > type.maxLength) return { ok: false, reason: `must be at most ${type.maxLength} characters` };
      return { ok: true, value: text };
    }
    case 'uscc': {
      if (typeof text !== 'string') return { ok: false, reason: 'must be a 统一社会信用代码' };
      const code = text.toUpperCase();
      const check = checkUscc(code);
      if (!check.ok) return { ok: false, reason: `${JSON.stringify(text)} is not a 统一社会信用代码: ${check.reason}` };
      if (!check.checkDigitValid) return { ok: false, reason: `${JSON.stringify(text)} fails the GB 32100 check character (position 18)` };
      return { ok: true, value: code };
    }
    case 'district': {
      if (typeof text !== 'string') return { ok: false, reason: 'must be a district code' };
      if (isDistrictCode(text)) return { ok: true, value: text };
      const abolished = ABOLISHED_DISTRICTS.get(text);
      return { ok: false, reason: abolished ? `${text}: ${abolished}` : `${JSON.stringify(text)} is not a Hangzhou district code (GB/T 2260, or HZ-XHFJ)` };
    }
    case 'date': {
      const s = String(text);
      const m = ISO_DATE.exec(s) ?? COMPACT_DATE.exec(s);
      const date = m ? realDate(m[1]!, m[2]!, m[3]!) : null;
      if (!date) return { ok: false, reason: `${JSON.stringify(s)} is not a date (YYYY-MM-DD)` };
      if (date < EARLIEST || date > LATEST) return { ok: false, reason: `${date} is out of range (${EARLIEST} to ${LATEST})` };
      if (type.notFuture && date > todayInShanghai()) return { ok: false, reason: `${date} is in the future` };
      return { ok: true, value: date };
    }
    case 'month': {
      const s = String(text);
      const m = MONTH.exec(s) ?? /^(\d{4})-(\d{2})-01$/.exec(s);
      const month = m && Number(m[2]) >= 1 && Number(m[2]) <= 12 ? `${m[1]}-${pad(m[2]!)}` : null;
      if (!month || month < EARLIEST.slice(0, 7) || month > LATEST.slice(0, 7)) return { ok: false, reason: `${JSON.stringify(s)} is not a month (YYYY-MM)` };
      if (type.notFuture && month > todayInShanghai().slice(0, 7)) return { ok: false, reason: `${month} has not begun` };
      return { ok: true, value: type.as === 'date' ? `${month}-01` : month };
    }
    case 'enum': {
      const value = typeof text === 'string' ? enumValue(type, text) : null;
      return value ? { ok: true, value } : { ok: false, reason: `${JSON.stringify(text)} is not ${describeEnum(type)}` };
    }
    case 'enumList': {
      const parts = Array.isArray(text) ? text.map(String) : String(text).split(/[|;；、]/).map((p) => p.trim()).filter(Boolean);
      const values: string[] = [];
      for (const part of parts) {
        const value = enumValue(type, part);
        if (!value) return { ok: false, reason: `${JSON.stringify(part)} is not ${describeEnum(type)}` };
        if (!values.includes(value)) values.push(value);
      }
      if (values.length === 0 && !column.optional) return { ok: false, reason: 'is required' };
      return { ok: true, value: values };
    }
    case 'integer':
    case 'number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, reason: `${JSON.stringify(text)} is not a number` };
      if (type.kind === 'integer' && !Number.isInteger(n)) return { ok: false, reason: `${n} is not a whole number` };
      if (n < type.min || n > type.max) return { ok: false, reason: `${n} is out of range (${type.min} to ${type.max})` };
      return { ok: true, value: n };
    }
    case 'boolean': {
      if (typeof text === 'boolean') return { ok: true, value: text };
      const word = String(text).toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return { ok: false, reason: `${JSON.stringify(text)} is not true/false (是/否)` };
    }
  }
}

export interface RecordProblem {
  /** The column's key (GraphQL input field) and its English CSV header. */
  key: string;
  header: string;
  reason: string;
}

/**
 * Validates a whole record against the dataset and the writer's district: every problem, not
 * just the first, so that a report can list them all.
 */
export function validateRecord(
  dataset: DatasetDefinition,
  input: Record<string, unknown>,
  writer: Writer,
  /** Columns taken as they are stored (a patch keeps them): legacy values, such as a pilot uscc whose check fails, stay writable. */
  stored: ReadonlySet<string> = new Set(),
): { record: Record<string, ParsedValue>; problems: RecordProblem[] } {
  const record: Record<string, ParsedValue> = {};
  const problems: RecordProblem[] = [];
  for (const column of dataset.columns) {
    if (stored.has(column.key)) {
      record[column.key] = (input[column.key] ?? null) as ParsedValue;
      continue;
    }
    const parsed = parseValue(column, input[column.key]);
    if (parsed.ok) record[column.key] = parsed.value;
    else problems.push({ key: column.key, header: column.headers[0], reason: parsed.reason });
  }
  if (problems.length === 0) {
    for (const problem of dataset.check?.(record) ?? []) {
      const column = dataset.columns.find((c) => c.key === problem.column);
      problems.push({ key: problem.column, header: column?.headers[0] ?? problem.column, reason: problem.reason });
    }
    if (writer.district && record.district !== writer.district) {
      problems.push({ key: 'district', header: 'district', reason: OUTSIDE_DISTRICT });
    }
  }
  if (problems.length === 0 && dataset.derive) Object.assign(record, dataset.derive(record));
  return { record, problems };
}

/** The record's natural key as one string (its parts joined by `/`), as the change log keeps it. */
export function recordKey(dataset: DatasetDefinition, record: Record<string, unknown>): string {
  return dataset.key.map((k) => String(record[k])).join('/');
}

/** A dataset's records as CSV, with its English (`en`) or Chinese (`zh`) headers. */
export function datasetCsvRows(dataset: DatasetDefinition, records: ReadonlyArray<Record<string, unknown>>, headers: 'en' | 'zh' = 'en'): { header: string[]; rows: unknown[][] } {
  return {
    header: dataset.columns.map((c) => c.headers[headers === 'en' ? 0 : 1]),
    rows: records.map((record) => dataset.columns.map((c) => record[c.key])),
  };
}
