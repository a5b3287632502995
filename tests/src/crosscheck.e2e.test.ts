import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, like } from 'drizzle-orm';
import { defaultGrantRows, effectiveGrants, type Principal } from '@xiran/auth';
import { type Agency, completeUscc } from '@xiran/common';
import * as gatewayTables from '@xiran/gateway/tables';
import { addDays, monthStart, todayInShanghai, uploadRecords, type TestDatabases, type Writer } from '@xiran/subgraph-kit';
import { RULES, type RuleId } from '@xiran/gateway/crosscheck';
import type { HttpSubgraphName } from '@xiran/schema';
import type { Stack } from '@xiran/tools/stack';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type Caller, type TestKeys } from './support/security';

/**
 * 相互比对 and 联动 through the gateway. A small world is written through each department's own
 * datasets (validated like any upload) so that each rule trips exactly once in 西湖区 (330106),
 * plus one finding in 滨江区 (330108) that 西湖 never sees.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
const today = todayInShanghai();
const XIHU = '330106';
const BINJIANG = '330108';
const u = (n: number, district = XIHU) => completeUscc(`9${district === XIHU ? '1' : '2'}${district}MA2CC${String(n).padStart(4, '0')}`);

/** Which operator trips which rule (and nothing else). */
const TRIPS: Record<RuleId, string> = {
  UNREGISTERED_OPERATION: u(1), // complained about, never registered
  DEREGISTERED_STILL_ACTIVE: u(2), // 注销, still has insured staff (paying social insurance)
  OPEN_MACHINE_IN_USE: u(3), // an open machine with last month's ledger
  SOLVENT_OVERUSE: u(4), // 30 g/kg last month
  NO_INSURED_STAFF: u(5), // active, an open outlet, no insurance record
  ARREARS_WITH_COMPLAINTS: u(6), // 4 months in arrears, 3 complaints
  GRADE_CONTRADICTS_RECORD: u(7), // AAA with a publicised penalty
  PREPAID_CARD_RISK: u(8), // 2 prepaid-card complaints this month, none before, 1 month in arrears
};
const CLEAN = u(9); // trips nothing
const BINJIANG_UNINSURED = u(1, BINJIANG);

async function write(subgraph: HttpSubgraphName, dataset: string, records: Array<Record<string, unknown>>): Promise<void> {
  const module = SUBGRAPH_MODULES.find((m) => m.name === subgraph)!;
  const definition = module.intake.datasets.find((d) => d.name === dataset)!;
  const writer: Writer = { sub: 'test-world', agency: definition.department, level: 'city', district: null };
  await uploadRecords(stack.databases[subgraph].db, module.intake.intake, definition, records, writer);
}

async function writeWorld(): Promise<void> {
  const operator = (uscc: string, status = 'ACTIVE', district = XIHU) => ({
    uscc, name: `测试洗衣${uscc.slice(-6)}`, entityKind: 'ENTERPRISE', status, district, address: '测试路 1 号', legalRepresentative: '测试',
    established: '2018-01-01', deregistered: status === 'ACTIVE' ? null : addDays(today, -60), businessScope: '洗染服务',
  });
  const registered = [TRIPS.OPEN_MACHINE_IN_USE, TRIPS.SOLVENT_OVERUSE, TRIPS.NO_INSURED_STAFF, TRIPS.ARREARS_WITH_COMPLAINTS, TRIPS.GRADE_CONTRADICTS_RECORD, TRIPS.PREPAID_CARD_RISK, CLEAN];
  await write('registration', 'operators', [...registered.map((uscc) => operator(uscc)), operator(TRIPS.DEREGISTERED_STILL_ACTIVE, 'DEREGISTERED'), operator(BINJIANG_UNINSURED, 'ACTIVE', BINJIANG)]);
  const outlet = (uscc: string, status = 'OPEN', district = XIHU) => ({
    id: `O-${uscc.slice(-8)}`, uscc, name: '门店', type: 'STORE', address: '测试路 1 号', district, lng: 120.13, lat: 30.27, services: ['DRY_CLEANING'], opened: '2018-02-01', status,
  });
  await write('registration', 'outlets', [...registered.map((uscc) => outlet(uscc)), outlet(TRIPS.DEREGISTERED_STILL_ACTIVE, 'CLOSED'), outlet(BINJIANG_UNINSURED, 'OPEN', BINJIANG)]);

  const machine = (uscc: string, enclosure: string) => ({ id: `M-${uscc.slice(-8)}`, uscc, district: XIHU, outletId: `O-${uscc.slice(-8)}`, solvent: 'PCE', enclosure, capacityKg: 12, installed: '2018-03-01', status: 'IN_USE' });
  await write('emissions', 'machines', [machine(TRIPS.OPEN_MACHINE_IN_USE, 'OPEN'), machine(TRIPS.SOLVENT_OVERUSE, 'FULLY_ENCLOSED')]);
  const lastMonth = monthStart(today, 1);
  const ledger = (uscc: string, consumedKg: number) => ({ uscc, district: XIHU, month: lastMonth, solvent: 'PCE', purchasedKg: 0, consumedKg, garmentsKg: 1000, residueKg: 1, manifestNumber: null });
  await write('emissions', 'solvent-ledger', [ledger(TRIPS.OPEN_MACHINE_IN_USE, 5), ledger(TRIPS.SOLVENT_OVERUSE, 30)]);
  const penaltyUscc = TRIPS.GRADE_CONTRADICTS_RECORD;
  await write('emissions', 'penalties', [{
    id: `P-${penaltyUscc.slice(-8)}`, uscc: penaltyUscc, district: XIHU, decisionNumber: '杭环西罚〔2026〕99号', decided: addDays(today, -30), violation: '未按规定建立溶剂使用台账',
    fineYuan: 20000, publicityFrom: addDays(today, -25), publicityUntil: addDays(today, 160),
  }]);

  const period = today.slice(0, 7);
  const insurance = (uscc: string, paymentStatus: string, arrearsMonths: number) => ({ uscc, district: XIHU, type: 'PENSION', paymentStatus, arrearsMonths, lastPaidPeriod: null, asOfPeriod: period });
  const insured = [TRIPS.OPEN_MACHINE_IN_USE, TRIPS.SOLVENT_OVERUSE, TRIPS.GRADE_CONTRADICTS_RECORD, CLEAN];
  await write('social-insurance', 'insurance-status', [
    ...insured.map((uscc) => insurance(uscc, 'PAYING', 0)),
    insurance(TRIPS.DEREGISTERED_STILL_ACTIVE, 'PAYING', 0),
    insurance(TRIPS.ARREARS_WITH_COMPLAINTS, 'SUSPENDED', 4),
    insurance(TRIPS.PREPAID_CARD_RISK, 'PAYING', 1),
  ]);
  await write('social-insurance', 'insured-headcount', [...insured, TRIPS.DEREGISTERED_STILL_ACTIVE, TRIPS.ARREARS_WITH_COMPLAINTS, TRIPS.PREPAID_CARD_RISK].map((uscc) => ({ uscc, district: XIHU, band: 'FROM_1_TO_5', asOfPeriod: period })));

  let serial = 0;
  const ticket = (uscc: string, category: string, daysAgo: number) => {
    const received = addDays(today, -daysAgo);
    return {
      id: `12345-${received.slice(0, 4)}-${String(9_000_000 + ++serial)}`, channel: 'HOTLINE_12345', receivedOn: received, category, status: 'RECEIVED', handlingAgency: 'market',
      handlingDistrict: XIHU, dueOn: addDays(received, 15), closedOn: null, satisfaction: null, respondentName: '某洗衣店', uscc, district: XIHU, text: '消费者反映的问题（已脱敏）。',
    };
  };
  await write('complaints', 'complaints', [
    ticket(TRIPS.UNREGISTERED_OPERATION, 'UNLICENSED', 10),
    ticket(TRIPS.ARREARS_WITH_COMPLAINTS, 'GARMENT_DAMAGE', 5),
    ticket(TRIPS.ARREARS_WITH_COMPLAINTS, 'GARMENT_DAMAGE', 20),
    ticket(TRIPS.ARREARS_WITH_COMPLAINTS, 'LOST_OR_SWAPPED', 40),
    ticket(TRIPS.PREPAID_CARD_RISK, 'PREPAID_CARD', 3),
    ticket(TRIPS.PREPAID_CARD_RISK, 'PREPAID_CARD', 12),
  ]);
  await write('association', 'memberships', [
    { uscc: TRIPS.GRADE_CONTRADICTS_RECORD, district: XIHU, memberNumber: 'HZXR-2020-09001', since: '2020-01-01', status: 'ACTIVE', grade: 'AAA', gradeValidFrom: addDays(today, -100), gradeValidTo: addDays(today, 600) },
    { uscc: CLEAN, district: XIHU, memberNumber: 'HZXR-2020-09002', since: '2020-01-01', status: 'ACTIVE', grade: 'AA', gradeValidFrom: addDays(today, -100), gradeValidTo: addDays(today, 600) },
  ]);
}

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(0));
  await writeWorld();
});

afterAll(() => stopTestStack({ stack, databases }));

const CROSS_CHECK = `query($district: String!, $rules: [String!]) { crossCheck(district: $district, rules: $rules) {
  district rules { id groups } findings { id uscc district severity facts actingAgency rule { id } evidence { label value } operator { uscc } } } }`;
const crossCheck = async (caller: Caller, district = XIHU, rules?: string[]) => graphql(stack.gatewayUrl, CROSS_CHECK, { district, rules }, await bearer(keys, caller));
const ruleOf = (id: RuleId) => RULES.find((r) => r.id === id)!;

/** Agencies whose default city-level grants open every group of a rule (owner, full or members). */
function holders(id: RuleId): Agency[] {
  const agencies: Agency[] = ['market', 'environment', 'hrss', 'petition', 'statistics', 'ndrc', 'data', 'association'];
  return agencies.filter((agency) => {
    const principal: Principal = { sub: 's', agency, level: 'city', district: null, roles: ['reader'] };
    const grants = effectiveGrants(principal, defaultGrantRows());
    return ruleOf(id).groups.every((g) => ['OWNER', 'FULL'].includes(grants.get(g)?.scope ?? ''));
  });
}

describe('相互比对: each rule trips once, and is seen only with every group it reads', () => {
  it('shows commerce exactly one finding per rule in 西湖区, none from 滨江区', async () => {
    const result = await crossCheck({ agency: 'commerce' });
    expect(result.errors).toBeUndefined();
    const findings = result.data!.crossCheck.findings as Array<{ rule: { id: RuleId }; uscc: string; district: string; id: string; operator: { uscc: string } }>;
    expect(Object.fromEntries(findings.map((f) => [f.rule.id, f.uscc]))).toEqual(TRIPS);
    expect(findings).toHaveLength(RULES.length);
    for (const f of findings) {
      expect(f.district).toBe(XIHU);
      expect(f.id).toBe(`${f.rule.id}:${XIHU}:${f.uscc}`);
      expect(f.operator.uscc).toBe(f.uscc);
    }
    const binjiang = await crossCheck({ agency: 'commerce' }, BINJIANG);
    expect(binjiang.data!.crossCheck.findings.map((f: { rule: { id: string }; uscc: string }) => [f.rule.id, f.uscc])).toEqual([['NO_INSURED_STAFF', BINJIANG_UNINSURED]]);
  });

  it('shows each rule to a department holding all its groups, and to no department lacking one (no count, no hint)', async () => {
    // A rule only commerce holds by default: the owners grant ndrc the missing groups (grants are data).
    for (const rule of RULES) {
      if (holders(rule.id).length > 0) continue;
      const ndrc = effectiveGrants({ sub: 's', agency: 'ndrc', level: 'city', district: null, roles: ['reader'] }, defaultGrantRows());
      for (const group of rule.groups.filter((g) => !['OWNER', 'FULL'].includes(ndrc.get(g)?.scope ?? ''))) {
        const owner = (await graphql(stack.gatewayUrl, '{ authorizationCatalogue { groups { id owner } } }', {}, await bearer(keys, { agency: 'commerce' }))).data!.authorizationCatalogue.groups.find((g: { id: string }) => g.id === group).owner;
        const granted = await graphql(stack.gatewayUrl, 'mutation($input: GrantAccessInput!) { grantAccess(input: $input) { id } }', { input: { group, grantee: 'ndrc', scope: 'FULL', purpose: '相互比对测试' } }, await bearer(keys, { agency: owner, roles: ['admin'] }));
        expect(granted.errors, `${owner} grants ${group}`).toBeUndefined();
      }
    }
    for (const rule of RULES) {
      const holder = holders(rule.id)[0] ?? 'ndrc';
      const seen = await crossCheck({ agency: holder as Agency });
      expect(seen.errors, `${holder} / ${rule.id}`).toBeUndefined();
      const own = seen.data!.crossCheck.findings.filter((f: { rule: { id: string } }) => f.rule.id === rule.id);
      expect(own.map((f: { uscc: string }) => f.uscc), `${holder} sees ${rule.id}`).toEqual([TRIPS[rule.id]]);

      // statistics holds none of these groups in full: the rule does not exist for it.
      const lacking = await crossCheck({ agency: 'statistics' });
      expect(lacking.errors).toBeUndefined();
      expect(lacking.data!.crossCheck.rules.map((r: { id: string }) => r.id)).not.toContain(rule.id);
      expect(lacking.data!.crossCheck.findings.filter((f: { rule: { id: string } }) => f.rule.id === rule.id)).toEqual([]);
      const asked = await crossCheck({ agency: 'statistics' }, XIHU, [rule.id]);
      const typo = await crossCheck({ agency: 'statistics' }, XIHU, ['NO_SUCH_RULE']);
      expect(asked.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(asked.errors?.[0]?.message.replace(rule.id, 'X')).toBe(typo.errors?.[0]?.message.replace('NO_SUCH_RULE', 'X'));
    }
    // A department that holds some but not all of a rule's groups: environment lacks socialInsuranceStatus.
    const environment = await crossCheck({ agency: 'environment' });
    const ids = environment.data!.crossCheck.findings.map((f: { rule: { id: string } }) => f.rule.id);
    expect(ids).toContain('OPEN_MACHINE_IN_USE');
    expect(ids).not.toContain('ARREARS_WITH_COMPLAINTS');
    expect(ids).not.toContain('NO_INSURED_STAFF');
  });

  it('gives each operator its findings, and keeps a district caller to its district', async () => {
    const query = 'query($u: ID!) { operator(uscc: $u) { uscc findings { rule { id } facts } } }';
    const commerce = await graphql(stack.gatewayUrl, query, { u: TRIPS.ARREARS_WITH_COMPLAINTS }, await bearer(keys, { agency: 'commerce' }));
    expect(commerce.errors).toBeUndefined();
    expect(commerce.data!.operator.findings.map((f: { rule: { id: string } }) => f.rule.id)).toEqual(['ARREARS_WITH_COMPLAINTS']);
    const clean = await graphql(stack.gatewayUrl, query, { u: CLEAN }, await bearer(keys, { agency: 'commerce' }));
    expect(clean.data!.operator.findings).toEqual([]);
    const petition = await graphql(stack.gatewayUrl, query, { u: TRIPS.ARREARS_WITH_COMPLAINTS }, await bearer(keys, { agency: 'petition' }));
    expect(petition.data!.operator.findings).toEqual([]);

    const binjiang = { agency: 'commerce' as const, level: 'district' as const, district: BINJIANG };
    const other = await crossCheck(binjiang, XIHU);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const own = await crossCheck(binjiang, BINJIANG);
    expect(own.data!.crossCheck.findings.map((f: { uscc: string }) => f.uscc)).toEqual([BINJIANG_UNINSURED]);
  });

  it('records what a finding disclosed in the audit trail', async () => {
    await crossCheck({ agency: 'commerce' }, XIHU, ['SOLVENT_OVERUSE']);
    const [entry] = await stack.gatewayDatabase.db.select().from(gatewayTables.auditLog).where(like(gatewayTables.auditLog.sub, 'test-commerce-%')).orderBy(desc(gatewayTables.auditLog.seq)).limit(1);
    expect(entry!.disclosed).toEqual([expect.objectContaining({ group: 'inspections', operators: [TRIPS.SOLVENT_OVERUSE] })]);
  });

  it('records new and resolved findings with dates on each run, counted within the caller’s rules', async () => {
    const first = await stack.crossCheck.runAll();
    expect(first).toMatchObject({ open: RULES.length + 1, new: RULES.length + 1, resolved: 0 });
    // 人社局 records the uninsured operator's staff: its finding is resolved by the next run.
    await write('social-insurance', 'insured-headcount', [{ uscc: TRIPS.NO_INSURED_STAFF, district: XIHU, band: 'FROM_1_TO_5', asOfPeriod: today.slice(0, 7) }]);
    const second = await stack.crossCheck.runAll();
    expect(second).toMatchObject({ open: RULES.length, new: 0, resolved: 1 });

    const runs = await graphql(stack.gatewayUrl, '{ crossCheckRuns(first: 2) { id open new resolved byRule { rule open new resolved } } }', {}, await bearer(keys, { agency: 'commerce' }));
    expect(runs.data!.crossCheckRuns.map((r: { new: number; resolved: number }) => [r.new, r.resolved])).toEqual([[0, 1], [RULES.length + 1, 0]]);
    const resolved = await graphql(stack.gatewayUrl, '{ crossCheckFindings(district: "330106", status: RESOLVED) { uscc rule { id } firstDetectedAt resolvedAt } }', {}, await bearer(keys, { agency: 'commerce' }));
    expect(resolved.data!.crossCheckFindings).toEqual([{ uscc: TRIPS.NO_INSURED_STAFF, rule: { id: 'NO_INSURED_STAFF' }, firstDetectedAt: expect.any(String), resolvedAt: expect.any(String) }]);
    // statistics sees no rule, so no count either.
    const blind = await graphql(stack.gatewayUrl, '{ crossCheckRuns(first: 1) { open new resolved byRule { rule } } }', {}, await bearer(keys, { agency: 'statistics' }));
    expect(blind.data!.crossCheckRuns).toEqual([{ open: 0, new: 0, resolved: 0, byRule: [] }]);
    // 商务局's admin runs it on demand; a reader may not.
    const RUN = 'mutation { runCrossCheck { open new resolved } }';
    const refused = await graphql(stack.gatewayUrl, RUN, {}, await bearer(keys, { agency: 'commerce' }));
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const ran = await graphql(stack.gatewayUrl, RUN, {}, await bearer(keys, { agency: 'commerce', roles: ['admin'] }));
    expect(ran.errors).toBeUndefined();
    expect(ran.data!.runCrossCheck).toEqual({ open: RULES.length, new: 0, resolved: 0 });
  });
});

describe('联动: a lead reaches the right department, moves through its states, and is chased when late', () => {
  const LEAD = `id type routedAgency routedDistrict copyToCommerce status feedback feedbackDue overdue reportedByAgency
    history { action fromStatus actorAgency actorDistrict note }`;
  const READ = `query($u: ID!) { operator(uscc: $u) { leads { ${LEAD} } } }`;
  const leadsOf = async (caller: Caller, uscc: string) => {
    const result = await graphql(stack.gatewayUrl, READ, { u: uscc }, await bearer(keys, caller));
    if (result.errors) console.error(JSON.stringify(result.errors));
    return (result.data?.operator?.leads ?? []) as Array<Record<string, any>>;
  };

  it('routes a VOC lead on a 西湖 operator to environment of 330106, copied to commerce of 330106, and nobody else', async () => {
    const association = await bearer(keys, { agency: 'association', roles: ['uploader'] });
    const reported = await graphql(stack.gatewayUrl, `mutation($input: LeadInput!) { reportLead(input: $input) { ${LEAD} } }`, {
      input: { uscc: CLEAN, district: XIHU, type: 'VOC', facts: '门店干洗机运行时有明显溶剂气味', evidence: '会员巡查记录及照片 3 张' },
    }, association);
    expect(reported.errors).toBeUndefined();
    const lead = reported.data!.reportLead;
    expect(lead).toMatchObject({ type: 'VOC', routedAgency: 'environment', routedDistrict: XIHU, copyToCommerce: true, status: 'REPORTED', reportedByAgency: 'association', overdue: false });
    expect(lead.history).toEqual([expect.objectContaining({ action: 'REPORTED', actorAgency: 'association' })]);

    const xihuEnvironment = { agency: 'environment' as const, level: 'district' as const, district: XIHU };
    expect((await leadsOf(xihuEnvironment, CLEAN)).map((l) => l.id)).toContain(lead.id);
    expect((await leadsOf({ agency: 'commerce', level: 'district', district: XIHU }, CLEAN)).map((l) => l.id)).toContain(lead.id);
    expect((await leadsOf({ agency: 'environment', level: 'district', district: BINJIANG }, CLEAN)).map((l) => l.id)).not.toContain(lead.id);
    expect((await leadsOf({ agency: 'market', level: 'district', district: XIHU }, CLEAN)).map((l) => l.id)).not.toContain(lead.id);

    // Only the department it is routed to may act on it.
    const act = (mutation: string, input: Record<string, unknown>, caller: Caller) =>
      bearer(keys, { ...caller, roles: ['uploader'] }).then((h) => graphql(stack.gatewayUrl, `mutation($input: ${mutation === 'closeLead' ? 'CloseLeadInput' : 'LeadActionInput'}!) { ${mutation}(input: $input) { ${LEAD} } }`, { input }, h));
    const wrong = await act('acceptLead', { id: lead.id }, { agency: 'environment', level: 'district', district: BINJIANG });
    expect(wrong.data?.acceptLead ?? null).toBeNull();
    expect(['FORBIDDEN', 'BAD_USER_INPUT']).toContain(wrong.errors?.[0]?.extensions?.code);
    const tooEarly = await act('closeLead', { id: lead.id, feedback: '已查处' }, xihuEnvironment);
    expect(tooEarly.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    expect((await act('acceptLead', { id: lead.id, note: '已受理' }, xihuEnvironment)).data!.acceptLead.status).toBe('ACCEPTED');
    expect((await act('startLeadInvestigation', { id: lead.id }, xihuEnvironment)).data!.startLeadInvestigation.status).toBe('INVESTIGATING');
    const closed = (await act('closeLead', { id: lead.id, feedback: '现场检查确认干洗机密闭性不足，已责令整改' }, xihuEnvironment)).data!.closeLead;
    expect(closed).toMatchObject({ status: 'CLOSED', feedback: '现场检查确认干洗机密闭性不足，已责令整改' });
    expect(closed.history.map((h: { action: string; fromStatus: string | null; actorAgency: string; actorDistrict: string | null }) => [h.action, h.fromStatus, h.actorAgency, h.actorDistrict])).toEqual([
      ['REPORTED', null, 'association', null],
      ['ACCEPTED', 'REPORTED', 'environment', XIHU],
      ['INVESTIGATING', 'ACCEPTED', 'environment', XIHU],
      ['CLOSED', 'INVESTIGATING', 'environment', XIHU],
    ]);
    // The reporter sees where it stands.
    const reporter = await graphql(stack.gatewayUrl, 'query($d: String) { leads(filter: { district: $d }) { nodes { id status feedback } } }', { d: XIHU }, await bearer(keys, { agency: 'association' }));
    expect(reporter.data!.leads.nodes.find((l: { id: string }) => l.id === lead.id)).toMatchObject({ status: 'CLOSED', feedback: closed.feedback });
  });

  it('lists a lead past its feedback deadline in commerce’s overdue list until it is closed', async () => {
    const association = await bearer(keys, { agency: 'association', roles: ['uploader'] });
    const reported = await graphql(stack.gatewayUrl, 'mutation($input: LeadInput!) { reportLead(input: $input) { id feedbackDue overdue } }', {
      input: { uscc: CLEAN, district: XIHU, type: 'PREPAID_CARD', facts: '预付卡余额拒不退还', evidence: '会员投诉记录', reportedOn: addDays(today, -40) },
    }, association);
    expect(reported.errors).toBeUndefined();
    expect(reported.data!.reportLead.overdue).toBe(true);
    const overdue = async () =>
      ((await graphql(stack.gatewayUrl, 'query($d: String) { overdueLeads(district: $d) { totalCount nodes { id routedAgency feedbackDue } } }', { d: XIHU }, await bearer(keys, { agency: 'commerce' }))).data!.overdueLeads.nodes as Array<{ id: string }>).map((n) => n.id);
    expect(await overdue()).toContain(reported.data!.reportLead.id);

    const market = await bearer(keys, { agency: 'market', level: 'district', district: XIHU, roles: ['uploader'] });
    await graphql(stack.gatewayUrl, 'mutation($input: LeadActionInput!) { acceptLead(input: $input) { id } }', { input: { id: reported.data!.reportLead.id } }, market);
    const closed = await graphql(stack.gatewayUrl, 'mutation($input: CloseLeadInput!) { closeLead(input: $input) { status } }', { input: { id: reported.data!.reportLead.id, feedback: '已责令退款' } }, market);
    expect(closed.data?.closeLead.status).toBe('CLOSED');
    expect(await overdue()).not.toContain(reported.data!.reportLead.id);
  });

  it('turns a finding into a lead in one mutation, reported in the caller’s name', async () => {
    const environment = await bearer(keys, { agency: 'environment', level: 'district', district: XIHU, roles: ['uploader'] });
    const findingId = `OPEN_MACHINE_IN_USE:${XIHU}:${TRIPS.OPEN_MACHINE_IN_USE}`;
    const result = await graphql(stack.gatewayUrl, 'mutation($id: ID!) { leadFromFinding(findingId: $id) { id type routedAgency routedDistrict reportedByAgency facts status } }', { id: findingId }, environment);
    expect(result.errors).toBeUndefined();
    expect(result.data!.leadFromFinding).toMatchObject({ type: 'VOC', routedAgency: 'environment', routedDistrict: XIHU, reportedByAgency: 'environment', status: 'REPORTED', facts: expect.stringContaining('OPEN_MACHINE_IN_USE') });
    // A finding the caller may not see does not exist for it.
    const hidden = await graphql(stack.gatewayUrl, 'mutation($id: ID!) { leadFromFinding(findingId: $id) { id } }', { id: `ARREARS_WITH_COMPLAINTS:${XIHU}:${TRIPS.ARREARS_WITH_COMPLAINTS}` }, environment);
    expect(hidden.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'findingId' });
  });
});
