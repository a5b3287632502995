import { and, count, desc, eq, gt, gte, inArray, max } from 'drizzle-orm';
import type { SubgraphAuth } from '@xiran/auth';
import { badUserInput, forbidden, type Agency } from '@xiran/common';
import type { Database } from '../database';
import { membersOf, type MemberScopeTable } from '../member-scope';
import { encodeCursor, pageWindow } from '../pagination';
import { rowScope, scopeCondition } from '../row-scope';
import type { CsvEncoding } from './csv';
import type { DatasetDefinition } from './dataset';
import { importCsv } from './import';
import type { ChangeLogRow, ImportBatchRow, IntakeTables } from './tables';
import { writerOf } from './upload';

/**
 * The largest CSV the base64 import mutation takes, counted decoded (the file's own size, what a
 * user sees; base64 inflates it by a third on the wire). The mutation is for small files: a larger
 * one goes through `POST /imports/:dataset`, streamed as multipart (npm run import).
 */
export const MAX_BASE64_IMPORT_BYTES = 2 * 1024 * 1024;

interface IntakeContext {
  db: Database;
  auth: SubgraphAuth;
}

export interface IntakeOptions {
  department: Agency;
  datasets: readonly DatasetDefinition[];
  intake: IntakeTables;
  /** The subgraph's replicated member list, for MEMBERS-scoped readers of the change log. */
  memberScope?: MemberScopeTable;
}

export interface ImportInputArgs {
  dataset: string;
  fileName?: string | null;
  contentBase64: string;
  encoding?: CsvEncoding | null;
  dryRun?: boolean | null;
  allowMassAbsent?: boolean | null;
}

/** The dataset by name, or a BAD_USER_INPUT listing the department's datasets. */
export function findDataset(datasets: readonly DatasetDefinition[], name: string, field = 'input.dataset'): DatasetDefinition {
  const dataset = datasets.find((d) => d.name === name);
  if (!dataset) throw badUserInput(field, `unknown dataset ${JSON.stringify(name)}; this department has ${datasets.map((d) => d.name).join(', ')}`);
  return dataset;
}

const tooLarge = () =>
  badUserInput('input.contentBase64', `is larger than ${MAX_BASE64_IMPORT_BYTES / 1024 / 1024} MB decoded; send the file to POST /imports/:dataset (multipart), or use npm run import`);

function decodeBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  // Refused before decoding: 4 characters carry 3 bytes, so a longer text cannot fit.
  if (compact.length > Math.ceil(MAX_BASE64_IMPORT_BYTES / 3) * 4) throw tooLarge();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw badUserInput('input.contentBase64', 'is not base64');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) throw badUserInput('input.contentBase64', 'is empty');
  if (bytes.length > MAX_BASE64_IMPORT_BYTES) throw tooLarge();
  return bytes;
}

/** Per dataset: the last successful batch and the last change, as one row each. */
export async function datasetFreshness(db: Database, options: IntakeOptions) {
  const { importBatches, changeLog } = options.intake;
  const names = options.datasets.map((d) => d.name);
  const [batches, changes, counts] = await Promise.all([
    db
      .selectDistinctOn([importBatches.dataset])
      .from(importBatches)
      .where(and(inArray(importBatches.dataset, names), eq(importBatches.status, 'SUCCEEDED')))
      .orderBy(importBatches.dataset, desc(importBatches.finishedAt)),
    db.select({ dataset: changeLog.dataset, at: max(changeLog.at) }).from(changeLog).where(inArray(changeLog.dataset, names)).groupBy(changeLog.dataset),
    db
      .select({ dataset: importBatches.dataset, n: count() })
      .from(importBatches)
      .where(and(inArray(importBatches.dataset, names), eq(importBatches.status, 'SUCCEEDED')))
      .groupBy(importBatches.dataset),
  ]);
  return options.datasets.map((dataset) => ({
    department: options.department,
    dataset: dataset.name,
    description: `${dataset.description.zh} / ${dataset.description.en}`,
    mode: dataset.mode,
    lastBatch: batches.find((b) => b.dataset === dataset.name) ?? null,
    lastChangeAt: changes.find((c) => c.dataset === dataset.name)?.at ?? null,
    batches: counts.find((c) => c.dataset === dataset.name)?.n ?? 0,
  }));
}

/**
 * A page of a dataset's change log since an instant, within the caller's row scope of the
 * dataset's group (district, handler, members), in the order the changes were committed.
 */
export async function changePage(db: Database, options: IntakeOptions, dataset: DatasetDefinition, auth: SubgraphAuth, args: { since: string; first?: number | null; after?: string | null }) {
  const { changeLog } = options.intake;
  const { limit, afterKey } = pageWindow(args.first ?? 100, args.after);
  const afterSeq = afterKey === null ? null : Number(afterKey);
  if (afterSeq !== null && !Number.isSafeInteger(afterSeq)) throw badUserInput('after', 'is not a cursor returned by this API');
  const scope = dataset.changeScope
    ? dataset.changeScope(auth, changeLog.recordKey)
    : scopeCondition(
        { district: changeLog.district, handler: changeLog.handler, uscc: changeLog.uscc, members: options.memberScope ? membersOf(options.memberScope) : undefined },
        rowScope(auth, dataset.group),
      );
  const rows = await db
    .select()
    .from(changeLog)
    .where(and(eq(changeLog.dataset, dataset.name), gte(changeLog.at, args.since), afterSeq === null ? undefined : gt(changeLog.seq, afterSeq), scope))
    .orderBy(changeLog.seq)
    .limit(limit + 1);
  const nodes = rows.slice(0, limit);
  return {
    nodes,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: nodes.length ? encodeCursor(String(nodes[nodes.length - 1]!.seq)) : null },
  };
}

/**
 * Freshness: times and counts of every dataset are for every caller; who uploaded and the file
 * (its name, and its hash, which confirms a copy's content) for the dataset's owner only. A batch
 * kept here is of this department's dataset, so its owner is this department.
 */
const OWNER_ONLY_BATCH_FIELDS = ['bySub', 'byAgency', 'byDistrict', 'fileName', 'fileSha256'] as const;

function ownerOnlyBatchFields(department: Agency) {
  return Object.fromEntries(
    OWNER_ONLY_BATCH_FIELDS.map((field) => [
      field,
      (batch: ImportBatchRow, _: unknown, ctx: IntakeContext) => {
        if (ctx.auth.principal.agency !== department) throw forbidden(`Who uploaded ${batch.dataset}, and the file, are for its owner (${department}) only.`, { field: `ImportBatch.${field}` });
        return batch[field];
      },
    ]),
  );
}

/**
 * The intake half of a subgraph's resolvers: `changes(since:)` and `dataFreshness` (shareable root
 * fields whose entities every department extends with its own datasets), and the CSV import
 * mutation. The subgraph merges these into its resolver map.
 */
export function intakeResolvers(options: IntakeOptions) {
  const changeFields = Object.fromEntries(
    options.datasets.map((dataset) => [
      dataset.changeField,
      (feed: { since: string }, args: { first?: number | null; after?: string | null }, ctx: IntakeContext) => changePage(ctx.db, options, dataset, ctx.auth, { ...args, since: feed.since }),
    ]),
  );
  return {
    Query: {
      changes: (_: unknown, args: { since: string }) => ({ since: args.since }),
      dataFreshness: () => ({ asOf: new Date().toISOString() }),
    },
    ChangeFeed: {
      __resolveReference: (reference: { since: string }) => ({ since: new Date(reference.since).toISOString() }),
      ...changeFields,
    },
    DataFreshness: {
      __resolveReference: (reference: { asOf: string }) => reference,
      [options.department]: (_: unknown, __: unknown, ctx: IntakeContext) => datasetFreshness(ctx.db, options),
    },
    ChangeEntry: {
      seq: (row: ChangeLogRow) => String(row.seq),
      key: (row: ChangeLogRow) => row.recordKey,
    },
    ImportBatch: {
      // A batch is always of the department whose subgraph keeps it.
      department: () => options.department,
      ...ownerOnlyBatchFields(options.department),
    },
  };
}

/** The resolver of a department's `import<Department>Data(input:)` mutation. */
export function importResolver(options: IntakeOptions) {
  return async (_: unknown, args: { input: ImportInputArgs }, ctx: IntakeContext) => {
    const dataset = findDataset(options.datasets, args.input.dataset);
    const bytes = decodeBase64(args.input.contentBase64);
    return importCsv(ctx.db, options.intake, dataset, { bytes, fileName: args.input.fileName, encoding: args.input.encoding ?? 'AUTO', dryRun: args.input.dryRun ?? false, allowMassAbsent: args.input.allowMassAbsent ?? false }, writerOf(ctx.auth));
  };
}
