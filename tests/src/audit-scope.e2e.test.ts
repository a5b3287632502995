import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestDatabases } from '@xiran/subgraph-kit';
import { completeUscc } from '@xiran/common';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, tokenFor, type Caller, type TestKeys } from './support/security';

/**
 * 限定知悉范围 for derived values (issue 10): the audit log by district, writes within the
 * uploader's registered district, and who uploaded what for the dataset's owner only. Every case
 * both ways, through the gateway over HTTP: the caller entitled gets the value, the other null
 * with its code, or the reduced value.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
/** Operators registered in 西湖 (330106) and 滨江 (330108), each with machines on file. */
let xihu: string;
let binjiang: string;

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(200));
  const pick = async (district: string) => {
    const rows = await stack.databases.emissions.db.execute(sql`select uscc from emissions.machines where district = ${district} group by uscc order by uscc limit 1`);
    const uscc = String(rows.rows[0]!.uscc);
    const registered = await stack.databases.registration.db.execute(sql`select district from registration.operators where uscc = ${uscc}`);
    expect(registered.rows[0]?.district).toBe(district);
    return uscc;
  };
  xihu = await pick('330106');
  binjiang = await pick('330108');
});

afterAll(() => stopTestStack({ stack, databases }));

const ask = async (caller: Caller, query: string, variables: Record<string, unknown> = {}) => graphql(stack.gatewayUrl, query, variables, await bearer(keys, caller));
const codes = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.map((e) => e.extensions?.code) ?? [];

const ENV_CITY: Caller = { agency: 'environment' };
const ENV_XIHU: Caller = { agency: 'environment', level: 'district', district: '330106' };

describe('the audit log by district', () => {
  const LOG = `query($agency: String, $uscc: ID) { accessLog(group: "machinesAndPermits", agency: $agency, uscc: $uscc, first: 100) {
    totalCount nodes { requestId sub agency disclosed { group operators } refused { group } } } }`;
  type Entry = { requestId: string; sub: string | null; agency: string; disclosed: Array<{ group: string; operators: string[] }>; refused: unknown[] };
  let both: Entry['requestId'];
  let onlyBinjiang: Entry['requestId'];
  let commerceSub: string;

  beforeAll(async () => {
    // One read that names both operators, one of 滨江's only.
    const token = await tokenFor(keys, { agency: 'commerce' });
    commerceSub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub;
    const headers = { authorization: `Bearer ${token}` };
    const pair = await graphql(stack.gatewayUrl, 'query Pair($a: ID!, $b: ID!) { a: operator(uscc: $a) { machines { id } } b: operator(uscc: $b) { machines { id } } }', { a: xihu, b: binjiang }, headers);
    expect(pair.errors).toBeUndefined();
    const single = await graphql(stack.gatewayUrl, 'query Single($b: ID!) { operator(uscc: $b) { machines { id } } }', { b: binjiang }, headers);
    expect(single.errors).toBeUndefined();
    await stack.audit.drain();
    const rows = await stack.gatewayDatabase.db.execute(sql`select request_id, operation_name from gateway.audit_log where sub = ${commerceSub} order by seq`);
    both = String(rows.rows.find((r) => r.operation_name === 'Pair')!.request_id);
    onlyBinjiang = String(rows.rows.find((r) => r.operation_name === 'Single')!.request_id);
  });

  it('shows the owner at city level every read, with both operators and the reader’s staff id', async () => {
    const result = await ask(ENV_CITY, LOG, { agency: 'commerce' });
    expect(result.errors).toBeUndefined();
    const nodes: Entry[] = result.data!.accessLog.nodes;
    const pair = nodes.find((n) => n.requestId === both)!;
    expect(pair.sub).toBe(commerceSub);
    expect(pair.disclosed).toEqual([{ group: 'machinesAndPermits', operators: [xihu, binjiang].sort() }]);
    expect(nodes.some((n) => n.requestId === onlyBinjiang)).toBe(true);
  });

  it('shows an owner at district level only its district’s operators, and no other agency’s staff ids', async () => {
    const result = await ask(ENV_XIHU, LOG, { agency: 'commerce' });
    expect(result.errors).toBeUndefined();
    const nodes: Entry[] = result.data!.accessLog.nodes;
    const pair = nodes.find((n) => n.requestId === both)!;
    // The entry names both operators; 西湖 sees its own only, and not which commerce clerk read.
    expect(pair.disclosed).toEqual([{ group: 'machinesAndPermits', operators: [xihu] }]);
    expect(pair.sub).toBeNull();
    expect(pair.agency).toBe('commerce');
    expect(nodes.some((n) => n.requestId === onlyBinjiang)).toBe(false);
    expect(nodes.every((n) => n.disclosed.every((d) => d.operators.every((u) => u === xihu || u.length === 18)) && n.refused.length === 0)).toBe(true);
    expect(result.data!.accessLog.totalCount).toBe(nodes.length);
    // Asked by 滨江's operator, 西湖 finds nothing.
    const filtered = await ask(ENV_XIHU, LOG, { uscc: binjiang });
    expect(filtered.data!.accessLog).toMatchObject({ totalCount: 0, nodes: [] });
  });

  it('keeps the staff id of the district owner’s own agency', async () => {
    const token = await tokenFor(keys, ENV_XIHU);
    const ownSub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub;
    const read = await graphql(stack.gatewayUrl, 'query Own($a: ID!) { operator(uscc: $a) { machines { id } } }', { a: xihu }, { authorization: `Bearer ${token}` });
    expect(read.errors).toBeUndefined();
    await stack.audit.drain();
    const result = await ask(ENV_XIHU, LOG, { agency: 'environment', uscc: xihu });
    expect(result.data!.accessLog.nodes.map((n: Entry) => n.sub)).toContain(ownSub);
  });

  it('answers operatorAccessLog only for an operator that operator(uscc:) shows the same caller', async () => {
    const QUERY = 'query($u: ID!) { operatorAccessLog(uscc: $u) { totalCount nodes { requestId disclosed { group operators } } } }';
    const own = await ask(ENV_XIHU, QUERY, { u: xihu });
    expect(own.errors).toBeUndefined();
    expect(own.data!.operatorAccessLog.nodes.map((n: Entry) => n.requestId)).toContain(both);

    const other = await ask(ENV_XIHU, QUERY, { u: binjiang });
    expect(other.data?.operatorAccessLog ?? null).toBeNull();
    expect(codes(other)).toEqual(['NOT_VISIBLE']);
    // An operator nobody registered answers the same: nothing tells that 滨江's exists.
    const nobody = await ask(ENV_XIHU, QUERY, { u: completeUscc('91330108MA2A0DT00') });
    expect(codes(nobody)).toEqual(['NOT_VISIBLE']);
    expect(nobody.errors![0]!.message).toBe(other.errors![0]!.message);

    // The owner at city level sees 滨江's operator, and its reads.
    const city = await ask(ENV_CITY, QUERY, { u: binjiang });
    expect(city.errors).toBeUndefined();
    expect(city.data!.operatorAccessLog.nodes.map((n: Entry) => n.requestId)).toEqual(expect.arrayContaining([both, onlyBinjiang]));
  });

  it('limits accessCounts of a district caller to its district', async () => {
    const COUNTS = '{ accessCounts { agency group reads operators } }';
    const count = async (caller: Caller) => {
      const result = await ask(caller, COUNTS);
      expect(result.errors).toBeUndefined();
      return result.data!.accessCounts.find((c: { agency: string; group: string }) => c.agency === 'commerce' && c.group === 'machinesAndPermits') ?? { reads: 0, operators: 0 };
    };
    const commerceXihu: Caller = { agency: 'commerce', level: 'district', district: '330106' };
    const commerceBinjiang: Caller = { agency: 'commerce', level: 'district', district: '330108' };
    const before = { city: await count({ agency: 'commerce' }), xihu: await count(commerceXihu), binjiang: await count(commerceBinjiang) };
    // The city sees more operators than either district.
    expect(before.city.operators).toBeGreaterThanOrEqual(before.xihu.operators + before.binjiang.operators);
    expect(before.xihu.operators).toBeGreaterThan(0);

    // Another read of 滨江's operator counts for the city and for 滨江, not for 西湖.
    await ask({ agency: 'commerce' }, 'query($b: ID!) { operator(uscc: $b) { machines { id } } }', { b: binjiang });
    await stack.audit.drain();
    expect((await count({ agency: 'commerce' })).reads).toBe(before.city.reads + 1);
    expect((await count(commerceBinjiang)).reads).toBe(before.binjiang.reads + 1);
    expect((await count(commerceXihu)).reads).toBe(before.xihu.reads);

    // Another agency still gets nothing.
    const market = await ask({ agency: 'market', level: 'district', district: '330106' }, COUNTS);
    expect(codes(market)).toEqual(['FORBIDDEN']);
  });
});

describe('writes stay in the uploader’s registered district', () => {
  const RECORD = 'mutation($input: PenaltyInput!) { recordPenalty(input: $input) { id decisionNumber } }';
  const UPLOADER_XIHU: Caller = { agency: 'environment', level: 'district', district: '330106', roles: ['uploader'] };
  const penalty = (id: string, uscc: string, district: string) => ({
    id,
    uscc,
    district,
    decisionNumber: `杭环罚〔2026〕${id}号`,
    decided: '2026-01-05',
    violation: '未按规定建立溶剂使用台账',
    fineYuan: 10000,
    publicityFrom: '2026-01-10',
    publicityUntil: '2026-07-10',
  });
  let heldInBinjiang: string;

  beforeAll(async () => {
    // A penalty on file under 滨江, recorded by the city.
    const city = await ask({ agency: 'environment', roles: ['uploader'] }, RECORD, { input: penalty('AUD-BJ-1', binjiang, '330108') });
    expect(city.errors).toBeUndefined();
    heldInBinjiang = city.data!.recordPenalty.id;
  });

  it('refuses a penalty about an operator registered in another district, in the same words as for a record that does not exist', async () => {
    const refusals = [
      // 滨江's operator, the record declared in 西湖 (the declared district used to be all that was checked).
      await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-XH-2', binjiang, '330106') }),
      // A record id nobody holds, declared in another district.
      await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-NONE-9', binjiang, '330108') }),
      // A record 滨江 holds, claimed for 西湖's own operator.
      await ask(UPLOADER_XIHU, RECORD, { input: penalty(heldInBinjiang, xihu, '330106') }),
    ];
    for (const refused of refusals) {
      expect(refused.data?.recordPenalty ?? null).toBeNull();
      expect(codes(refused)).toEqual(['FORBIDDEN']);
    }
    const messages = new Set(refusals.map((r) => r.errors![0]!.message));
    const fields = new Set(refusals.map((r) => r.errors![0]!.extensions!.field));
    expect(messages.size).toBe(1);
    expect(fields).toEqual(new Set(['input.district']));
    expect([...messages][0]).not.toMatch(/3301\d\d/);
    const stored = await stack.databases.emissions.db.execute(sql`select id, uscc, district from emissions.penalties where id in ('AUD-XH-2', 'AUD-NONE-9', ${heldInBinjiang})`);
    expect(stored.rows).toEqual([{ id: heldInBinjiang, uscc: binjiang, district: '330108' }]);
  });

  it('writes about its own district’s operator, and about an unregistered one in its own district only', async () => {
    const own = await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-XH-1', xihu, '330106') });
    expect(own.errors).toBeUndefined();
    expect(own.data!.recordPenalty.id).toBe('AUD-XH-1');

    const unregistered = completeUscc('91330106MA2A0DT01');
    const none = await stack.databases.registration.db.execute(sql`select 1 from registration.operators where uscc = ${unregistered}`);
    expect(none.rows).toHaveLength(0);
    const recorded = await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-XH-3', unregistered, '330106') });
    expect(recorded.errors).toBeUndefined();
    expect(recorded.data!.recordPenalty.id).toBe('AUD-XH-3');
    const stored = await stack.databases.emissions.db.execute(sql`select uscc, district from emissions.penalties where id in ('AUD-XH-1', 'AUD-XH-3') order by id`);
    expect(stored.rows).toEqual([{ uscc: xihu, district: '330106' }, { uscc: unregistered, district: '330106' }]);
    const elsewhere = await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-XH-4', unregistered, '330108') });
    expect(codes(elsewhere)).toEqual(['FORBIDDEN']);
  });

  it('follows the registry: once market registers the operator in another district, the district uploader is refused', async () => {
    const moving = completeUscc('91330108MA2A0DT02');
    const before = await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-XH-5', moving, '330106') });
    expect(before.errors).toBeUndefined();
    const registered = await ask({ agency: 'market', roles: ['uploader'] }, 'mutation($input: OperatorInput!) { upsertOperator(input: $input) { uscc } }', {
      input: { uscc: moving, name: '杭州审计测试洗衣店', entityKind: 'INDIVIDUAL_BUSINESS', status: 'ACTIVE', district: '330108', address: '杭州市滨江区测试路 2 号', legalRepresentative: '测试', established: '2021-01-04', businessScope: '洗染服务' },
    });
    expect(registered.errors).toBeUndefined();
    // The registry write through the gateway brings the map along within moments, not at the next minute's sync.
    const copied = async () => (await stack.databases.emissions.db.execute(sql`select district from emissions.operator_districts where uscc = ${moving}`)).rows[0]?.district;
    for (let i = 0; i < 50 && (await copied()) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await copied()).toBe('330108');
    const after = await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-XH-5', moving, '330106') });
    expect(codes(after)).toEqual(['FORBIDDEN']);
    expect(after.errors![0]!.message).toBe((await ask(UPLOADER_XIHU, RECORD, { input: penalty('AUD-NONE-8', binjiang, '330108') })).errors![0]!.message);
  });

  it('holds an import (importEmissionsData) to the same rule, row by row, naming no district', async () => {
    const IMPORT = 'mutation($input: ImportInput!) { importEmissionsData(input: $input) { accepted rejectedRows errors { line column reason } } }';
    const header = 'id,uscc,district,decision_number,decided,violation,fine_yuan,publicity_from,publicity_until';
    const row = (id: string, uscc: string, district: string) => `${id},${uscc},${district},杭环罚〔2026〕${id}号,2026-02-03,未按规定建立溶剂使用台账,5000,2026-02-08,2026-08-08`;
    const file = (rows: string[]) => ({ dataset: 'penalties', fileName: 'penalties.csv', contentBase64: Buffer.from([header, ...rows].join('\n') + '\n').toString('base64') });

    const refused = await ask(UPLOADER_XIHU, IMPORT, { input: file([row('AUD-IM-1', xihu, '330106'), row('AUD-IM-2', binjiang, '330106'), row('AUD-IM-3', binjiang, '330108')]) });
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.importEmissionsData.accepted).toBe(false);
    const errors = refused.data!.importEmissionsData.errors as Array<{ line: number; column: string; reason: string }>;
    // Line 4 fails validation (a district not its own), so the merge never runs: one reason either way.
    expect(errors.map((e) => e.line)).toEqual([4]);
    const registeredElsewhere = await ask(UPLOADER_XIHU, IMPORT, { input: file([row('AUD-IM-1', xihu, '330106'), row('AUD-IM-2', binjiang, '330106')]) });
    const merged = registeredElsewhere.data!.importEmissionsData;
    expect(merged.accepted).toBe(false);
    expect(merged.errors).toEqual([{ line: 3, column: 'district', reason: errors[0]!.reason }]);
    expect(errors[0]!.reason).not.toMatch(/3301\d\d/);

    const accepted = await ask(UPLOADER_XIHU, IMPORT, { input: file([row('AUD-IM-1', xihu, '330106')]) });
    expect(accepted.data!.importEmissionsData).toMatchObject({ accepted: true, rejectedRows: 0, errors: [] });
    // The city's uploader writes 滨江's operator.
    const city = await ask({ agency: 'environment', roles: ['uploader'] }, IMPORT, { input: file([row('AUD-IM-2', binjiang, '330108')]) });
    expect(city.data!.importEmissionsData).toMatchObject({ accepted: true, errors: [] });
  });
});

describe('moving another district’s record', () => {
  it('answers a petition uploader of 西湖 the same for 滨江’s ticket and for no ticket at all', async () => {
    const UPDATE = 'mutation($input: UpdateComplaintInput!) { updateComplaint(input: $input) { id status } }';
    const rows = await stack.databases.complaints.db.execute(sql`select id from complaints.tickets where district = '330108' and status in ('RECEIVED', 'TRANSFERRED', 'IN_PROGRESS') order by id limit 1`);
    const ticket = String(rows.rows[0]!.id);
    const xihu: Caller = { agency: 'petition', level: 'district', district: '330106', roles: ['uploader'] };
    const held = await ask(xihu, UPDATE, { input: { id: ticket, status: 'IN_PROGRESS' } });
    const none = await ask(xihu, UPDATE, { input: { id: '12345-2026-9999999', status: 'IN_PROGRESS' } });
    for (const refused of [held, none]) {
      expect(refused.data?.updateComplaint ?? null).toBeNull();
      expect(codes(refused)).toEqual(['FORBIDDEN']);
    }
    expect(held.errors![0]!.message).toBe(none.errors![0]!.message);
    expect(held.errors![0]!.extensions!.field).toBe(none.errors![0]!.extensions!.field);
    // 滨江's own uploader moves it; the city's gets a plain "no such ticket".
    const binjiang = await ask({ agency: 'petition', level: 'district', district: '330108', roles: ['uploader'] }, UPDATE, { input: { id: ticket, status: 'IN_PROGRESS' } });
    expect(binjiang.errors).toBeUndefined();
    expect(binjiang.data!.updateComplaint).toEqual({ id: ticket, status: 'IN_PROGRESS' });
    const city = await ask({ agency: 'petition', roles: ['uploader'] }, UPDATE, { input: { id: '12345-2026-9999999', status: 'IN_PROGRESS' } });
    expect(codes(city)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('freshness', () => {
  const FRESHNESS = '{ dataFreshness { environment { dataset batches lastChangeAt lastBatch { id kind rows newRows finishedAt bySub byAgency byDistrict fileName fileSha256 } } } }';
  const OWNER_ONLY = ['bySub', 'byAgency', 'byDistrict', 'fileName', 'fileSha256'];

  beforeAll(async () => {
    const bytes = readFileSync(new URL('../../samples/permits.csv', import.meta.url));
    const result = await ask({ agency: 'environment', roles: ['uploader'] }, 'mutation($input: ImportInput!) { importEmissionsData(input: $input) { accepted } }', {
      // The sample is a few permits over the seeded world: a real snapshot of them, said so.
      input: { dataset: 'permits', fileName: '排污登记-2026.csv', contentBase64: bytes.toString('base64'), allowMassAbsent: true },
    });
    expect(result.data!.importEmissionsData.accepted).toBe(true);
  });

  it('shows the owner who uploaded and the file', async () => {
    const result = await ask({ agency: 'environment', level: 'district', district: '330108' }, FRESHNESS);
    expect(result.errors).toBeUndefined();
    const permits = result.data!.dataFreshness.environment.find((d: { dataset: string }) => d.dataset === 'permits');
    expect(permits.lastBatch).toMatchObject({ kind: 'IMPORT', byAgency: 'environment', byDistrict: null, fileName: '排污登记-2026.csv', fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/), bySub: expect.stringMatching(/^test-environment-/) });
  });

  it('shows everyone else the times and counts, and who and which file as null with FORBIDDEN', async () => {
    const result = await ask({ agency: 'commerce' }, FRESHNESS);
    const datasets = result.data!.dataFreshness.environment as Array<{ dataset: string; batches: number; lastBatch: Record<string, unknown> | null }>;
    const permits = datasets.find((d) => d.dataset === 'permits')!;
    expect(permits.batches).toBeGreaterThan(0);
    expect(permits.lastBatch).toMatchObject({ kind: 'IMPORT', rows: expect.any(Number), finishedAt: expect.any(String) });
    for (const field of OWNER_ONLY) expect(permits.lastBatch![field], field).toBeNull();
    const index = datasets.indexOf(permits);
    const refused = result.errors!.filter((e) => e.path?.[2] === index).map((e) => [e.extensions?.code, e.path?.[4]]);
    expect(refused.sort()).toEqual(OWNER_ONLY.map((f) => ['FORBIDDEN', f]).sort());
    expect(JSON.stringify(result)).not.toContain('排污登记');
  });
});
