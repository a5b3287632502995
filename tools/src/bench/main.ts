import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { ServiceDatabase } from '@xiran/subgraph-kit';
import type { HttpSubgraphName } from '@xiran/schema';
import { SUBGRAPH_MODULES } from '../start/services';
import { seedWorld, today } from '../seed/seed-world';
import { runLoad, type LoadResult } from './load';
import {
  defaultGrantRows,
  effectiveGrants,
  loadCallerKeys,
  loadGatewayKeys,
  signCallerToken,
  bodyHash,
  signSubgraphToken,
  SUBGRAPH_TOKEN_HEADER,
  type Principal,
} from '@xiran/auth';
import { verifyAuditChain } from '@xiran/gateway/audit';
import { connectGatewayDatabase } from '@xiran/gateway/database';

/**
 * `npm run bench`: the federated graph on a 50,000-operator seed in PostgreSQL. Starts each
 * department's subgraph in a process of its own, as deployed, and the gateways in another (so the
 * load generator shares no event loop with them), and measures, in one
 * run, the gateway against a bare @apollo/gateway (the cost of enforcement) and against the
 * registration subgraph alone on its part of the query.
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/xiran_bench), BENCH_OPERATORS
 * (50000), BENCH_SECONDS (10 per scenario), BENCH_CONNECTIONS (8), BENCH_DISTRICTS (330109,330106: where
 * crossCheck is timed against the statistics queries), BENCH_ONLY (crosscheck: that part alone).
 */
const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/xiran_bench';
const operators = Number(process.env.BENCH_OPERATORS || 50_000);
const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 8);
/** BENCH_ONLY=crosscheck runs the cross-check comparison alone. */
const only = process.env.BENCH_ONLY;
/** The districts the cross-check is timed over: the largest (萧山区) and 西湖区 by default. */
const benchDistricts = (process.env.BENCH_DISTRICTS || '330109,330106').split(',');
const enforcedPort = 4120;
const barePort = 4121;
const ports: Record<HttpSubgraphName, number> = { registration: 4101, emissions: 4102, 'social-insurance': 4103, complaints: 4104, association: 4105 };

async function ensureSeed(): Promise<void> {
  const databases = {} as Record<HttpSubgraphName, ServiceDatabase>;
  try {
    for (const module of SUBGRAPH_MODULES) databases[module.name] = await module.connect({ kind: 'server', serverUrl });
    const result = await databases.registration.db.execute(sql`select count(*)::int as n, max(updated_at)::date::text as day from registration.operators`);
    const row = result.rows[0] as { n: number; day: string | null };
    if (row.n === operators && row.day === today()) {
      console.log(`Seed: ${operators} operators already in place (as of ${row.day}).`);
      return;
    }
    console.log(`Seeding ${operators} operators into ${serverUrl} …`);
    const started = Date.now();
    await seedWorld(Object.fromEntries(Object.entries(databases).map(([n, d]) => [n, d.db])) as never, {
      operators,
      asOf: today(),
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    for (const database of Object.values(databases)) await database.close();
  }
}

function startGatewaysProcess(): ChildProcess {
  const script = fileURLToPath(new URL('./gateways.ts', import.meta.url));
  // RATE_LIMIT_EXPENSIVE=0: the bench times crossCheck(fresh: true) in a loop, as one caller.
  const env: NodeJS.ProcessEnv = { RATE_LIMIT_EXPENSIVE: '0', ...process.env, DATABASE_URL: serverUrl, ENFORCED_PORT: String(enforcedPort), BARE_PORT: String(barePort), APOLLO_TELEMETRY_DISABLED: '1' };
  for (const [name, port] of Object.entries(ports)) env[`${name.toUpperCase().replace(/-/g, '_')}_URL`] = `http://127.0.0.1:${port}/graphql`;
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.on('data', () => {});
  return child;
}

/** Each department's subgraph in a process of its own, as deployed (one service per department). */
function startSubgraphProcesses(): ChildProcess[] {
  return (Object.entries(ports) as Array<[HttpSubgraphName, number]>).map(([name, port]) => {
    const index = fileURLToPath(new URL(`../../../subgraphs/${name}/src/index.ts`, import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: serverUrl, [`${name.toUpperCase().replace(/-/g, '_')}_PORT`]: String(port), APOLLO_TELEMETRY_DISABLED: '1' };
    const child = spawn(process.execPath, ['--import', 'tsx', index], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', () => {});
    return child;
  });
}

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become healthy`);
}

async function statementTotals(): Promise<Record<HttpSubgraphName, number>> {
  const totals = {} as Record<HttpSubgraphName, number>;
  for (const [name, port] of Object.entries(ports) as [HttpSubgraphName, number][]) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    totals[name] = Number(/xiran_sql_statements_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? Number.NaN);
  }
  return totals;
}

const REGISTRATION_PART = 'uscc name status district outlets { id type location { lng lat } }';
const FULL_QUERY = (first: number) => `query Bench { operators(first: ${first}) { nodes {
  ${REGISTRATION_PART}
  emissionSummary { compliant solvents enclosedShare }
  socialInsuranceStatus { inArrears maxArrearsMonths }
  insuredHeadcount { band }
  complaintSummary { total open }
  membership { status }
  creditGrade { grade }
} } }`;
const REGISTRATION_QUERY = (first: number) => `query Bench { operators(first: ${first}) { nodes { ${REGISTRATION_PART} } } }`;

function fmt(result: LoadResult): string {
  return `${result.rps.toFixed(1).padStart(8)} req/s  p50 ${result.p50.toFixed(1).padStart(8)} ms  p99 ${result.p99.toFixed(1).padStart(8)} ms  (${result.requests} ok, ${result.errors} errors)`;
}

await ensureSeed();
const subgraphProcesses = startSubgraphProcesses();
const gateways = startGatewaysProcess();
try {
  for (const port of Object.values(ports)) await waitForHealth(`http://127.0.0.1:${port}/health`);
  await waitForHealth(`http://127.0.0.1:${enforcedPort}/health`);
  await waitForHealth(`http://127.0.0.1:${barePort}/.well-known/apollo/server-health`).catch(async () => {
    // Apollo Server 5 has no health route: wait for the bare gateway to answer a query instead.
    await runLoad({ url: `http://127.0.0.1:${barePort}/`, body: JSON.stringify({ query: '{ __typename }' }), connections: 1, seconds: 1 });
  });
  const callerKeys = await loadCallerKeys();
  const gatewayKeys = await loadGatewayKeys(process.env, { needPrivate: true });
  const commerce: Principal = { sub: 'bench', agency: 'commerce', level: 'city', district: null, roles: ['reader'] };
  const callerHeaders = { authorization: `Bearer ${await signCallerToken(commerce, callerKeys)}` };
  const grants = Object.fromEntries([...effectiveGrants(commerce, defaultGrantRows()).values()].map((g) => [g.group, [g.scope, g.grantId]]));
  // A subgraph token is bound to one body: one per query sent straight to the registration subgraph.
  const registrationHeaders = async (body: string) => ({
    [SUBGRAPH_TOKEN_HEADER]: await signSubgraphToken(gatewayKeys, 'registration', { principal: commerce, requestId: 'bench', grants: grants as never, bodyHash: bodyHash(body) }, 3600),
  });
  const gatewayUrl = `http://127.0.0.1:${enforcedPort}/graphql`;
  const bareUrl = `http://127.0.0.1:${barePort}/`;
  const registrationUrl = `http://127.0.0.1:${ports.registration}/graphql`;
  console.log(`\n${connections} connections, ${seconds} s per scenario, ${operators} operators, Node ${process.version}; caller: city commerce\n`);
  if (only !== 'crosscheck') await throughput();
  await crossCheckAgainstStatistics();
  if (only !== 'crosscheck') await auditUnderLoad();

  async function throughput() {
  for (const first of [100, 1000]) {
    const check = (json: any) => {
      if (json.data.operators.nodes.length !== first) throw new Error(`expected ${first} nodes`);
    };
    const full = JSON.stringify({ query: FULL_QUERY(first) });
    const regOnly = JSON.stringify({ query: REGISTRATION_QUERY(first) });
    // Warm every path (query plans, connection pools) before measuring.
    const regHeaders = await registrationHeaders(regOnly);
    for (const [url, body, headers] of [[gatewayUrl, full, callerHeaders], [bareUrl, full, {}], [registrationUrl, regOnly, regHeaders]] as const) {
      await runLoad({ url, body, headers, connections: 2, seconds: 2, check });
    }
    const before = await statementTotals();
    const gateway = await runLoad({ url: gatewayUrl, body: full, headers: callerHeaders, connections, seconds, check });
    const after = await statementTotals();
    const bareGateway = await runLoad({ url: bareUrl, body: full, connections, seconds, check });
    const registration = await runLoad({ url: registrationUrl, body: regOnly, headers: regHeaders, connections, seconds, check });
    console.log(`operators(first: ${first}), fields from all five subgraphs`);
    console.log(`  gateway (enforcing)   ${fmt(gateway)}`);
    console.log(`  bare @apollo/gateway  ${fmt(bareGateway)}`);
    console.log(`  registration alone    ${fmt(registration)}`);
    console.log(`  cost of enforcement, enforcing/bare: throughput ${(gateway.rps / bareGateway.rps).toFixed(3)}, p50 latency ${(gateway.p50 / bareGateway.p50).toFixed(2)}x`);
    console.log(`  ratio gateway/registration: throughput ${(gateway.rps / registration.rps).toFixed(3)}, p50 latency ${(gateway.p50 / registration.p50).toFixed(2)}x`);
    const perRequest = Object.entries(after).map(([name, total]) => `${name} ${((total - before[name as HttpSubgraphName]) / gateway.requests).toFixed(2)}`);
    console.log(`  SQL statements per gateway request: ${perRequest.join(', ')}\n`);
  }
  }

  // 相互比对: one district's cross-check against the slowest of the departments' statistics
  // queries over the same district, one request at a time, through the same enforcing gateway.
  async function crossCheckAgainstStatistics() {
    const statistics = {
      registrationStatistics: 'district operators active revoked deregistered movedOut abnormalListed openOutlets',
      emissionStatistics: 'district operators compliantOperators machines enclosedMachines openMachines machinesBySolvent { solvent machines }',
      socialInsuranceStatistics: 'district units unitsInArrears unitsTerminated headcountBands { band units }',
      complaintStatistics: 'district tickets operators byCategory { category count } byStatus { status count }',
      associationStatistics: 'district members activeMembers byGrade { grade members } leads openLeads',
    };
    const crossCheckQuery = 'query CrossCheckBench($d: String!, $fresh: Boolean) { crossCheck(district: $d, fresh: $fresh) { rules { id } findings { id rule { id } uscc facts } } }';
    for (const district of benchDistricts) {
      const single = { connections: 1, seconds: Math.max(3, Math.round(seconds / 2)) };
      const stats: Array<[string, LoadResult]> = [];
      for (const [field, selection] of Object.entries(statistics)) {
        const body = JSON.stringify({ query: `query StatisticsBench($d: String) { ${field}(district: $d) { ${selection} } }`, variables: { d: district } });
        const check = (json: any) => {
          if (json.errors || json.data[field].length !== 1) throw new Error(`${field}: ${JSON.stringify(json.errors ?? json.data)}`);
        };
        await runLoad({ url: gatewayUrl, body, headers: callerHeaders, connections: 1, seconds: 1, check });
        stats.push([field, await runLoad({ url: gatewayUrl, body, headers: callerHeaders, ...single, check })]);
      }
      let findings = 0;
      const check = (json: any) => {
        if (json.errors || json.data.crossCheck.rules.length !== 8) throw new Error(`crossCheck: ${JSON.stringify(json.errors)}`);
        findings = json.data.crossCheck.findings.length;
      };
      // fresh: every rule evaluated anew (what the first caller after a write waits for); then the
      // usual case, no department has written since: the findings are reused after one check.
      const measured: Array<[string, LoadResult]> = [];
      for (const fresh of [true, false]) {
        const body = JSON.stringify({ query: crossCheckQuery, variables: { d: district, fresh } });
        await runLoad({ url: gatewayUrl, body, headers: callerHeaders, connections: 1, seconds: 2, check });
        measured.push([fresh ? 'crossCheck (fresh)' : 'crossCheck (unchanged)', await runLoad({ url: gatewayUrl, body, headers: callerHeaders, ...single, check })]);
      }
      const [slowestField, slowest] = stats.reduce((a, b) => (b[1].p50 > a[1].p50 ? b : a));
      console.log(`crossCheck(district: "${district}"), all 8 rules, one request at a time (${findings} findings)`);
      for (const [field, result] of [...stats, ...measured]) console.log(`  ${field.padEnd(26)} ${fmt(result)}`);
      for (const [label, result] of measured) {
        const ratio = result.p50 / slowest.p50;
        console.log(`  p50 ${label} / slowest statistics (${slowestField}): ${ratio.toFixed(2)}x (target ≤ 2x) ${ratio <= 2 ? 'OK' : 'OVER TARGET'}`);
      }
      console.log('');
    }
  }

  // 限定知悉范围 under load: every successful answer has its audit entry, and the chain verifies.
  async function auditUnderLoad() {
  const auditQuery = JSON.stringify({ query: 'query AuditBench { operators(first: 20) { nodes { name emissionSummary { compliant } creditGrade { grade } } } }' });
  const check20 = (json: any) => {
    if (json.data.operators.nodes.length !== 20) throw new Error('expected 20 nodes');
  };
  await runLoad({ url: gatewayUrl, body: auditQuery, headers: callerHeaders, connections: 4, seconds: 2, check: check20 });
  await runLoad({ url: bareUrl, body: auditQuery, connections: 4, seconds: 2, check: check20 });
  const gatewayDb = await connectGatewayDatabase({ kind: 'server', serverUrl });
  try {
    const seqBefore = Number((await gatewayDb.db.execute(sql`select coalesce(max(seq), 0) as n from gateway.audit_log`)).rows[0]!.n);
    const audited = await runLoad({ url: gatewayUrl, body: auditQuery, headers: callerHeaders, connections: 20, seconds, check: check20 });
    const entries = Number(
      (await gatewayDb.db.execute(sql`select count(*)::int as n from gateway.audit_log where seq > ${seqBefore} and kind = 'READ' and sub = 'bench' and operation_name = 'AuditBench'`)).rows[0]!.n,
    );
    const bareRun = await runLoad({ url: bareUrl, body: auditQuery, connections: 20, seconds, check: check20 });
    const chain = await verifyAuditChain(gatewayDb.db, gatewayKeys.publicKey);
    console.log('operators(first: 20) with three departments\' fields, 20 connections: the audit trail under load');
    console.log(`  gateway, audit on     ${fmt(audited)}`);
    console.log(`  bare @apollo/gateway  ${fmt(bareRun)}`);
    console.log(`  throughput with the audit trail, audited/bare: ${(audited.rps / bareRun.rps).toFixed(3)}`);
    console.log(`  audit entries written ${entries}, successful responses ${audited.requests}: ${entries === audited.requests ? 'equal' : 'NOT EQUAL'}`);
    console.log(`  chain: ${chain.ok ? `verifies (${chain.entries} entries, ${chain.checkpoints} checkpoints)` : `BROKEN at entry ${chain.seq}: ${chain.reason}`}\n`);
  } finally {
    await gatewayDb.close();
  }
  }
} finally {
  for (const child of subgraphProcesses) child.kill('SIGTERM');
  gateways.kill('SIGTERM');
}
