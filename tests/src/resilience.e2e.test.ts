import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { SubgraphServer, TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';
import { createGatewayServer, type GatewayServer } from '@xiran/gateway/server';
import { readGatewayConfig } from '@xiran/gateway/config';
import type { HttpSubgraphName } from '@xiran/schema';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';

/**
 * Issue 13: a subgraph that is down (connection refused) or hung (accepts, never answers) costs
 * the caller that department's fields only, within the timeout; probes and an orderly SIGTERM.
 */
let databases: TestDatabases;
let stack: Stack;
let security: TestKeys;
let commerce: Record<string, string>;
const TIMEOUT_MS = 1500;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  ({ stack, keys: security, databases } = await startTestStack(60));
  commerce = await bearer(security, { agency: 'commerce' });
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await stopTestStack({ stack, databases });
});

/** One field or more from each of the five departments, all nullable on Operator. */
const FIVE_DEPARTMENTS = `query($u: ID!) { operator(uscc: $u) {
  uscc name district
  emissionSummary { compliant machineCount }
  socialInsuranceStatus { inArrears }
  insuredHeadcount { band }
  membership { memberNumber status }
  creditGrade { grade }
} }`;

/** A second gateway over the stack's own subgraphs, databases and grants, but `overrides` for some subgraph URLs and a short timeout. */
async function gatewayWith(overrides: Partial<Record<HttpSubgraphName, string>>, database = stack.gatewayDatabase.db): Promise<{ url: string; server: GatewayServer }> {
  const defaults = readGatewayConfig({});
  const subgraphTimeoutsMs = Object.fromEntries(Object.keys(defaults.subgraphTimeoutsMs).map((name) => [name, TIMEOUT_MS])) as typeof defaults.subgraphTimeoutsMs;
  const server = createGatewayServer(
    { ...defaults, host: '127.0.0.1', subgraphUrls: { ...stack.subgraphUrls, ...overrides }, subgraphTimeoutsMs },
    { ...security, grants: stack.grants, audit: stack.audit, database },
  );
  const url = await server.listen(0, '127.0.0.1');
  closers.push(() => server.stop());
  return { url, server };
}

/** An operator every department knows, with its five-department answer from the stack's own gateway. */
async function knownEverywhere(): Promise<{ uscc: string; full: Record<string, unknown> }> {
  const page = await graphql(stack.gatewayUrl, `{ operators(first: 60) { nodes { uscc } } }`, {}, commerce);
  for (const { uscc } of page.data!.operators.nodes as Array<{ uscc: string }>) {
    const one = await graphql(stack.gatewayUrl, FIVE_DEPARTMENTS, { u: uscc }, commerce);
    expect(one.errors).toBeUndefined();
    const op = one.data!.operator;
    if (op.emissionSummary && op.socialInsuranceStatus && op.insuredHeadcount && op.membership && op.creditGrade) return { uscc, full: op };
  }
  throw new Error('no operator known to every department in the seed');
}

/** The other four departments' data as the full answer had it, emissions' field null with SUBGRAPH_UNAVAILABLE at it. */
function expectEmissionsMissing(answer: Awaited<ReturnType<typeof graphql<Record<string, any>>>>, full: Record<string, unknown>): void {
  expect(answer.status).toBe(200);
  expect(answer.data!.operator).toEqual({ ...full, emissionSummary: null });
  expect(answer.errors).toHaveLength(1);
  expect(answer.errors![0]).toMatchObject({ path: ['operator', 'emissionSummary'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'emissions' } });
  expect(answer.errors![0]!.message).toMatch(/emissions subgraph is unavailable/);
}

describe('a department that is down or hung', () => {
  it('stopped (connection refused): the other four departments answer at once, errors at the missing fields', async () => {
    const { uscc, full } = await knownEverywhere();
    // Its own emissions subgraph over the stack's emissions database, so that the test can stop it.
    const emissions = SUBGRAPH_MODULES.find((m) => m.name === 'emissions')!.create(stack.databases.emissions, security.gatewayKeys);
    const emissionsUrl = await emissions.listen(0, '127.0.0.1');
    const { url } = await gatewayWith({ emissions: emissionsUrl });

    const before = await graphql(url, FIVE_DEPARTMENTS, { u: uscc }, commerce);
    expect(before.errors).toBeUndefined();
    expect(before.data!.operator).toEqual(full);

    await emissions.stop();
    const started = Date.now();
    const after = await graphql(url, FIVE_DEPARTMENTS, { u: uscc }, commerce);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    expectEmissionsMissing(after, full);
  });

  it('hung (accepts, never answers): the answer comes within the timeout, called once, errors at the missing fields', async () => {
    const { uscc, full } = await knownEverywhere();
    const hung = await hungServer();
    const { url } = await gatewayWith({ emissions: hung.url });

    const started = Date.now();
    const answer = await graphql(url, FIVE_DEPARTMENTS, { u: uscc }, commerce);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 2000);
    expectEmissionsMissing(answer, full);
    // Not retried: the one fetch the plan sends to emissions reached it once.
    expect(hung.requests()).toBe(1);
  });

  it('a mutation to a hung subgraph is sent once, never retried, and answered within the timeout', async () => {
    const rows = await stack.databases.association.db.execute(sql`select uscc from association.memberships where status = 'ACTIVE' and present order by uscc limit 1`);
    const hung = await hungServer();
    const { url } = await gatewayWith({ association: hung.url });
    const uploader = await bearer(security, { agency: 'association', roles: ['uploader'] });
    const started = Date.now();
    const answer = await graphql(
      url,
      'mutation($input: CreditGradeInput!) { recordCreditGrade(input: $input) { grade } }',
      { input: { uscc: String(rows.rows[0]!.uscc), grade: 'A', validFrom: '2026-01-01', validTo: '2026-12-31' } },
      uploader,
    );
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors).toEqual([expect.objectContaining({ path: ['recordCreditGrade'], extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'association' }) })]);
    // Wait past a second timeout: a retry would have arrived by now.
    await new Promise((done) => setTimeout(done, TIMEOUT_MS));
    expect(hung.requests()).toBe(1);
  });

  it('in a list, each operator keeps the other departments’ data with an error at its emissions field', async () => {
    const hung = await hungServer();
    const { url } = await gatewayWith({ emissions: hung.url });
    const list = `{ operators(first: 5) { nodes { uscc name emissionSummary { compliant } membership { status } } } }`;
    const full = await graphql(stack.gatewayUrl, list, {}, commerce);
    const answer = await graphql(url, list, {}, commerce);
    const nodes = answer.data!.operators.nodes as Array<Record<string, unknown>>;
    expect(nodes).toEqual((full.data!.operators.nodes as Array<Record<string, unknown>>).map((n) => ({ ...n, emissionSummary: null })));
    expect(answer.errors!.map((e) => e.path)).toEqual(nodes.map((_n, i) => ['operators', 'nodes', i, 'emissionSummary']));
    expect(answer.errors!.every((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE')).toBe(true);
  });
});

describe('probes', () => {
  it('the gateway and every subgraph answer /livez and /readyz; /health still works', async () => {
    const base = (url: string) => url.replace(/\/graphql$/, '');
    for (const url of [stack.gatewayUrl, ...Object.values(stack.subgraphUrls)]) {
      const live = await fetch(`${base(url)}/livez`);
      expect(live.status, url).toBe(200);
      const ready = await fetch(`${base(url)}/readyz`);
      expect(ready.status, url).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', database: 'ok' });
    }
    expect(((await fetch(`${base(stack.gatewayUrl)}/readyz`).then((r) => r.json())) as { schema: string }).schema).toBe('loaded');
    expect((await fetch(`${base(stack.subgraphUrls.emissions)}/health`)).status).toBe(200);
  });

  it('/readyz turns 503 when a server is marked not ready (the first step of a shutdown), /livez stays 200', async () => {
    const { url, server } = await gatewayWith({});
    const emissions: SubgraphServer = SUBGRAPH_MODULES.find((m) => m.name === 'emissions')!.create(stack.databases.emissions, security.gatewayKeys);
    const emissionsUrl = await emissions.listen(0, '127.0.0.1');
    closers.push(() => emissions.stop());
    for (const [target, s] of [[url, server], [emissionsUrl, emissions]] as Array<[string, { markNotReady(): void }]>) {
      const base = target.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      s.markNotReady();
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', accepting: false });
      expect((await fetch(`${base}/livez`)).status).toBe(200);
    }
  });

  it("the gateway's /readyz is 503 when its own database does not answer", async () => {
    const real = stack.gatewayDatabase.db;
    const failing = new Proxy(real, { get: (target, key) => (key === 'execute' ? () => Promise.reject(new Error('connection lost')) : Reflect.get(target, key)) });
    const { url } = await gatewayWith({}, failing);
    const ready = await fetch(url.replace(/\/graphql$/, '/readyz'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', database: 'unavailable', schema: 'loaded' });
    expect((await fetch(url.replace(/\/graphql$/, '/livez'))).status).toBe(200);
  });
});

describe('shutdown', () => {
  it('the gateway lets an in-flight request finish before it stops', async () => {
    const { uscc, full } = await knownEverywhere();
    // An emissions stand-in that answers the entity fetch after 800 ms.
    let answered = 0;
    const slow = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () =>
        setTimeout(() => {
          const count = (JSON.parse(body) as { variables: { representations: unknown[] } }).variables.representations.length;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ data: { _entities: Array.from({ length: count }, () => ({ emissionSummary: null })) } }));
          answered++;
        }, 800),
      );
    });
    await new Promise<void>((done) => slow.listen(0, '127.0.0.1', done));
    closers.push(() => new Promise((done) => slow.close(done)));
    const { url, server } = await gatewayWith({ emissions: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql` });

    const inFlight = graphql(url, FIVE_DEPARTMENTS, { u: uscc }, commerce);
    await new Promise((done) => setTimeout(done, 200));
    const stopped = server.stop();
    const answer = await inFlight;
    await stopped;
    expect(answered).toBe(1);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.operator).toEqual({ ...full, emissionSummary: null });
    await expect(fetch(url.replace(/\/graphql$/, '/livez'))).rejects.toThrow();
  });

  it('a subgraph process stops on SIGTERM within SHUTDOWN_TIMEOUT_MS and exits 0', async () => {
    const target = databases.config('emissions').database;
    // On PostgreSQL (DATABASE_URL) a database of its own there; else its own embedded store in the temp folder.
    const databaseUrl = target.kind === 'server' ? target.serverUrl : '';
    const dataDir = mkdtempSync(join(tmpdir(), 'xiran-shutdown-'));
    closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: resolve(import.meta.dirname, '../../subgraphs/emissions'),
      env: { ...process.env, DATABASE_URL: databaseUrl, EMISSIONS_DATABASE_URL: '', EMISSIONS_PORT: '0', XIRAN_DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '5000', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    closers.push(async () => child.kill('SIGKILL'));
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /subgraph ready at (http:\S+)/.exec(output);
        if (match) done(match[1]!);
      });
      void exited.then((code) => fail(new Error(`exited ${code} before ready:\n${output}`)));
    });
    const base = url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(output).toMatch(/SIGTERM: stopping/);
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();
  });
});

/** A server that accepts connections and requests and never answers; counts the requests. */
async function hungServer(): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  const server = http.createServer(() => void count++);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, requests: () => count };
}
