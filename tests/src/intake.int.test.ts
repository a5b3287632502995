import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { createHash } from 'node:crypto';
import {
  generateGatewayKeys,
  IMPORT_MANIFEST_HEADER,
  INTERNAL_IMPORTS_PATH,
  manifestHash,
  signSubgraphToken,
  SUBGRAPH_TOKEN_HEADER,
  uploaderAuth,
  type ImportManifest,
  type SubgraphAuth,
} from '@xiran/auth';
import {
  datasetCsvRows,
  formatCsv,
  importCsv,
  OUTSIDE_DISTRICT,
  serviceDatabaseUrl,
  startTestDatabases,
  type ServiceDatabase,
  type TestDatabases,
  type Writer,
} from '@xiran/subgraph-kit';
import { completeUscc } from '@xiran/common';
import { connectRegistrationDatabase } from '@xiran/registration/db';
import { INTAKE, operatorsDataset } from '@xiran/registration/datasets';
import { operators } from '@xiran/registration/tables';
import { createRegistrationServer } from '@xiran/registration';

/**
 * 定期更新 end to end on one department's database: all-or-nothing imports, idempotent refreshes,
 * agency encodings, district scope, and a process killed in the middle of an import.
 */
const samples = fileURLToPath(new URL('../../samples/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const market: Writer = { sub: 'market-etl', agency: 'market', level: 'city', district: null };
const { importBatches, changeLog } = INTAKE.intake;

let databases: TestDatabases;
let database: ServiceDatabase;

beforeAll(async () => {
  databases = await startTestDatabases();
  database = await connectRegistrationDatabase(databases.config('registration').database);
});

afterAll(async () => {
  await database?.close();
  await databases?.close();
});

async function reset(): Promise<void> {
  await database.db.execute(sql`truncate ${operators} cascade`);
  await database.db.execute(sql`truncate ${changeLog}, ${importBatches}`);
}

async function counts() {
  const [[ops], [log], [batches]] = await Promise.all([
    database.db.select({ n: count() }).from(operators),
    database.db.select({ n: count() }).from(changeLog),
    database.db.select({ n: count() }).from(importBatches).where(eq(importBatches.status, 'SUCCEEDED')),
  ]);
  return { operators: ops!.n, changes: log!.n, batches: batches!.n };
}

/** `n` valid operators as CSV records: distinct USCCs with valid check characters. */
function operatorRecords(n: number, district = '330106') {
  return Array.from({ length: n }, (_, i) => ({
    uscc: completeUscc(`92${district}MA${String(i).padStart(7, '0')}`),
    name: `杭州测试洗衣店${i}`,
    entityKind: 'INDIVIDUAL_BUSINESS',
    status: 'ACTIVE',
    district,
    address: `杭州市测试路 ${i} 号`,
    legalRepresentative: '测试',
    established: '2020-01-01',
    deregistered: '',
    businessScope: '洗染服务',
    industryCode: '8030',
    abnormalList: 'false',
  }));
}

const csvOf = (records: Array<Record<string, unknown>>, headers: 'en' | 'zh' = 'en') => {
  const { header, rows } = datasetCsvRows(operatorsDataset, records, headers);
  return Buffer.from(formatCsv(header, rows), 'utf8');
};

describe('importing a CSV (定期更新)', () => {
  it('imports a valid file: every row written, one batch, one change-log entry per row', async () => {
    await reset();
    const report = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: readFileSync(join(samples, 'operators.csv')), fileName: 'operators.csv' }, market);
    expect(report).toMatchObject({ accepted: true, rows: 5, newRows: 5, changedRows: 0, unchangedRows: 0, rejectedRows: 0, errors: [] });
    expect(report.batch).toMatchObject({ status: 'SUCCEEDED', kind: 'IMPORT', bySub: 'market-etl', byAgency: 'market', fileName: 'operators.csv' });
    expect(report.batch!.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await counts()).toEqual({ operators: 5, changes: 5, batches: 1 });
    const [stored] = await database.db.select().from(operators).where(eq(operators.uscc, completeUscc('91330106MA2B00004')));
    expect(stored).toMatchObject({ status: 'DEREGISTERED', deregistered: '2025-12-31', source: `import:${report.batch!.id}`, batchId: report.batch!.id, present: true });
  });

  it('writes nothing when one row of 10,000 is bad, and reports that row by line and column', async () => {
    await reset();
    const records = operatorRecords(10_000);
    records[6_789] = { ...records[6_789]!, district: '330104' }; // 江干区: abolished in 2021
    const before = await counts();
    const report = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: csvOf(records) }, market);
    expect(report.accepted).toBe(false);
    expect(report.rejectedRows).toBe(1);
    // Line 1 is the header: record 6,789 (0-based) is on line 6,791.
    expect(report.errors).toEqual([{ line: 6_791, column: 'district', reason: expect.stringContaining('330104') }]);
    expect(report.batch).toMatchObject({ status: 'REJECTED', rows: 10_000, newRows: 0, rejectedRows: 1 });
    expect(await counts()).toEqual(before);
  });

  it('changes nothing when the same file is imported twice', async () => {
    await reset();
    const file = csvOf(operatorRecords(2_000));
    const first = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: file }, market);
    expect(first).toMatchObject({ accepted: true, newRows: 2_000 });
    const after = await counts();
    const [{ updated }] = (await database.db.execute<{ updated: string }>(sql`select max(updated_at)::text as updated from ${operators}`)).rows as [{ updated: string }];
    const second = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: file }, market);
    expect(second).toMatchObject({ accepted: true, newRows: 0, changedRows: 0, absentRows: 0, unchangedRows: 2_000 });
    expect(second.batch!.fileSha256).toBe(first.batch!.fileSha256);
    expect(await counts()).toEqual({ ...after, batches: after.batches + 1 });
    const [{ updated: again }] = (await database.db.execute<{ updated: string }>(sql`select max(updated_at)::text as updated from ${operators}`)).rows as [{ updated: string }];
    expect(again).toBe(updated);
  });

  it('marks rows a later full snapshot leaves out as no longer present, and logs what changed', async () => {
    await reset();
    const records = operatorRecords(3);
    await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: csvOf(records) }, market);
    const renamed = { ...records[1]!, name: '杭州新名字洗衣店' };
    const report = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: csvOf([records[0]!, renamed]) }, market);
    expect(report).toMatchObject({ newRows: 0, changedRows: 1, unchangedRows: 1, absentRows: 1 });
    const gone = await database.db.select().from(operators).where(eq(operators.uscc, records[2]!.uscc));
    expect(gone[0]).toMatchObject({ present: false, name: records[2]!.name });
    expect(gone[0]!.absentSince).not.toBeNull();
    const log = await database.db.select().from(changeLog).where(eq(changeLog.batchId, report.batch!.id)).orderBy(changeLog.seq);
    expect(log.map((e) => [e.recordKey, e.operation, e.changedFields])).toEqual([
      [records[1]!.uscc, 'UPDATED', ['name']],
      [records[2]!.uscc, 'ABSENT', ['present']],
    ]);
  });

  it('reads a GB18030 export with Chinese headers and Chinese labels', async () => {
    await reset();
    const bytes = readFileSync(join(samples, 'operators.gb18030.csv'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const report = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes, fileName: 'operators.gb18030.csv' }, market);
    expect(report).toMatchObject({ accepted: true, encoding: 'GB18030', newRows: 5 });
    const [stored] = await database.db.select().from(operators).where(eq(operators.uscc, completeUscc('91330106MA2B00001')));
    expect(stored).toMatchObject({ name: '杭州洁雅洗衣有限公司', entityKind: 'ENTERPRISE', status: 'ACTIVE', address: '杭州市西湖区文三路 90 号' });
    // The same content in UTF-8 is the same data: nothing changes.
    const utf8 = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: readFileSync(join(samples, 'operators.csv')) }, market);
    expect(utf8).toMatchObject({ accepted: true, encoding: 'UTF8', newRows: 0, changedRows: 0 });
  });

  it('lets a district uploader refresh only its own district', async () => {
    await reset();
    const xihu: Writer = { sub: 'xihu-etl', agency: 'market', level: 'district', district: '330106' };
    const mixed = [...operatorRecords(2, '330106'), ...operatorRecords(1, '330108')];
    const refused = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: csvOf(mixed) }, xihu);
    expect(refused.accepted).toBe(false);
    expect(refused.errors).toEqual([{ line: 4, column: 'district', reason: OUTSIDE_DISTRICT }]);
    expect((await counts()).operators).toBe(0);
    // A city-level import puts a 滨江 operator in; a 西湖 refresh cannot take it over by claiming it.
    await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: csvOf(operatorRecords(1, '330108')) }, market);
    const claimed = { ...operatorRecords(1, '330108')[0]!, district: '330106' };
    const takeover = await importCsv(database.db, INTAKE.intake, operatorsDataset, { bytes: csvOf([claimed]) }, xihu);
    expect(takeover.accepted).toBe(false);
    // In the same words as any other refusal: nothing says the key exists, nor where.
    expect(takeover.errors).toEqual([{ line: 2, column: 'district', reason: OUTSIDE_DISTRICT }]);
  });

  it('refuses an upload by another agency or outside the uploader’s district, through the subgraph', async () => {
    await reset();
    const server = createRegistrationServer(database, await generateGatewayKeys());
    try {
      const upsert = `mutation($input: OperatorInput!) { upsertOperator(input: $input) { uscc name present } }`;
      const input = { ...operatorRecords(1, '330108')[0]!, abnormalList: false, deregistered: null, industryCode: null };
      const byEnvironment = await server.execute(upsert, { input }, uploaderAuth('registration', { agency: 'environment' }));
      expect(byEnvironment.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const byXihu = await server.execute(upsert, { input }, uploaderAuth('registration', { district: '330106' }));
      expect(byXihu.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.district' });
      expect((await counts()).operators).toBe(0);
      const byBinjiang = await server.execute(upsert, { input }, uploaderAuth('registration', { district: '330108' }));
      expect(byBinjiang.errors).toBeUndefined();
      expect(byBinjiang.data).toEqual({ upsertOperator: { uscc: input.uscc, name: input.name, present: true } });
      const bad = await server.execute(upsert, { input: { ...input, established: '2099-01-01' } }, uploaderAuth('registration'));
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.established' });
    } finally {
      await server.stop();
    }
  });
});

/**
 * An import is one transaction in the department's subgraph: the process that could die half-way
 * is the subgraph's (npm run import is an HTTP client now, and the gateway forwards a file only
 * once it has all of it: a client killed mid-upload is tests/src/imports-http.e2e.test.ts). Here
 * a process running the subgraph's importCsv is killed inside that transaction.
 */
describe('a crash in the middle of an import', () => {
  // Killing a client inside its transaction needs a server that outlives it: PostgreSQL, not
  // the in-process PGlite (one session). PostgreSQL is at DATABASE_URL, or where CI and dev run it.
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let crashDatabases: TestDatabases;
  let crashDatabase: ServiceDatabase;
  let baseUrl: string;

  beforeAll(async () => {
    crashDatabases = await startTestDatabases({ DATABASE_URL: serverUrl });
    const target = crashDatabases.config('registration').database;
    crashDatabases.config('gateway');
    if (target.kind !== 'server') throw new Error('expected a server target');
    baseUrl = target.serverUrl;
    crashDatabase = await connectRegistrationDatabase(target);
  });

  afterAll(async () => {
    await crashDatabase?.close();
    await crashDatabases?.close();
  });

  it('leaves the database as it was when the importing (subgraph) process is killed mid-transaction', async () => {
    const db = crashDatabase.db;
    await importCsv(db, INTAKE.intake, operatorsDataset, { bytes: csvOf(operatorRecords(100)) }, market);
    const snapshot = async () => (await db.execute(sql`select count(*)::int as n, md5(string_agg(uscc || name || present::text, ',' order by uscc)) as h from ${operators}`)).rows[0];
    const logCount = async () => (await db.execute(sql`select count(*)::int as n from ${changeLog}`)).rows[0]!.n;
    const before = { table: await snapshot(), log: await logCount() };

    // 20,000 rows, 100 of them renamed: the import stages them, then must write the change log,
    // which this test holds locked, so the child is caught inside its transaction.
    const records = operatorRecords(20_000).map((r, i) => (i < 100 ? { ...r, name: `${r.name}（更名）` } : r));
    const dir = mkdtempSync(join(tmpdir(), 'xiran-crash-'));
    const file = join(dir, 'operators.csv');
    writeFileSync(file, csvOf(records));
    const locker = new pg.Client({ connectionString: serviceDatabaseUrl(baseUrl, 'registration').url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table registration.change_log in exclusive mode');

    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/src/support/import-child.ts', file], {
      cwd: root,
      env: { ...process.env, XIRAN_IMPORT_TARGET: JSON.stringify(crashDatabases.config('registration').database) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    try {
      // Wait until the child's backend is blocked on the lock: it is inside its transaction.
      const deadline = Date.now() + 60_000;
      for (;;) {
        // Asked on another connection: inside a transaction pg_stat_activity is a snapshot.
        const waiting = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        if (waiting.rows[0]!.n > 0) break;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the import never reached its merge:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain('[import] validated');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await locker.query('commit');
      await locker.end();
    }
    // The killed client's backend finishes its statement, finds no client, rolls back: wait for it.
    for (let i = 0; i < 100; i++) {
      const left = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`);
      if (left.rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect({ table: await snapshot(), log: await logCount() }).toEqual(before);
    const batches = await db.select({ n: count() }).from(importBatches);
    expect(batches[0]!.n).toBe(1);
    // And the same file imports fine afterwards.
    const report = await importCsv(db, INTAKE.intake, operatorsDataset, { bytes: readFileSync(file) }, market);
    expect(report).toMatchObject({ accepted: true, newRows: 19_900, changedRows: 100 });
  });
});

describe('the subgraph’s /internal/imports/:dataset (what the gateway forwards a file to)', () => {
  it('imports only the file its gateway token’s manifest names, for a caller the write catalogue allows', async () => {
    await reset();
    const gatewayKeys = await generateGatewayKeys();
    const server = createRegistrationServer(database, gatewayKeys);
    const graphqlUrl = await server.listen(0);
    try {
      const file = csvOf(operatorRecords(3));
      const manifest: ImportManifest = { dataset: 'operators', fileName: 'ops.csv', encoding: 'AUTO', dryRun: false, allowMassAbsent: false, sha256: createHash('sha256').update(file).digest('hex'), bytes: file.length };
      const send = async (body: Buffer, options: { manifest?: ImportManifest; signedFor?: ImportManifest; auth?: SubgraphAuth; token?: boolean } = {}) => {
        const header = JSON.stringify(options.manifest ?? manifest);
        const auth = options.auth ?? uploaderAuth('registration');
        const grants = Object.fromEntries([...auth.grants.values()].map((g) => [g.group, [g.scope, g.grantId] as [typeof g.scope, string]]));
        const token = await signSubgraphToken(gatewayKeys, 'registration', { principal: auth.principal, requestId: 'r1', grants, bodyHash: manifestHash(JSON.stringify(options.signedFor ?? options.manifest ?? manifest)) });
        const response = await fetch(new URL(`${INTERNAL_IMPORTS_PATH}/operators`, graphqlUrl), {
          method: 'POST',
          headers: { [IMPORT_MANIFEST_HEADER]: header, ...(options.token === false ? {} : { [SUBGRAPH_TOKEN_HEADER]: token }) },
          body: body,
        });
        return { status: response.status, body: (await response.json()) as Record<string, any> };
      };
      // No gateway token; a token signed for another manifest (dry run); a body other than the file signed for.
      expect((await send(file, { token: false })).status).toBe(401);
      expect((await send(file, { signedFor: { ...manifest, dryRun: true } })).status).toBe(401);
      const other = csvOf(operatorRecords(3, '330108'));
      expect((await send(other.subarray(0, file.length))).status).toBe(401);
      // Another agency's uploader: the import mutation's rule, checked here again.
      const refused = await send(file, { auth: uploaderAuth('registration', { agency: 'environment' }) });
      expect(refused.status).toBe(403);
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(await counts()).toEqual({ operators: 0, changes: 0, batches: 0 });

      const ok = await send(file);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body).toMatchObject({ accepted: true, newRows: 3, batch: { status: 'SUCCEEDED', fileName: 'ops.csv', fileSha256: manifest.sha256, bySub: 'market-uploader' } });
      expect(await counts()).toEqual({ operators: 3, changes: 3, batches: 1 });
    } finally {
      await server.stop();
    }
  });
});
