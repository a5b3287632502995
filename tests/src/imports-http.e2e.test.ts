import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, gt } from 'drizzle-orm';
import * as gatewayTables from '@xiran/gateway/tables';
import { readGatewayLimits } from '@xiran/gateway/config';
import { INTAKE as REGISTRATION } from '@xiran/registration/datasets';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { tokenFor, type Caller, type TestKeys } from './support/security';

/**
 * Bulk intake over HTTP: `POST /imports/:dataset` on the gateway (multipart, streamed), and
 * `npm run import` as its client, against the whole stack with real tokens, real HTTP between the
 * gateway and the subgraphs, and the real audit trail.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
let importUrl: (dataset: string) => URL;

/** Small limits, so that 413 and 429 are cheap to reach: 256 KB files, 3 expensive operations per caller and minute. */
const IMPORT_LIMIT = 256 * 1024;
const EXPENSIVE = 3;

beforeAll(async () => {
  // BODY_LIMIT above 2 MB, so that the base64 mutation's own 2 MB limit is what refuses a large file.
  const limits = readGatewayLimits({ IMPORT_BODY_LIMIT: String(IMPORT_LIMIT), BODY_LIMIT: '4mb', RATE_LIMIT_EXPENSIVE: String(EXPENSIVE) });
  ({ stack, keys, databases } = await startTestStack(30, { limits }));
  importUrl = (dataset) => new URL(`/imports/${dataset}`, stack.gatewayUrl);
});

afterAll(() => stopTestStack({ stack, databases }));

const root = fileURLToPath(new URL('../../', import.meta.url));
const samplePath = (name: string) => join(root, 'samples', name);
const sample = (name: string) => readFileSync(samplePath(name));
const marketUploader: Caller = { agency: 'market', roles: ['reader', 'uploader'] };

async function upload(dataset: string, file: Buffer | null, fields: Record<string, string> = {}, token?: string) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  if (file) form.set('file', new Blob([file]), `${dataset}.csv`);
  const response = await fetch(importUrl(dataset), { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const audit = () => stack.gatewayDatabase.db.select().from(gatewayTables.auditLog);
const entriesAfter = (seq: number) => stack.gatewayDatabase.db.select().from(gatewayTables.auditLog).where(gt(gatewayTables.auditLog.seq, seq)).orderBy(asc(gatewayTables.auditLog.seq));
const lastSeq = async () => Math.max(0, ...(await audit()).map((e) => e.seq));
const batches = () => stack.databases.registration.db.select().from(REGISTRATION.intake.importBatches);

describe('POST /imports/:dataset', () => {
  it('imports a sample CSV for an authorized uploader and answers the ImportReport; WRITE_INTENT then WRITE, linked', async () => {
    const token = await tokenFor(keys, marketUploader);
    const file = sample('operators.csv');
    const since = await lastSeq();
    // The sample is five operators over a register of thirty: a snapshot that means it.
    const { status, body } = await upload('operators', file, { allowMassAbsent: 'true' }, token);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ dataset: 'operators', dryRun: false, accepted: true, encoding: 'UTF8', rows: 5, rejectedRows: 0, errors: [] });
    expect(body.newRows + body.changedRows + body.unchangedRows).toBe(5);
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect(body.batch).toMatchObject({ id: expect.any(String), status: 'SUCCEEDED', fileName: 'operators.csv', fileSha256: sha256 });
    // The batch is in the registry's own database, as the caller who sent it.
    const [batch] = (await batches()).filter((b) => b.id === body.batch.id);
    expect(batch).toMatchObject({ status: 'SUCCEEDED', kind: 'IMPORT', byAgency: 'market', fileSha256: sha256, rows: 5 });

    const entries = await entriesAfter(since);
    const intent = entries.find((e) => e.kind === 'WRITE_INTENT' && e.operationName === 'POST /imports/operators');
    const outcome = entries.find((e) => e.kind === 'WRITE' && e.operationName === 'POST /imports/operators');
    expect(intent).toMatchObject({ agency: 'market', operationHash: sha256, detail: { fields: ['importRegistrationData'], dataset: 'operators', bytes: file.length, sha256, dryRun: false } });
    expect(outcome).toMatchObject({ requestId: intent!.requestId, sub: intent!.sub, detail: { intent: intent!.seq, writes: [{ field: 'importRegistrationData', ids: [body.batch.id] }], accepted: true } });
    expect(outcome!.seq).toBeGreaterThan(intent!.seq);
  });

  it('reports a rejected file’s bad lines (200, nothing written but the REJECTED batch)', async () => {
    const token = await tokenFor(keys, marketUploader);
    const lines = sample('operators.csv').toString('utf8').trimEnd().split(/\r?\n/);
    // Line 3: a USCC with a wrong check character; line 5: a date that is no date.
    const cells = (line: string) => line.split(',');
    const bad3 = cells(lines[2]!);
    bad3[0] = `${bad3[0]!.slice(0, 17)}${bad3[0]!.endsWith('0') ? '1' : '0'}`;
    const header = cells(lines[0]!);
    const established = header.findIndex((h) => /established|成立/i.test(h));
    const bad5 = cells(lines[4]!);
    bad5[established] = '2020-13-45';
    const csv = [lines[0], lines[1], bad3.join(','), lines[3], bad5.join(','), lines[5]].join('\n') + '\n';
    const before = (await batches()).filter((b) => b.status === 'SUCCEEDED').length;
    const { status, body } = await upload('operators', Buffer.from(csv), { allowMassAbsent: 'true' }, token);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ accepted: false, rows: 5, rejectedRows: 2, batch: { status: 'REJECTED' } });
    expect(body.errors.map((e: { line: number }) => e.line)).toEqual([3, 5]);
    expect(body.errors[1]).toMatchObject({ line: 5, column: header[established] });
    expect((await batches()).filter((b) => b.status === 'SUCCEEDED').length).toBe(before);
  });

  it('reads a UTF-16LE export (BOM) and answers a dry run with counts and no batch', async () => {
    const token = await tokenFor(keys, marketUploader);
    const text = sample('operators.csv').toString('utf8');
    const utf16 = Buffer.from(`\ufeff${text}`, 'utf16le');
    const before = (await batches()).length;
    const { status, body } = await upload('operators', utf16, { dryRun: 'true', allowMassAbsent: 'true' }, token);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ accepted: true, dryRun: true, encoding: 'UTF16LE', rows: 5, batch: null });
    expect((await batches()).length).toBe(before);
  });

  it('refuses no token with 401 before reading the body, a reader and another agency’s uploader with 403', async () => {
    const since = await lastSeq();
    const before = (await batches()).length;
    const anonymous = await upload('operators', sample('operators.csv'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const forged = await upload('operators', sample('operators.csv'), {}, `${(await tokenFor(keys, marketUploader)).slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);

    for (const caller of [{ agency: 'market', roles: ['reader'] }, { agency: 'environment', roles: ['reader', 'uploader'] }] satisfies Caller[]) {
      const refused = await upload('operators', sample('operators.csv'), { allowMassAbsent: 'true' }, await tokenFor(keys, caller));
      expect(refused.status, JSON.stringify(refused.body)).toBe(403);
      expect(refused.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Mutation.importRegistrationData' });
    }
    expect((await batches()).length).toBe(before);
    const entries = await entriesAfter(since);
    // Refusals recorded; no write announced.
    expect(entries.filter((e) => e.kind === 'REFUSAL' && e.operationName === 'POST /imports/operators')).toHaveLength(2);
    expect(entries.some((e) => e.kind === 'UNAUTHENTICATED')).toBe(true);
    expect(entries.filter((e) => e.kind === 'WRITE_INTENT')).toHaveLength(0);
  });

  it('answers 400 for an unknown dataset, no file, a bad field; 413 beyond IMPORT_BODY_LIMIT', async () => {
    const token = await tokenFor(keys, marketUploader);
    const unknown = await upload('nonsense', sample('operators.csv'), {}, token);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'dataset' });
    expect(unknown.body.errors[0].message).toContain('operators');
    const noFile = await upload('operators', null, { dryRun: 'true' }, token);
    expect(noFile.status).toBe(400);
    expect(noFile.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    const badFlag = await upload('operators', sample('operators.csv'), { dryRun: 'maybe' }, await tokenFor(keys, marketUploader));
    expect(badFlag.status).toBe(400);
    const huge = await upload('operators', Buffer.alloc(IMPORT_LIMIT + 1, 0x61), {}, await tokenFor(keys, marketUploader));
    expect(huge.status).toBe(413);
    expect(huge.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a mass-absent snapshot with 400 BAD_USER_INPUT (input.allowMassAbsent), recorded as WRITE_FAILED', async () => {
    const token = await tokenFor(keys, marketUploader);
    // The register now lists the sample's five operators present (the first import left the seed's out): one listed, four would go absent.
    const lines = sample('operators.csv').toString('utf8').trimEnd().split(/\r?\n/);
    const since = await lastSeq();
    const { status, body } = await upload('operators', Buffer.from(`${lines[0]}\n${lines[1]}\n`), {}, token);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.allowMassAbsent' });
    const outcome = (await entriesAfter(since)).find((e) => e.kind === 'WRITE_FAILED');
    expect(outcome?.detail).toMatchObject({ writes: [], errors: ['BAD_USER_INPUT'] });
  });

  it('counts imports as expensive operations of the caller, over both doors (429, RATE_LIMITED)', async () => {
    const token = await tokenFor(keys, marketUploader);
    for (let i = 0; i < EXPENSIVE; i++) {
      const ok = await upload('operators', sample('operators.csv'), { dryRun: 'true', allowMassAbsent: 'true' }, token);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    }
    const limited = await upload('operators', sample('operators.csv'), { dryRun: 'true' }, token);
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    const mutation = await graphql(
      stack.gatewayUrl,
      'mutation($i: ImportInput!) { importRegistrationData(input: $i) { accepted } }',
      { i: { dataset: 'operators', contentBase64: sample('operators.csv').toString('base64'), dryRun: true } },
      { authorization: `Bearer ${token}` },
    );
    expect(mutation.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('writes nothing, and announces nothing, when the client goes away in the middle of its upload', async () => {
    const token = await tokenFor(keys, marketUploader);
    const since = await lastSeq();
    const before = (await batches()).length;
    const boundary = 'xiran-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="operators.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    const part = sample('operators.csv');
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const url = importUrl('operators');
    await new Promise<void>((resolve) => {
      const request = http.request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + part.length + tail.length) },
      });
      request.on('error', () => resolve());
      request.on('response', () => resolve());
      // Half the file, then the client is gone (as a killed `npm run import` would be).
      request.write(Buffer.concat([head, part.subarray(0, part.length >> 1)]), () => setTimeout(() => request.destroy(), 200));
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await batches()).length).toBe(before);
    expect((await entriesAfter(since)).filter((e) => e.kind === 'WRITE_INTENT')).toHaveLength(0);
  });
});

describe('the base64 mutation is for small files', () => {
  it('refuses a file over 2 MB decoded with BAD_USER_INPUT on input.contentBase64, pointing at POST /imports', async () => {
    const token = await tokenFor(keys, { agency: 'environment', roles: ['reader', 'uploader'] });
    const big = Buffer.alloc(2 * 1024 * 1024 + 1, 0x61).toString('base64');
    const result = await graphql(
      stack.gatewayUrl,
      'mutation($i: ImportInput!) { importEmissionsData(input: $i) { accepted } }',
      { i: { dataset: 'machines', contentBase64: big, dryRun: true } },
      { authorization: `Bearer ${token}` },
    );
    expect(result.data?.importEmissionsData ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contentBase64' });
    expect(result.errors?.[0]?.message).toContain('/imports/');
  });
});

describe('npm run import, an HTTP client of the gateway', () => {
  const run = (args: string[], env: Record<string, string | undefined>) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      // No database variable reaches it: the gateway's URL and a token are all it has.
      const { DATABASE_URL: _db, ...rest } = process.env;
      const child = spawn(process.execPath, ['--import', 'tsx', 'tools/src/import/cli.ts', ...args], {
        cwd: root,
        env: { ...rest, XIRAN_URL: stack.gatewayUrl, XIRAN_TOKEN: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => resolve({ code, output }));
    });

  it('imports a file with a token, prints the report, exit 0; the outcome in the audit trail', async () => {
    const token = await tokenFor(keys, { agency: 'environment', roles: ['reader', 'uploader'] });
    const since = await lastSeq();
    const ok = await run(['--dataset', 'inspections', '--file', samplePath('inspections.csv')], { XIRAN_TOKEN: token });
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toMatch(/^Imported: inspections from inspections\.csv \(UTF8\), \d+ rows$/m);
    const batchId = /batch (\S+) \(SUCCEEDED\)/.exec(ok.output)?.[1];
    expect(batchId).toBeDefined();
    const outcome = (await entriesAfter(since)).find((e) => e.kind === 'WRITE' && e.operationName === 'POST /imports/inspections');
    expect(outcome?.detail).toMatchObject({ writes: [{ field: 'importEmissionsData', ids: [batchId] }] });
  });

  it('exit 1 for a rejected file, and for a mass-absent snapshot unless --allow-mass-absent (a dry run says so)', async () => {
    const token = await tokenFor(keys, marketUploader);
    const dir = mkdtempSync(join(tmpdir(), 'xiran-import-'));
    const bad = join(dir, 'operators.csv');
    writeFileSync(bad, 'uscc,name\nnot-a-uscc,x\n');
    const rejected = await run(['--dataset', 'operators', '--file', bad], { XIRAN_TOKEN: token });
    expect(rejected.code, rejected.output).toBe(1);
    expect(rejected.output).toContain('Nothing was written.');

    const one = join(dir, 'one.csv');
    const lines = sample('operators.csv').toString('utf8').trimEnd().split(/\r?\n/);
    writeFileSync(one, `${lines[0]}\n${lines[1]}\n`);
    const dryRun = await run(['--dataset', 'operators', '--file', one, '--dry-run'], { XIRAN_TOKEN: await tokenFor(keys, marketUploader) });
    expect(dryRun.code, dryRun.output).toBe(0);
    expect(dryRun.output).toMatch(/A real run would be refused/);
    const refused = await run(['--dataset', 'operators', '--file', one], { XIRAN_TOKEN: await tokenFor(keys, marketUploader) });
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toMatch(/^Refused: .*more than half.*--allow-mass-absent/m);
  });

  it('exit 2 for no token, a forged one, a caller who may not import, an unknown dataset; 3 when the audit trail is down', async () => {
    const refusals = {
      'no token': await run(['--dataset', 'operators', '--file', samplePath('operators.csv')], {}),
      'a forged token': await run(['--dataset', 'operators', '--file', samplePath('operators.csv'), '--token', `${(await tokenFor(keys, marketUploader)).slice(0, -4)}AAAA`], {}),
      'a reader': await run(['--dataset', 'operators', '--file', samplePath('operators.csv')], { XIRAN_TOKEN: await tokenFor(keys, { agency: 'market', roles: ['reader'] }) }),
      'an unknown dataset': await run(['--dataset', 'nonsense', '--file', samplePath('operators.csv')], { XIRAN_TOKEN: await tokenFor(keys, marketUploader) }),
      'a name typed on the command line': await run(['--dataset', 'operators', '--file', samplePath('operators.csv'), '--by', 'someone'], { XIRAN_TOKEN: await tokenFor(keys, marketUploader) }),
    };
    for (const [name, result] of Object.entries(refusals)) expect(result.code, `${name}: ${result.output}`).toBe(2);
    expect(refusals['no token'].output).toContain('a caller token is required');
    expect(refusals['a forged token'].output).toContain('the token was refused');
    expect(refusals['a reader'].output).toContain('not allowed');

    const before = (await batches()).length;
    const db = stack.gatewayDatabase.db;
    await db.execute('alter table gateway.audit_log rename to audit_log_offline');
    let down: { code: number | null; output: string };
    try {
      down = await run(['--dataset', 'operators', '--file', samplePath('operators.csv'), '--allow-mass-absent'], { XIRAN_TOKEN: await tokenFor(keys, marketUploader) });
    } finally {
      await db.execute('alter table gateway.audit_log_offline rename to audit_log');
    }
    expect(down.code, down.output).toBe(3);
    expect(down.output).toContain('nothing was imported');
    expect((await batches()).length).toBe(before);
  });
});
