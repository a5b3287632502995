import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { exportSPKI } from 'jose';
import { signCallerToken } from '@xiran/auth';
import { MAX_AUDIT_TEXT, verifyAuditChain } from '@xiran/gateway/audit';
import { serviceDatabaseUrl, type TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';
import { runLoad } from '@xiran/tools/load';

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

// Asynchronous: the stack in this process must keep serving the CLI's database connection.
const cli = async (env: Record<string, string>, args: string[] = []) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../tools/src/audit-verify.ts', import.meta.url)), ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { status: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};

/** What `npm run audit:verify` needs to reach this stack's trail: its database and the gateway's public key. */
async function cliEnv(): Promise<Record<string, string>> {
  const target = databases.config('gateway').database;
  const url = target.kind === 'url' ? target.url : serviceDatabaseUrl(target.kind === 'server' ? target.serverUrl : '', 'gateway').url;
  const dir = mkdtempSync(join(tmpdir(), 'xiran-audit-'));
  writeFileSync(join(dir, 'gateway.pub.pem'), await exportSPKI(keys.gatewayKeys.publicKey));
  return { GATEWAY_DATABASE_URL: url, GATEWAY_PUBLIC_KEY_FILE: join(dir, 'gateway.pub.pem') };
}

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
    const env = await cliEnv();
    const intact = await cli(env);
    expect(intact.status, intact.stderr).toBe(0);
    expect(intact.stdout).toContain('Audit chain intact');
    expect(intact.stdout).toMatch(/\d+ entries after the last checkpoint/);
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

describe('checkpoints', () => {
  it('are append-only like the log', async () => {
    await graphql(stack.gatewayUrl, '{ operators(first: 1) { totalCount } }', {}, await bearer(keys, { agency: 'commerce' }));
    const head = await stack.audit.checkpoint(keys.gatewayKeys);
    expect(head).not.toBeNull();
    const refused = (statement: ReturnType<typeof sql>) =>
      expect(db().execute(statement)).rejects.toMatchObject({ cause: expect.objectContaining({ message: 'gateway.audit_checkpoints is append-only' }) });
    await refused(sql`update gateway.audit_checkpoints set hash = repeat('0', 64) where seq = ${head!.seq}`);
    await refused(sql`delete from gateway.audit_checkpoints where seq = ${head!.seq}`);
    await refused(sql`truncate gateway.audit_checkpoints`);
    expect(await verify()).toMatchObject({ ok: true, entriesAfterLastCheckpoint: 0 });
  });

  it('npm run audit:verify names an edited checkpoint, and one signed with another key', async () => {
    const head = (await stack.audit.checkpoint(keys.gatewayKeys)) ?? (await db().execute(sql`select max(seq)::int as seq from gateway.audit_checkpoints`)).rows[0]!;
    const seq = Number(head.seq);
    const env = await cliEnv();
    const [original] = (await db().execute(sql`select hash, at, signature from gateway.audit_checkpoints where seq = ${seq}`)).rows as Array<{ hash: string; at: string; signature: string }>;
    const edits = {
      // The time moved: the signature no longer covers the row.
      'its time': sql`update gateway.audit_checkpoints set at = at - interval '1 hour' where seq = ${seq}`,
      // The hash and signature of another checkpoint copied over.
      'its signature': sql`update gateway.audit_checkpoints set signature = (select signature from gateway.audit_checkpoints where seq <> ${seq} order by seq limit 1) where seq = ${seq}`,
    };
    for (const [name, edit] of Object.entries(edits)) {
      await db().execute(sql`alter table gateway.audit_checkpoints disable trigger user`);
      try {
        await db().execute(edit);
        const broken = await cli(env);
        expect(broken.status, name).toBe(1);
        expect(broken.stderr, name).toMatch(new RegExp(`BROKEN at entry ${seq}: checkpoint at entry ${seq} (differs from what was signed|has no valid gateway signature)`));
      } finally {
        await db().execute(sql`update gateway.audit_checkpoints set hash = ${original!.hash}, at = ${original!.at}, signature = ${original!.signature} where seq = ${seq}`);
        await db().execute(sql`alter table gateway.audit_checkpoints enable trigger user`);
      }
    }
    expect((await cli(env)).status).toBe(0);
  });

  it('fail verification when entries wait longer than two checkpoint intervals, with or without a checkpoint', async () => {
    await graphql(stack.gatewayUrl, '{ operators(first: 1) { totalCount } }', {}, await bearer(keys, { agency: 'commerce' }));
    await stack.audit.drain();
    const later = new Date(Date.now() + 10 * 60_000);
    const stale = await verifyAuditChain(db(), keys.gatewayKeys.publicKey, { now: later });
    expect(stale).toMatchObject({ ok: false, entriesAfterLastCheckpoint: expect.any(Number), reason: expect.stringContaining('checkpoints stopped') });
    expect(await verifyAuditChain(db(), keys.gatewayKeys.publicKey, { now: later, maxUncheckpointedMs: 60 * 60_000 })).toMatchObject({ ok: true });
    // Zero checkpoints (taken away inside a transaction that is rolled back): every entry is uncovered.
    const rollBack = new Error('roll back');
    let none: Awaited<ReturnType<typeof verify>> | undefined;
    await db()
      .transaction(async (tx) => {
        await tx.execute(sql`alter table gateway.audit_checkpoints disable trigger user`);
        await tx.execute(sql`delete from gateway.audit_checkpoints`);
        none = await verifyAuditChain(tx as never, keys.gatewayKeys.publicKey, { now: later });
        throw rollBack;
      })
      .catch((error: unknown) => {
        if (error !== rollBack) throw error;
      });
    expect(none).toMatchObject({ ok: false, seq: 1, reason: expect.stringContaining('there is no signed checkpoint') });
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('are written when the gateway starts and when it stops', async () => {
    const commerce = await bearer(keys, { agency: 'commerce' });
    await graphql(stack.gatewayUrl, '{ operators(first: 1) { totalCount } }', {}, commerce);
    await stack.audit.drain();
    const last = async () => Number((await db().execute(sql`select coalesce(max(seq), 0)::int as n from gateway.audit_checkpoints`)).rows[0]!.n);
    const headSeq = async () => Number((await db().execute(sql`select seq from gateway.audit_head`)).rows[0]!.seq);
    const stop = stack.audit.startCheckpoints(keys.gatewayKeys, 3_600_000);
    await expect.poll(last).toBe(await headSeq());
    await graphql(stack.gatewayUrl, '{ operators(first: 1) { totalCount } }', {}, commerce);
    await stop();
    expect(await last()).toBe(await headSeq());
    expect(await verify()).toMatchObject({ ok: true, entriesAfterLastCheckpoint: 0 });
  });
});

describe('hostile input cannot blind, poison or outrun the trail', () => {
  const QUERY = '{ operators(first: 20) { nodes { name emissionSummary { compliant } creditGrade { grade } } } }';
  type Answer = { status: number; body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } };
  /**
   * A POST from a loopback source address of its own. The gateway records the first unauthenticated
   * refusal of an address in a window at once and counts the rest into one entry, so each hostile
   * unauthenticated request comes from a fresh address: each then reaches the trail with its strings.
   */
  let nextAddress = 0;
  const post = (body: string, headers: Record<string, string> = {}, fresh = false) =>
    new Promise<Answer>((resolve, reject) => {
      const n = fresh ? ++nextAddress : 0;
      const request = http.request(
        stack.gatewayUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          localAddress: fresh ? `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}` : undefined,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  it('in process: an entry that fails on its own fails alone, the rest of its batch is written', async () => {
    await stack.audit.drain();
    const entry = (operationName: string, detail: unknown = null) => ({
      kind: 'READ', requestId: 'in-process', sub: 'test', agency: 'commerce', level: 'city', district: null,
      operationName, operationHash: null, disclosed: [], refused: [], detail,
    });
    // Queued together, so one batch; the BigInt cannot be hashed or stored.
    const results = await Promise.allSettled([
      stack.audit.append(entry('Before')),
      stack.audit.append(entry('Bad', { n: 1n })),
      stack.audit.append(entry(`Nul\u0000${'x'.repeat(1024 * 1024)}\ud800`)),
      stack.audit.append(entry('After')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const seqs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : []));
    const rows = await db().execute(sql`select seq, operation_name from gateway.audit_log where seq = any(${`{${seqs.join(',')}}`}::bigint[]) order by seq`);
    const names = rows.rows.map((r) => String(r.operation_name));
    expect(names[0]).toBe('Before');
    expect(names[2]).toBe('After');
    expect(names[1]!.startsWith('Nul\uFFFDxxx')).toBe(true);
    expect(names[1]!.length).toBeLessThanOrEqual(MAX_AUDIT_TEXT);
    expect(names[1]).toContain(`[${1024 * 1024 + 5} chars]`);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('over HTTP: NUL bytes, a 900 KB operation name and lone surrogates cost no legitimate caller an answer', async () => {
    await stack.audit.drain();
    const before = Number((await db().execute(sql`select coalesce(max(seq), 0) as n from gateway.audit_log`)).rows[0]!.n);
    const legitimate = await bearer(keys, { agency: 'commerce', level: 'district', district: '330106' });
    // A caller whose identity provider let control characters and a lone surrogate into its subject.
    const oddSub = `odd\u0000sub\u0007\udc00`;
    const odd = { authorization: `Bearer ${await signCallerToken({ sub: oddSub, agency: 'market', level: 'city', district: null, roles: ['reader'] }, keys.callerKeys)}` };
    const longName = `Q${'x'.repeat(900 * 1024)}`;
    const hostile: Array<{ body: string; headers: Record<string, string>; unauthenticated: boolean }> = [
      // Unauthenticated: the operation name goes straight into the refusal's entry.
      { body: JSON.stringify({ query: QUERY, operationName: 'Nul\u0000Name' }), headers: {}, unauthenticated: true },
      { body: `{"query":${JSON.stringify(QUERY)},"operationName":"Lone\\ud800Surrogate\\udfff"}`, headers: {}, unauthenticated: true },
      { body: JSON.stringify({ query: QUERY, operationName: longName }), headers: {}, unauthenticated: true },
      { body: JSON.stringify({ query: QUERY, operationName: 'x'.repeat(2000) + '\u0000' }), headers: { authorization: 'Bearer nope' }, unauthenticated: true },
      // Authenticated: a NUL name matches no operation; a 900 KB name does; an odd subject.
      { body: JSON.stringify({ query: QUERY, operationName: 'Nul\u0000Name' }), headers: legitimate, unauthenticated: false },
      { body: JSON.stringify({ query: `query ${longName} ${QUERY}`, operationName: longName }), headers: legitimate, unauthenticated: false },
      { body: JSON.stringify({ query: '{ operators(first: 1) { totalCount } }' }), headers: odd, unauthenticated: false },
    ];
    let stop = false;
    let unauthenticatedSent = 0;
    const hostileAnswers: Answer[] = [];
    // Two attackers, each sending every kind at least once, then on until the load ends.
    const attacker = async (offset: number) => {
      for (let i = 0; !stop || i < hostile.length; i++) {
        const request = hostile[(i + offset) % hostile.length]!;
        const answer = await post(request.body, request.headers, request.unauthenticated);
        if (request.unauthenticated) {
          unauthenticatedSent++;
          expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        }
        hostileAnswers.push(answer);
      }
    };
    const attackers = Promise.all([0, 3].map(attacker));
    const load = await runLoad({
      url: stack.gatewayUrl,
      body: JSON.stringify({ query: QUERY }),
      headers: legitimate,
      connections: 20,
      seconds: 4,
      check: (json: any) => {
        if (json.errors || json.data.operators.nodes.length === 0) throw new Error(JSON.stringify(json.errors));
      },
    });
    stop = true;
    await attackers;
    await stack.audit.drain();
    expect(hostileAnswers.length).toBeGreaterThanOrEqual(2 * hostile.length);
    // Nobody lost an answer to the audit trail.
    expect(hostileAnswers.filter((a) => a.body.errors?.some((e) => e.extensions?.code === 'AUDIT_UNAVAILABLE'))).toEqual([]);
    expect(load.errors).toBe(0);
    expect(load.requests).toBeGreaterThanOrEqual(20);
    const legitimateEntries = await db().execute(sql`select count(*)::int as n from gateway.audit_log where seq > ${before} and agency = 'commerce' and kind = 'READ' and operation_name is null`);
    expect(legitimateEntries.rows[0]!.n).toBe(load.requests);
    // Every refusal recorded, its strings made harmless and bounded.
    const refusals = await db().execute(sql`select operation_name, detail from gateway.audit_log where seq > ${before} and kind = 'UNAUTHENTICATED'`);
    expect(refusals.rows.length).toBe(unauthenticatedSent);
    const names = refusals.rows.map((r) => String(r.operation_name));
    expect(names).toContain('Nul\uFFFDName');
    expect(names).toContain('Lone\uFFFDSurrogate\uFFFD');
    expect(names.every((n) => n.length <= MAX_AUDIT_TEXT && !/[\u0000-\u001f]/.test(n))).toBe(true);
    // The answered hostile requests have their entries too: the long name, bounded; the odd subject, made printable.
    const answered = hostileAnswers.filter((a) => a.body.data);
    const hostileEntries = await db().execute(sql`select sub, operation_name from gateway.audit_log where seq > ${before} and kind = 'READ' and (operation_name like 'Qxxx%' or sub like 'odd%')`);
    expect(hostileEntries.rows.length).toBe(answered.length);
    expect(hostileEntries.rows.map((r) => String(r.sub))).toContain('odd\uFFFDsub\uFFFD\uFFFD');
    expect(hostileEntries.rows.every((r) => r.operation_name === null || String(r.operation_name).length <= MAX_AUDIT_TEXT)).toBe(true);
    expect(await verify()).toMatchObject({ ok: true });
  });
});

describe('writes are traced before they happen', () => {
  const GRADE = 'mutation Grade($input: CreditGradeInput!) { recordCreditGrade(input: $input) { grade validFrom } }';
  let member: string;
  const grades = () =>
    stack.databases.association.db.execute(sql`select grade, grade_valid_from::text, grade_valid_to::text, updated_at::text from association.memberships where uscc = ${member}`);

  beforeAll(async () => {
    const rows = await stack.databases.association.db.execute(sql`select uscc from association.memberships where status = 'ACTIVE' and present order by uscc limit 1`);
    member = String(rows.rows[0]!.uscc);
  });

  it('commits a WRITE_INTENT entry before the write, and an outcome entry linked to it after', async () => {
    const uploader = await bearer(keys, { agency: 'association', roles: ['uploader'] });
    const result = await graphql(stack.gatewayUrl, GRADE, { input: { uscc: member, grade: 'A', validFrom: '2026-01-01', validTo: '2026-12-31' } }, uploader);
    expect(result.errors).toBeUndefined();
    expect(result.data?.recordCreditGrade).toMatchObject({ grade: 'A', validFrom: '2026-01-01' });
    await stack.audit.drain();
    const entries = await db().execute(sql`select seq, kind, detail, request_id from gateway.audit_log where operation_name = 'Grade' order by seq desc limit 2`);
    const [outcome, intent] = entries.rows as Array<{ seq: string; kind: string; detail: any; request_id: string }>;
    expect(intent).toMatchObject({ kind: 'WRITE_INTENT', detail: { fields: ['recordCreditGrade'] } });
    expect(outcome).toMatchObject({ kind: 'WRITE', request_id: intent!.request_id, detail: { intent: Number(intent!.seq), writes: [{ field: 'recordCreditGrade' }] } });
    expect(Number(outcome!.seq)).toBeGreaterThan(Number(intent!.seq));
  });

  it('performs no write without its intent entry: AUDIT_UNAVAILABLE, nothing forwarded, the row unchanged', async () => {
    const uploader = await bearer(keys, { agency: 'association', roles: ['uploader'] });
    await stack.audit.drain();
    const before = (await grades()).rows[0];
    await db().execute(sql`alter table gateway.audit_log rename to audit_log_offline`);
    let result: Awaited<ReturnType<typeof graphql>>;
    try {
      result = await graphql(stack.gatewayUrl, GRADE, { input: { uscc: member, grade: 'C', validFrom: '2027-01-01', validTo: '2027-12-31' } }, uploader);
    } finally {
      await db().execute(sql`alter table gateway.audit_log_offline rename to audit_log`);
    }
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['AUDIT_UNAVAILABLE']);
    expect(result.data ?? null).toBeNull();
    expect((await grades()).rows[0]).toEqual(before);
    expect((await grades()).rows[0]).not.toMatchObject({ grade: 'C' });
    expect(await verify()).toMatchObject({ ok: true });
  });
});
