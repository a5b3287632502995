import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import * as gatewayTables from '@xiran/gateway/tables';
import type { TestDatabases } from '@xiran/subgraph-kit';
import { completeUscc } from '@xiran/common';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';

/** 即时上传 and 定期更新 through the gateway, with real tokens: who may write, and who sees what changed. */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
let startedAt: string;

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(60));
  startedAt = new Date(Date.now() - 1000).toISOString();
});

afterAll(() => stopTestStack({ stack, databases }));

const samples = (name: string) => readFileSync(fileURLToPath(new URL(`../../samples/${name}`, import.meta.url)));
const uscc = completeUscc('91330108MA2E2E001');
const operatorInput = (district: string) => ({
  uscc,
  name: '杭州端到端洗衣有限公司',
  entityKind: 'ENTERPRISE',
  status: 'ACTIVE',
  district,
  address: '杭州市滨江区测试路 1 号',
  legalRepresentative: '测试',
  established: '2020-05-06',
  businessScope: '洗染服务',
  outlets: [{ id: 'E2E-OUT-1', name: '端到端一店', type: 'STORE', address: '杭州市滨江区测试路 1 号', district, location: { lng: 120.21, lat: 30.2 }, services: ['DRY_CLEANING'], opened: '2020-06-01', status: 'OPEN' }],
});
const UPSERT = 'mutation Upsert($input: OperatorInput!) { upsertOperator(input: $input) { uscc name district present outlets { id name } } }';
const IMPORT = (mutation: string) => `mutation Import($input: ImportInput!) { ${mutation}(input: $input) { accepted rows newRows changedRows unchangedRows rejectedRows errors { line column reason } batch { id status kind fileSha256 byAgency } } }`;

describe('who may write', () => {
  it('refuses a reader and another agency’s uploader at the gateway, and a district uploader outside its district', async () => {
    const cases = [
      { caller: { agency: 'market' as const, roles: ['reader' as const] }, field: null },
      { caller: { agency: 'environment' as const, roles: ['uploader' as const] }, field: null },
      { caller: { agency: 'market' as const, level: 'district' as const, district: '330106', roles: ['uploader' as const] }, field: 'input.district' },
    ];
    for (const { caller, field } of cases) {
      const result = await graphql(stack.gatewayUrl, UPSERT, { input: operatorInput('330108') }, await bearer(keys, caller));
      expect(result.data?.upsertOperator ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      if (field) expect(result.errors?.[0]?.extensions?.field).toBe(field);
    }
    const commerce = await bearer(keys, { agency: 'commerce' });
    const read = await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name } }', { u: uscc }, commerce);
    expect(read.data?.operator).toBeNull();
  });

  it('lets market’s uploader of the district register an operator with its outlets, recorded in the audit trail', async () => {
    const uploader = await bearer(keys, { agency: 'market', level: 'district', district: '330108', roles: ['uploader'] });
    const result = await graphql(stack.gatewayUrl, UPSERT, { input: operatorInput('330108') }, uploader);
    expect(result.errors).toBeUndefined();
    expect(result.data?.upsertOperator).toEqual({ uscc, name: '杭州端到端洗衣有限公司', district: '330108', present: true, outlets: [{ id: 'E2E-OUT-1', name: '端到端一店' }] });
    const invalid = await graphql(stack.gatewayUrl, UPSERT, { input: { ...operatorInput('330108'), uscc: `${uscc.slice(0, 17)}0` } }, uploader);
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.uscc' });

    const commerce = await bearer(keys, { agency: 'commerce' });
    const read = await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name source outlets { id } } }', { u: uscc }, commerce);
    expect(read.data?.operator).toMatchObject({ name: '杭州端到端洗衣有限公司', source: expect.stringMatching(/^upload:/), outlets: [{ id: 'E2E-OUT-1' }] });

    const [entry] = await stack.gatewayDatabase.db.select().from(gatewayTables.auditLog).where(eq(gatewayTables.auditLog.kind, 'WRITE')).orderBy(desc(gatewayTables.auditLog.seq)).limit(1);
    expect(entry).toMatchObject({ agency: 'market', level: 'district', district: '330108', operationName: 'Upsert' });
    // The outcome names the WRITE_INTENT entry committed before the write was forwarded.
    expect(entry!.detail).toEqual({ intent: expect.any(Number), writes: [{ field: 'upsertOperator', ids: expect.arrayContaining([uscc, 'E2E-OUT-1']) }] });
    const [intent] = await stack.gatewayDatabase.db.select().from(gatewayTables.auditLog).where(eq(gatewayTables.auditLog.seq, (entry!.detail as { intent: number }).intent));
    expect(intent).toMatchObject({ kind: 'WRITE_INTENT', requestId: entry!.requestId, detail: { fields: ['upsertOperator'] } });
  });
});

describe('importing through the API', () => {
  const imports = [
    { agency: 'market' as const, mutation: 'importRegistrationData', files: ['operators', 'outlets'] },
    { agency: 'environment' as const, mutation: 'importEmissionsData', files: ['machines', 'permits', 'inspections', 'solvent-ledger', 'penalties'] },
    { agency: 'hrss' as const, mutation: 'importSocialInsuranceData', files: ['insurance-status', 'insured-headcount'] },
    { agency: 'petition' as const, mutation: 'importComplaintsData', files: ['complaints'] },
    { agency: 'association' as const, mutation: 'importAssociationData', files: ['memberships', 'leads'] },
  ];

  it('imports every department’s sample files, and the same files again change nothing', async () => {
    for (const { agency, mutation, files } of imports) {
      const uploader = await bearer(keys, { agency, roles: ['uploader'] });
      for (const dataset of files) {
        // Over the seeded world on purpose: a sample snapshot leaves most of the seed out.
        const input = { dataset, fileName: `${dataset}.csv`, contentBase64: samples(`${dataset}.csv`).toString('base64'), allowMassAbsent: true };
        const first = await graphql(stack.gatewayUrl, IMPORT(mutation), { input }, uploader);
        expect(first.errors, `${dataset}`).toBeUndefined();
        expect(first.data?.[mutation], dataset).toMatchObject({ accepted: true, rejectedRows: 0, errors: [], batch: { status: 'SUCCEEDED', kind: 'IMPORT', byAgency: agency } });
        expect(first.data?.[mutation].rows, dataset).toBeGreaterThan(0);
        const again = await graphql(stack.gatewayUrl, IMPORT(mutation), { input }, uploader);
        expect(again.data?.[mutation], dataset).toMatchObject({ accepted: true, newRows: 0, changedRows: 0, unchangedRows: first.data?.[mutation].rows });
      }
    }
  });

  it('reports every bad row of a rejected file, and writes none of it', async () => {
    const uploader = await bearer(keys, { agency: 'market', roles: ['uploader'] });
    const csv = samples('outlets.csv').toString('utf8').replace('330106,120.1301', '330104,120.1301').replace(/,CLOSED\r\n$/, ',MAYBE\r\n');
    const result = await graphql(stack.gatewayUrl, IMPORT('importRegistrationData'), { input: { dataset: 'outlets', contentBase64: Buffer.from(csv).toString('base64') } }, uploader);
    const report = result.data?.importRegistrationData;
    expect(report).toMatchObject({ accepted: false, rejectedRows: 2, batch: { status: 'REJECTED' } });
    expect(report.errors.map((e: { line: number; column: string }) => [e.line, e.column])).toEqual([[2, 'district'], [7, 'status']]);
    const unknown = await graphql(stack.gatewayUrl, IMPORT('importRegistrationData'), { input: { dataset: 'machines', contentBase64: 'YQ==' } }, uploader);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.dataset' });
  });
});

describe('what is fresh, and what changed', () => {
  const FRESHNESS = '{ dataFreshness { asOf market { dataset mode lastBatch { id kind byAgency } lastChangeAt } environment { dataset } hrss { dataset } petition { dataset } association { dataset } } }';
  const CHANGES = 'query($since: DateTime!) { changes(since: $since) { since operators { nodes { key uscc district operation batchId } } outlets { nodes { key operation } } } }';

  it('shows every department’s datasets with their last batch, to any authenticated caller; who uploaded to the owner only', async () => {
    const statistics = await bearer(keys, { agency: 'statistics' });
    const result = await graphql(stack.gatewayUrl, FRESHNESS, {}, statistics);
    // Who uploaded is market's to know (issue 10): null with FORBIDDEN for statistics.
    expect(result.errors?.map((e) => [e.extensions?.code, e.path?.slice(1).join('.')])).toEqual([
      ['FORBIDDEN', 'market.0.lastBatch.byAgency'],
      ['FORBIDDEN', 'market.1.lastBatch.byAgency'],
    ]);
    const freshness = result.data!.dataFreshness;
    expect(freshness.market.map((d: { dataset: string }) => d.dataset)).toEqual(['operators', 'outlets']);
    expect(freshness.environment.map((d: { dataset: string }) => d.dataset)).toEqual(['machines', 'permits', 'inspections', 'solvent-ledger', 'penalties']);
    expect(freshness.hrss.length + freshness.petition.length + freshness.association.length).toBe(5);
    expect(freshness.market[0]).toMatchObject({ dataset: 'operators', mode: 'SNAPSHOT', lastBatch: { kind: 'IMPORT', byAgency: null } });
    const owner = await graphql(stack.gatewayUrl, FRESHNESS, {}, await bearer(keys, { agency: 'market' }));
    expect(owner.errors).toBeUndefined();
    expect(owner.data!.dataFreshness.market[0]).toMatchObject({ dataset: 'operators', mode: 'SNAPSHOT', lastBatch: { kind: 'IMPORT', byAgency: 'market' } });
  });

  it('lists changes since an instant within the caller’s grants and district', async () => {
    const commerce = await graphql(stack.gatewayUrl, CHANGES, { since: startedAt }, await bearer(keys, { agency: 'commerce' }));
    expect(commerce.errors).toBeUndefined();
    const operators = commerce.data!.changes.operators.nodes;
    expect(operators).toContainEqual(expect.objectContaining({ key: uscc, district: '330108', operation: 'INSERTED', batchId: expect.stringMatching(/^upl-/) }));
    expect(operators.some((n: { district: string }) => n.district !== '330108')).toBe(true);

    // A 滨江 caller sees 滨江's changes only.
    const binjiang = await graphql(stack.gatewayUrl, CHANGES, { since: startedAt }, await bearer(keys, { agency: 'environment', level: 'district', district: '330108' }));
    const local = binjiang.data!.changes.operators.nodes;
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((n: { district: string }) => n.district === '330108')).toBe(true);

    // hrss holds registration but not outlets: the outlets feed is refused, operators still come back.
    const hrss = await graphql(stack.gatewayUrl, CHANGES, { since: startedAt }, await bearer(keys, { agency: 'hrss' }));
    expect(hrss.data!.changes.outlets).toBeNull();
    expect(hrss.data!.changes.operators.nodes.length).toBeGreaterThan(0);
    expect(hrss.errors?.map((e) => [e.extensions?.code, e.extensions?.coordinate])).toEqual([['FORBIDDEN', 'ChangeFeed.outlets']]);
  });
});
