import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery, getNamedType, isObjectType } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { FIELD_GROUPS } from '@xiran/auth';
import { SUPERGRAPH_PATH, type HttpSubgraphName } from '@xiran/schema';
import { addDays, monthStart, todayInShanghai, uploadRecords, type TestDatabases, type Writer } from '@xiran/subgraph-kit';
import { completeUscc } from '@xiran/common';
import type { Stack } from '@xiran/tools/stack';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type Caller, type TestKeys } from './support/security';

/**
 * The first day of the three user groups, through the gateway with real tokens over a seeded world:
 * the association's member list (suspended members included) and its leads, 商务局's cross-check
 * after a complaint names an operator market never registered, a district handler's routed leads
 * and tickets, and an analyst's IDE (introspection with fragments) and `myAccess`. Then every field
 * that points to an Operator from another department, for a target the caller may not see and for
 * one that does not exist: never `data: null`.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
const today = todayInShanghai();
const XIHU = '330106';
/** Valid, complained about, reported, in arrears, with a ledger: never registered by market. */
const UNREGISTERED = completeUscc('91330106MA2FD0001');
/** Registered in 上城区 (330102, from the seed); the other departments hold it under 西湖区. */
let elsewhere: string;
let suspendedMember: { uscc: string; name: string };

const COMMERCE_XIHU: Caller = { agency: 'commerce', level: 'district', district: XIHU };
const MARKET_XIHU_HANDLER: Caller = { agency: 'market', level: 'district', district: XIHU, roles: ['reader', 'uploader'] };
const ASSOCIATION: Caller = { agency: 'association' };
const ANALYST: Caller = { agency: 'statistics' };

async function as(caller: Caller, query: string, variables: Record<string, unknown> = {}) {
  return graphql(stack.gatewayUrl, query, variables, await bearer(keys, caller));
}

async function write(subgraph: HttpSubgraphName, dataset: string, records: Array<Record<string, unknown>>): Promise<void> {
  const module = SUBGRAPH_MODULES.find((m) => m.name === subgraph)!;
  const definition = module.intake.datasets.find((d) => d.name === dataset)!;
  const writer: Writer = { sub: 'test-first-day', agency: definition.department, level: 'city', district: null };
  await uploadRecords(stack.databases[subgraph].db, module.intake.intake, definition, records, writer);
}

/** What the other departments know of UNREGISTERED and of `elsewhere`, all of it under 西湖区. */
async function writeWorld(): Promise<void> {
  const both = [UNREGISTERED, elsewhere];
  let serial = 0;
  await write('complaints', 'complaints', both.flatMap((uscc) => [3, 9].map((daysAgo) => {
    const received = addDays(today, -daysAgo);
    return {
      id: `12345-${received.slice(0, 4)}-${String(9_100_000 + ++serial)}`, channel: 'HOTLINE_12345', receivedOn: received, category: 'UNLICENSED', status: 'RECEIVED',
      handlingAgency: 'market', handlingDistrict: XIHU, dueOn: addDays(received, 15), closedOn: null, satisfaction: null, respondentName: '某洗衣店', uscc, district: XIHU,
      text: '来电人反映门店无照经营（已脱敏）。',
    };
  })));
  await write('association', 'leads', both.map((uscc, i) => ({
    id: `LFD${String(i + 1).padStart(4, '0')}`, uscc, district: XIHU, type: 'UNLICENSED', facts: '协会巡查发现门店未亮照经营。', evidence: '巡查照片 2 张',
    routedAgency: 'market', routedDistrict: XIHU, copyToCommerce: true, reportedOn: addDays(today, -2), feedbackDue: addDays(today, 19), status: 'REPORTED', feedback: null, feedbackOn: null,
  })));
  await write('association', 'memberships', [{ uscc: UNREGISTERED, district: XIHU, memberNumber: 'HZXR-2025-99001', name: '西湖无照洗衣店', since: '2025-03-01', status: 'ACTIVE' }]);
  const period = today.slice(0, 7);
  await write('social-insurance', 'insurance-status', both.map((uscc) => ({ uscc, district: XIHU, type: 'PENSION', paymentStatus: 'SUSPENDED', arrearsMonths: 3, lastPaidPeriod: null, asOfPeriod: period })));
  await write('emissions', 'machines', both.map((uscc) => ({ id: `MFD-${uscc.slice(-8)}`, uscc, district: XIHU, outletId: `OFD-${uscc.slice(-8)}`, solvent: 'PCE', enclosure: 'FULLY_ENCLOSED', capacityKg: 12, installed: '2020-03-01', status: 'IN_USE' })));
  await write('emissions', 'solvent-ledger', both.map((uscc) => ({ uscc, district: XIHU, month: monthStart(today, 1), solvent: 'PCE', purchasedKg: 0, consumedKg: 20, garmentsKg: 1000, residueKg: 1, manifestNumber: null })));
}

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(400));
  const city = await as({ agency: 'commerce' }, '{ operators(first: 1, filter: { district: "330102" }) { nodes { uscc } } }');
  elsewhere = city.data!.operators.nodes[0].uscc;
  const members = await as(ASSOCIATION, '{ members(first: 1000, filter: { status: SUSPENDED }) { nodes { uscc membership { name } } } }');
  const lapsed = await as(ASSOCIATION, '{ members(first: 1000, filter: { status: LAPSED }) { nodes { uscc membership { name } } } }');
  const former = [...members.data!.members.nodes, ...lapsed.data!.members.nodes][0];
  suspendedMember = { uscc: former.uscc, name: former.membership.name };
  await writeWorld();
}, 240_000);

afterAll(() => stopTestStack({ stack, databases }));

type GraphQLError = { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> };
const notVisibleAt = (errors: GraphQLError[] | undefined) => (errors ?? []).filter((e) => e.extensions?.code === 'NOT_VISIBLE').map((e) => e.path?.join('.'));

describe('the first screen of each user group', () => {
  it('association: its members, suspended and lapsed ones too, each with the name the membership record holds; then its leads', async () => {
    const result = await as(ASSOCIATION, '{ members(first: 1000) { totalCount nodes { uscc name membership { name status } } } }');
    expect(result.status).toBe(200);
    expect(result.data, JSON.stringify(result).slice(0, 500)).not.toBeNull();
    const nodes = result.data!.members.nodes as Array<{ uscc: string; name: string | null; membership: { name: string | null; status: string } }>;
    expect(nodes.length).toBe(result.data!.members.totalCount);
    const former = nodes.findIndex((n) => n.uscc === suspendedMember.uscc);
    expect(nodes[former]).toMatchObject({ name: null, membership: { name: suspendedMember.name } });
    expect(suspendedMember.name).toMatch(/\S/);
    // Outside the association's registration scope (members only): null, and said so at its path.
    expect(notVisibleAt(result.errors)).toContain(`members.nodes.${former}`);
    // An active member's registered name comes back, as does the member-record name of one market never registered.
    expect(nodes.find((n) => n.membership.status === 'ACTIVE' && n.uscc !== UNREGISTERED)!.name).toMatch(/\S/);
    const unregistered = nodes.findIndex((n) => n.uscc === UNREGISTERED);
    expect(nodes[unregistered]).toMatchObject({ name: null, membership: { name: '西湖无照洗衣店', status: 'ACTIVE' } });
    expect(notVisibleAt(result.errors)).not.toContain(`members.nodes.${unregistered}`);
    expect((result.errors ?? []).every((e) => e.extensions?.code === 'NOT_VISIBLE'), JSON.stringify(result.errors)).toBe(true);

    const leads = await as(ASSOCIATION, '{ leads(first: 100) { totalCount nodes { id type status routedAgency operator { uscc name } } } }');
    expect(leads.data, JSON.stringify(leads.errors)).not.toBeNull();
    expect(leads.data!.leads.nodes.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['LFD0001', 'LFD0002']));
  });

  it('commerce: the cross-check with the operators’ names, after a complaint names an operator market never registered', async () => {
    const result = await as({ agency: 'commerce' }, `{ crossCheck(district: "${XIHU}", fresh: true) { findings { rule { id } uscc operator { uscc name } } } }`);
    expect(result.data, JSON.stringify(result.errors)).not.toBeNull();
    const findings = result.data!.crossCheck.findings as Array<{ rule: { id: string }; uscc: string; operator: { uscc: string; name: string | null } }>;
    const unregistered = findings.find((f) => f.rule.id === 'UNREGISTERED_OPERATION' && f.uscc === UNREGISTERED);
    expect(unregistered?.operator).toEqual({ uscc: UNREGISTERED, name: null });
    expect(findings.filter((f) => f.rule.id !== 'UNREGISTERED_OPERATION').every((f) => f.operator.name)).toBe(true);
    expect(notVisibleAt(result.errors)).toEqual([]);

    const recorded = await as({ agency: 'commerce', roles: ['reader', 'admin'] }, 'mutation { runCrossCheck { open } }');
    expect(recorded.errors).toBeUndefined();
    const lists = await as({ agency: 'commerce' }, `{ crossCheckFindings(district: "${XIHU}") { uscc operator { name } } operatorsInArrears(district: "${XIHU}", minMonths: 1) { uscc name } }`);
    expect(lists.data, JSON.stringify(lists.errors)).not.toBeNull();
    expect(lists.data!.crossCheckFindings.find((f: { uscc: string }) => f.uscc === UNREGISTERED)).toEqual({ uscc: UNREGISTERED, operator: { name: null } });
    expect(lists.data!.operatorsInArrears.find((o: { uscc: string }) => o.uscc === UNREGISTERED)).toEqual({ uscc: UNREGISTERED, name: null });
  });

  it('a district handler: the leads and tickets routed to it, and nothing routed elsewhere', async () => {
    const result = await as(
      MARKET_XIHU_HANDLER,
      '{ leads(first: 200) { nodes { id routedAgency routedDistrict operator { name } } } complaintTickets(first: 200) { totalCount nodes { id handlingAgency handlingDistrict operator { name } } } }',
    );
    expect(result.data, JSON.stringify(result.errors)).not.toBeNull();
    const leads = result.data!.leads.nodes as Array<{ id: string; routedAgency: string; routedDistrict: string }>;
    expect(leads.map((l) => l.id)).toEqual(expect.arrayContaining(['LFD0001', 'LFD0002']));
    expect(leads.every((l) => l.routedAgency === 'market' && l.routedDistrict === XIHU)).toBe(true);
    const tickets = result.data!.complaintTickets.nodes as Array<{ handlingAgency: string; handlingDistrict: string }>;
    expect(tickets.length).toBeGreaterThanOrEqual(4);
    expect(tickets.every((t) => t.handlingAgency === 'market' && t.handlingDistrict === XIHU)).toBe(true);
    // The operator registered in 上城区 is outside a 西湖区 caller's registration scope.
    const lead = leads.findIndex((l) => l.id === 'LFD0002');
    expect(notVisibleAt(result.errors)).toContain(`leads.nodes.${lead}.operator`);
  });

  it('analyst: the IDE’s introspection, with its fragments', async () => {
    const introspection = await as(ANALYST, getIntrospectionQuery());
    expect(introspection.errors, JSON.stringify(introspection.errors)).toBeUndefined();
    expect(introspection.data!.__schema.types.some((t: { name: string }) => t.name === 'Operator')).toBe(true);
  });

  it('analyst: its own access (myAccess), and a district handler’s', async () => {
    const access = await as(ANALYST, '{ myAccess { agency level district groups { id scope district grant reveals } } }');
    expect(access.errors, JSON.stringify(access.errors)).toBeUndefined();
    expect(access.data!.myAccess).toMatchObject({ agency: 'statistics', level: 'CITY', district: null });
    const groups = access.data!.myAccess.groups as Array<{ id: string; scope: string; district: string | null; grant: string; reveals: string[] }>;
    // reveals: what the group's derived fields disclose besides it, from the catalogue.
    const revealsOf = (id: string) => [...new Set((FIELD_GROUPS.find((g) => g.id === id)!.derived ?? []).flatMap((d) => d.reveals))];
    expect(revealsOf('registration')).toEqual(['outlets']);
    expect(groups.find((g) => g.id === 'registration')).toMatchObject({ scope: 'FULL', district: null, reveals: revealsOf('registration') });
    expect(groups.find((g) => g.id === 'insuredHeadcount')).toMatchObject({ scope: 'AGGREGATE' });
    expect(groups.find((g) => g.id === 'complainantIdentity')).toBeUndefined();
    // Each is a grant of the catalogue, to the analyst's agency, of that group.
    const catalogue = await as(ANALYST, '{ authorizationCatalogue { grants { id group grantee } } }');
    const grants = new Map((catalogue.data!.authorizationCatalogue.grants as Array<{ id: string; group: string; grantee: string }>).map((g) => [g.id, g]));
    for (const group of groups) expect(grants.get(group.grant)).toEqual({ id: group.grant, group: group.id, grantee: 'statistics' });

    const district = await as(MARKET_XIHU_HANDLER, '{ myAccess { level district groups { id scope district } } }');
    expect(district.data!.myAccess).toMatchObject({ level: 'DISTRICT', district: XIHU });
    expect(district.data!.myAccess.groups.find((g: { id: string }) => g.id === 'leads')).toEqual({ id: 'leads', scope: 'HANDLER', district: XIHU });
  });
});

/**
 * Every field of the API that points to an Operator from another department than registration
 * (registration's own lists hold only what it has), with a query that reaches it as 西湖区's 商务局
 * (the association for its member list). `at(data, uscc)` finds the path of the reference to `uscc`.
 */
type Located = { path: string; operator: { uscc: string; name: string | null; findings: unknown[] | null } } | undefined;
const REFERENCES: Record<string, { caller: Caller; query: string; at: (data: any, uscc: string) => Located }> = {
  'ComplaintTicket.operator': {
    caller: COMMERCE_XIHU,
    query: `{ complaintTickets(first: 1000, filter: { district: "${XIHU}" }) { nodes { uscc operator { uscc name findings { id } } } } }`,
    at: (data, uscc) => locate(data.complaintTickets.nodes, 'complaintTickets.nodes', uscc, (n) => n.operator, '.operator'),
  },
  'ComplaintTally.operator': {
    caller: COMMERCE_XIHU,
    query: `{ complainedOperators(district: "${XIHU}", from: "${addDays(today, -30)}") { uscc operator { uscc name findings { id } } } }`,
    at: (data, uscc) => locate(data.complainedOperators, 'complainedOperators', uscc, (n) => n.operator, '.operator'),
  },
  'Finding.operator': {
    caller: COMMERCE_XIHU,
    query: `{ crossCheck(district: "${XIHU}", fresh: true) { findings { uscc operator { uscc name findings { id } } } } }`,
    at: (data, uscc) => locate(data.crossCheck.findings, 'crossCheck.findings', uscc, (n) => n.operator, '.operator'),
  },
  'Lead.operator': {
    caller: COMMERCE_XIHU,
    query: '{ leads(first: 1000) { nodes { uscc operator { uscc name findings { id } } } } }',
    at: (data, uscc) => locate(data.leads.nodes, 'leads.nodes', uscc, (n) => n.operator, '.operator'),
  },
  'MemberConnection.nodes': {
    caller: ASSOCIATION,
    query: '{ members(first: 1000) { nodes { uscc name findings { id } } } }',
    at: (data, uscc) => locate(data.members.nodes, 'members.nodes', uscc, (n) => n, ''),
  },
  'Query.operatorsInArrears': {
    caller: COMMERCE_XIHU,
    query: `{ operatorsInArrears(district: "${XIHU}", minMonths: 1) { uscc name findings { id } } }`,
    at: (data, uscc) => locate(data.operatorsInArrears, 'operatorsInArrears', uscc, (n) => n, ''),
  },
  'SolventUse.operator': {
    caller: COMMERCE_XIHU,
    query: `{ solventUse(district: "${XIHU}", from: "${monthStart(today, 3)}") { uscc operator { uscc name findings { id } } } }`,
    at: (data, uscc) => locate(data.solventUse, 'solventUse', uscc, (n) => n.operator, '.operator'),
  },
};

function locate(list: Array<Record<string, any>>, path: string, uscc: string, operator: (node: any) => any, suffix: string): Located {
  const i = list.findIndex((n) => n.uscc === uscc);
  return i < 0 ? undefined : { path: `${path}.${i}${suffix}`, operator: operator(list[i]) };
}

describe('no reference collapses an answer', () => {
  it('covers every field that points to an Operator from another department', () => {
    const api = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
    const registrationOwn = new Set(['Query.operator', 'OperatorConnection.nodes', 'Mutation.upsertOperator']);
    const references = Object.values(api.getTypeMap())
      .filter((t) => isObjectType(t) && !t.name.startsWith('__'))
      .flatMap((t) => Object.values((t as import('graphql').GraphQLObjectType).getFields()).filter((f) => getNamedType(f.type).name === 'Operator').map((f) => `${t.name}.${f.name}`))
      .filter((c) => !registrationOwn.has(c));
    expect(references.sort()).toEqual(Object.keys(REFERENCES).sort());
  });

  it.each(Object.entries(REFERENCES))('%s: an operator market never registered comes back with null registration fields, no error', async (_coordinate, reference) => {
    const result = await as(reference.caller, reference.query);
    expect(result.data, JSON.stringify(result.errors)).not.toBeNull();
    const found = reference.at(result.data, UNREGISTERED);
    expect(found, 'the test world reaches it').toBeDefined();
    expect(found!.operator).toEqual({ uscc: UNREGISTERED, name: null, findings: null });
    expect(notVisibleAt(result.errors)).not.toContain(found!.path);
  });

  it.each(Object.entries(REFERENCES))('%s: an operator outside the caller’s scope comes back null with NOT_VISIBLE at its path', async (_coordinate, reference) => {
    const result = await as(reference.caller, reference.query);
    expect(result.data, JSON.stringify(result.errors)).not.toBeNull();
    const target = reference.caller === ASSOCIATION ? suspendedMember.uscc : elsewhere;
    const found = reference.at(result.data, target);
    expect(found, 'the test world reaches it').toBeDefined();
    expect(found!.operator).toEqual({ uscc: target, name: null, findings: null });
    expect(notVisibleAt(result.errors)).toContain(found!.path);
    const error = result.errors!.find((e) => e.path?.join('.') === found!.path)!;
    expect(error.extensions).toMatchObject({ code: 'NOT_VISIBLE', uscc: target });
  });

  it('the same operator, registered in the caller’s scope, comes back with its name and no error', async () => {
    const result = await as({ agency: 'commerce' }, REFERENCES['Lead.operator']!.query);
    const found = REFERENCES['Lead.operator']!.at(result.data, elsewhere);
    expect(found!.operator.name).toMatch(/\S/);
    expect(notVisibleAt(result.errors)).toEqual([]);
  });
});

describe('client mistakes are 4xx with a code', () => {
  it('an unknown operationName, or several operations and none named: 400 BAD_USER_INPUT naming operationName', async () => {
    const headers = await bearer(keys, { agency: 'commerce' });
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: GraphQLError[] } };
    };
    const unknown = await post({ query: 'query A { dataFreshness { asOf } }', operationName: 'B' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'operationName' });
    const unnamed = await post({ query: 'query A { dataFreshness { asOf } } query B { dataFreshness { asOf } }' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'operationName' });
    const named = await post({ query: 'query A { dataFreshness { asOf } } query B { dataFreshness { asOf } }', operationName: 'B' });
    expect(named.status).toBe(200);
    expect(named.body.errors).toBeUndefined();
  });

  it.each([
    ['{ accessLog(group: "registration", from: "2026-13-45T00:00:00Z") { totalCount } }', {}, 'from'],
    ['{ changes(since: "yesterday") { operators { nodes { seq } } } }', {}, 'since'],
    ['{ complaintTickets(filter: { receivedFrom: "2026-02-30" }) { totalCount } }', {}, 'filter.receivedFrom'],
    ['query($f: ComplaintTicketFilter) { complaintTickets(filter: $f) { totalCount } }', { f: { receivedTo: "30/11/2026" } }, 'filter.receivedTo'],
    ['query($s: DateTime!) { changes(since: $s) { operators { nodes { seq } } } }', { s: 'not a time' }, 'since'],
  ])('a malformed Date or DateTime (%s): 400 BAD_USER_INPUT naming the argument', async (query, variables, field) => {
    const result = await as({ agency: 'market', roles: ['reader'] }, query, variables);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});

describe('the README in order never destroys the seeded world', () => {
  it('refuses a snapshot import that would mark more than half of the dataset absent, unless allowMassAbsent; a dry run reports it', async () => {
    const sample = readFileSync(new URL('../../samples/operators.gb18030.csv', import.meta.url)).toString('base64');
    const uploader: Caller = { agency: 'market', roles: ['reader', 'uploader'] };
    const IMPORT = 'mutation($i: ImportInput!) { importRegistrationData(input: $i) { accepted rows absentRows batch { id } } }';
    const dryRun = await as(uploader, IMPORT, { i: { dataset: 'operators', fileName: 'operators.gb18030.csv', contentBase64: sample, dryRun: true } });
    expect(dryRun.errors).toBeUndefined();
    expect(dryRun.data!.importRegistrationData.absentRows).toBeGreaterThan(300);
    const refused = await as(uploader, IMPORT, { i: { dataset: 'operators', fileName: 'operators.gb18030.csv', contentBase64: sample } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.allowMassAbsent' });
    expect(refused.errors?.[0]?.message).toMatch(/more than half/);
    const present = await as({ agency: 'commerce' }, '{ operators(first: 1) { totalCount } }');
    expect(present.data!.operators.totalCount).toBeGreaterThan(300);
  });

  it('the cross-check schedule runs once at start: crossCheckRuns is not empty for the first hour', async () => {
    const runs = async () => (await as({ agency: 'commerce' }, '{ crossCheckRuns(first: 100) { startedAt } }')).data!.crossCheckRuns as unknown[];
    const before = (await runs()).length;
    stack.crossCheck.start(60);
    try {
      const deadline = Date.now() + 120_000;
      while ((await runs()).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      expect((await runs()).length).toBe(before + 1);
    } finally {
      stack.crossCheck.stop();
    }
  }, 150_000);
});
