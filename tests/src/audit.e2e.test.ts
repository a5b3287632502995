import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { exportSPKI } from 'jose';
import { verifyAuditChain } from '@xiran/auth';
import { serviceDatabaseUrl, type TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from './stack/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';
import { runLoad } from './bench/load';

/** 限定知悉范围: every read leaves a tamper-evident trace, and each department sees who read its data. */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
let uscc: string;

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(200));
  const rows = await stack.databases.emissions.db.execute(sql`select uscc from emissions.machines group by uscc order by uscc limit 1`);
  uscc = String(rows.rows[0]!.uscc);
});

afterAll(() => stopTestStack({ stack, databases }));

const db = () => stack.gatewayDatabase.db;
const verify = () => verifyAuditChain(db(), keys.gatewayKeys.publicKey);
const LOG = `query($group: String!, $agency: String, $uscc: ID) { accessLog(group: $group, agency: $agency, uscc: $uscc, first: 20) {
  totalCount nodes { seq kind agency requestId operationHash disclosed { group grant operators } refused { group coordinate } } } }`;

describe('what is recorded, and who sees it', () => {
  it('records a read with its groups, grants and operators; the owner sees it, another agency cannot', async () => {
    const commerce = await bearer(keys, { agency: 'commerce' });
    const read = await graphql(stack.gatewayUrl, 'query Look($u: ID!) { operator(uscc: $u) { name machines { id } emissionSummary { compliant } complaints { complainant { name } } } }', { u: uscc }, commerce);
    expect(read.data?.operator.machines.length).toBeGreaterThan(0);

    const environment = await bearer(keys, { agency: 'environment' });
    const log = await graphql(stack.gatewayUrl, LOG, { group: 'machinesAndPermits', agency: 'commerce', uscc }, environment);
    expect(log.errors).toBeUndefined();
    const entry = log.data!.accessLog.nodes[0];
    expect(entry.agency).toBe('commerce');
    expect(entry.kind).toBe('READ');
    // Only environment's own groups are shown to environment: not registration's name, not the refusal of petition's group.
    expect(entry.disclosed).toEqual(
      expect.arrayContaining([
        { group: 'machinesAndPermits', grant: 'default:machinesAndPermits:commerce', operators: [uscc] },
        { group: 'emissionSummary', grant: 'default:emissionSummary:commerce', operators: [uscc] },
      ]),
    );
    expect(entry.disclosed.map((d: { group: string }) => d.group).sort()).toEqual(['emissionSummary', 'machinesAndPermits']);

    // The petition bureau sees the refusal of its complainants' identity to commerce.
    const petition = await graphql(stack.gatewayUrl, LOG, { group: 'complainantIdentity', agency: 'commerce' }, await bearer(keys, { agency: 'petition' }));
    expect(petition.data!.accessLog.nodes[0].refused).toEqual([{ group: 'complainantIdentity', coordinate: 'ComplaintTicket.complainant' }]);

    for (const agency of ['market', 'commerce', 'hrss'] as const) {
      const other = await graphql(stack.gatewayUrl, LOG, { group: 'machinesAndPermits' }, await bearer(keys, { agency }));
      expect(other.errors?.[0]?.extensions?.code, agency).toBe('FORBIDDEN');
      expect(other.data?.accessLog ?? null, agency).toBeNull();
    }

    // The operator's view, for its owners; and the values themselves are never in the trail.
    const view = await graphql(stack.gatewayUrl, 'query($u: ID!) { operatorAccessLog(uscc: $u) { nodes { agency disclosed { group } } } }', { u: uscc }, await bearer(keys, { agency: 'market' }));
    expect(view.data!.operatorAccessLog.nodes[0]).toMatchObject({ agency: 'commerce', disclosed: [{ group: 'registration' }] });
    const stored = await db().execute(sql`select * from gateway.audit_log where request_id = ${entry.requestId}`);
    expect(JSON.stringify(stored.rows)).not.toContain(read.data!.operator.name);
  });

  it('lets commerce count reads per agency and group, and nobody else', async () => {
    const counts = await graphql(stack.gatewayUrl, '{ accessCounts { agency group reads operators } }', {}, await bearer(keys, { agency: 'commerce' }));
    expect(counts.data!.accessCounts).toEqual(expect.arrayContaining([expect.objectContaining({ agency: 'commerce', group: 'machinesAndPermits' })]));
    const market = await graphql(stack.gatewayUrl, '{ accessCounts { agency } }', {}, await bearer(keys, { agency: 'market' }));
    expect(market.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('records reading the audit log, refusals, unauthenticated requests and grant changes', async () => {
    const before = Number((await db().execute(sql`select coalesce(max(seq), 0) as n from gateway.audit_log`)).rows[0]!.n);
    await graphql(stack.gatewayUrl, LOG, { group: 'inspections' }, await bearer(keys, { agency: 'environment' }));
    await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { inspections { id } } }', { u: uscc }, await bearer(keys, { agency: 'ndrc' }));
    await graphql(stack.gatewayUrl, '{ operators(first: 1) { totalCount } }', {}, { authorization: 'Bearer nope' });
    const granted = await graphql(stack.gatewayUrl, 'mutation { grantAccess(input: { group: "inspections", grantee: "ndrc", scope: AGGREGATE, purpose: "试点统计 (test)" }) { id } }', {}, await bearer(keys, { agency: 'environment', roles: ['admin'] }));
    expect(granted.errors).toBeUndefined();
    await stack.audit.drain();
    const kinds = await db().execute(sql`select kind, agency, refused, detail from gateway.audit_log where seq > ${before} order by seq`);
    expect(kinds.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['AUDIT_READ', 'UNAUTHENTICATED', 'GRANT_CHANGE']));
    expect(kinds.rows.find((r) => r.agency === 'ndrc')?.refused).toEqual([{ coordinate: 'Operator.inspections', group: 'inspections', code: 'FORBIDDEN' }]);
    const change = kinds.rows.find((r) => r.kind === 'GRANT_CHANGE')!;
    expect(change.detail).toMatchObject({ action: 'GRANT', group: 'inspections', grantee: 'ndrc', scope: 'AGGREGATE', purpose: '试点统计 (test)' });
  });
});

describe('tamper evidence', () => {
  /** Runs `change` with the append-only trigger off, verifies, then restores the table exactly. */
  async function tampered(change: ReturnType<typeof sql>): Promise<Awaited<ReturnType<typeof verify>>> {
    await stack.audit.drain();
    await db().execute(sql`create table gateway.audit_backup as select * from gateway.audit_log`);
    await db().execute(sql`alter table gateway.audit_log disable trigger user`);
    try {
      await db().execute(change);
      return await verify();
    } finally {
      await db().execute(sql`delete from gateway.audit_log`);
      await db().execute(sql`insert into gateway.audit_log select * from gateway.audit_backup`);
      await db().execute(sql`drop table gateway.audit_backup`);
      await db().execute(sql`alter table gateway.audit_log enable trigger user`);
    }
  }

  // Asynchronous: the stack in this process must keep serving the CLI's database connection.
  const cli = async (env: Record<string, string>) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../gateway/src/audit-cli.ts', import.meta.url))], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      return { status: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { status: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  it('refuses UPDATE and DELETE through SQL', async () => {
    await expect(db().execute(sql`update gateway.audit_log set agency = 'data' where seq = 1`)).rejects.toThrow();
    await expect(db().execute(sql`delete from gateway.audit_log where seq = 1`)).rejects.toThrow();
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names the entry that was edited, deleted or reordered', async () => {
    expect(await tampered(sql`update gateway.audit_log set agency = 'data' where seq = 3`)).toMatchObject({ ok: false, seq: 3 });
    expect(await tampered(sql`update gateway.audit_log set operation_hash = repeat('f', 64) where seq = 4`)).toMatchObject({ ok: false, seq: 4 });
    expect(await tampered(sql`delete from gateway.audit_log where seq = 5`)).toMatchObject({ ok: false, seq: 5, reason: expect.stringContaining('missing') });
    // Swap two entries' contents, each keeping its place in the sequence.
    const swapped = await tampered(sql`
      update gateway.audit_log t set at = s.at, kind = s.kind, request_id = s.request_id, sub = s.sub, agency = s.agency, level = s.level,
        district = s.district, operation_name = s.operation_name, operation_hash = s.operation_hash, disclosed = s.disclosed,
        refused = s.refused, detail = s.detail, prev_hash = s.prev_hash, hash = s.hash
      from gateway.audit_backup s where (t.seq, s.seq) in ((6, 7), (7, 6))`);
    expect(swapped).toMatchObject({ ok: false, seq: 6 });
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('catches a cut tail against the last signed checkpoint', async () => {
    const head = await stack.audit.checkpoint(keys.gatewayKeys);
    expect(head).not.toBeNull();
    const cut = await tampered(sql`delete from gateway.audit_log where seq > ${head!.seq - 2}`);
    expect(cut).toMatchObject({ ok: false, reason: expect.stringContaining('tail was cut') });
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('npm run audit:verify exits 0 on an intact chain and 1 naming the first broken entry', async () => {
    await stack.audit.drain();
    const target = databases.config('gateway').database;
    const url = target.kind === 'url' ? target.url : serviceDatabaseUrl(target.kind === 'server' ? target.serverUrl : '', 'gateway').url;
    const dir = mkdtempSync(join(tmpdir(), 'xiran-audit-'));
    writeFileSync(join(dir, 'gateway.pub.pem'), await exportSPKI(keys.gatewayKeys.publicKey));
    const env = { GATEWAY_DATABASE_URL: url, GATEWAY_PUBLIC_KEY_FILE: join(dir, 'gateway.pub.pem') };
    const intact = await cli(env);
    expect(intact.status, intact.stderr).toBe(0);
    expect(intact.stdout).toContain('Audit chain intact');
    await db().execute(sql`create table gateway.audit_backup as select * from gateway.audit_log`);
    await db().execute(sql`alter table gateway.audit_log disable trigger user`);
    try {
      await db().execute(sql`update gateway.audit_log set sub = 'someone-else' where seq = 2`);
      const broken = await cli(env);
      expect(broken.status).toBe(1);
      expect(broken.stderr).toContain('BROKEN at entry 2');
    } finally {
      await db().execute(sql`delete from gateway.audit_log`);
      await db().execute(sql`insert into gateway.audit_log select * from gateway.audit_backup`);
      await db().execute(sql`drop table gateway.audit_backup`);
      await db().execute(sql`alter table gateway.audit_log enable trigger user`);
    }
  });
});

describe('fail closed', () => {
  it('releases no data when the audit entry cannot be written (AUDIT_UNAVAILABLE)', async () => {
    const commerce = await bearer(keys, { agency: 'commerce' });
    await stack.audit.drain();
    await db().execute(sql`alter table gateway.audit_log rename to audit_log_offline`);
    try {
      const result = await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name machines { id } } }', { u: uscc }, commerce);
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['AUDIT_UNAVAILABLE']);
      expect(result.data ?? null).toBeNull();
      expect(JSON.stringify(result)).not.toContain(uscc);
    } finally {
      await db().execute(sql`alter table gateway.audit_log_offline rename to audit_log`);
    }
    const after = await graphql(stack.gatewayUrl, 'query($u: ID!) { operator(uscc: $u) { name } }', { u: uscc }, commerce);
    expect(after.data?.operator.name).toEqual(expect.any(String));
  });
});

describe('under concurrent load', () => {
  it('writes exactly one entry per successful answer, and the chain verifies', async () => {
    await stack.audit.drain();
    const before = Number((await db().execute(sql`select coalesce(max(seq), 0) as n from gateway.audit_log`)).rows[0]!.n);
    const headers = await bearer(keys, { agency: 'commerce', level: 'district', district: '330106' });
    const load = await runLoad({
      url: stack.gatewayUrl,
      body: JSON.stringify({ query: '{ operators(first: 20) { nodes { name emissionSummary { compliant } creditGrade { grade } } } }' }),
      headers,
      connections: 20,
      seconds: 3,
    });
    await stack.audit.drain();
    const written = await db().execute(sql`select count(*)::int as n from gateway.audit_log where seq > ${before} and agency = 'commerce' and kind = 'READ'`);
    expect(load.errors).toBe(0);
    expect(load.requests).toBeGreaterThan(20);
    expect(written.rows[0]!.n).toBe(load.requests);
    expect(await verify()).toMatchObject({ ok: true });
  });
});
