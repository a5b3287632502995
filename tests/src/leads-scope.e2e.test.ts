import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { addDays, todayInShanghai, uploadRecords, type TestDatabases, type Writer } from '@xiran/subgraph-kit';
import { completeUscc } from '@xiran/common';
import type { HttpSubgraphName } from '@xiran/schema';
import type { Stack } from '@xiran/tools/stack';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type Caller, type TestKeys } from './support/security';

/**
 * 限定知悉范围 of violation leads and of membership, through the gateway over HTTP: a lead's text
 * needs every group it cites, the association sees its own reports and the leads about its active
 * members, MEMBERS means ACTIVE and present in the latest member list, each widening of MEMBERS
 * scope is in the owners' accessLog, and a leads import never rewrites a regulator's feedback.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
const today = todayInShanghai();

/** The district under test, its active members and registered non-members (from the seed). */
let D: string;
let members: string[];
let nonMembers: string[];
/** Roles of the operators: M has the hrss lead, X is left out of a member list, Y stays, N / N2 are non-members. */
let M: string, X: string, Y: string, N: string, N2: string;
/** A fresh operator that trips PREPAID_CARD_RISK (prepaid-card complaints rising, in arrears). */
const P = completeUscc('91330106MA2DD0001');

const ARREARS = '停缴养老、医疗保险，欠费6个月；门店仍在大量发售储值卡。';

async function write(subgraph: HttpSubgraphName, dataset: string, records: Array<Record<string, unknown>>): Promise<void> {
  const module = SUBGRAPH_MODULES.find((m) => m.name === subgraph)!;
  const definition = module.intake.datasets.find((d) => d.name === dataset)!;
  const writer: Writer = { sub: 'test-world', agency: definition.department, level: 'city', district: null };
  await uploadRecords(stack.databases[subgraph].db, module.intake.intake, definition, records, writer);
}

const as = async (caller: Caller, query: string, variables: Record<string, unknown> = {}) => graphql(stack.gatewayUrl, query, variables, await bearer(keys, caller));

async function ok(caller: Caller, query: string, variables: Record<string, unknown> = {}) {
  const result = await as(caller, query, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!;
}

const REPORT = 'mutation($i: LeadInput!) { reportLead(input: $i) { id groups reportedByAgency routedAgency routedDistrict } }';
const report = (caller: Caller, input: Record<string, unknown>) => ok({ ...caller, roles: ['uploader'] }, REPORT, { i: { district: D, evidence: '单位缴费记录截图', ...input } }).then((d) => d.reportLead);

const LEADS = 'query($d: String) { leads(filter: { district: $d }, first: 1000) { nodes { id type routedAgency status reportedOn groups facts evidence } } }';
/** The caller's leads of D, with the errors of the answer. */
async function leadsOf(caller: Caller) {
  const result = await as(caller, LEADS, { d: D });
  const nodes = (result.data?.leads.nodes ?? []) as Array<{ id: string; type: string; routedAgency: string; status: string; reportedOn: string; groups: string[]; facts: string | null; evidence: string | null }>;
  return { nodes, errors: result.errors ?? [], ids: nodes.map((n) => n.id) };
}

/** The FORBIDDEN error at `path`, if any. */
const errorAt = (errors: Array<{ path?: (string | number)[]; extensions?: Record<string, unknown> }>, path: (string | number)[]) =>
  errors.find((e) => JSON.stringify(e.path) === JSON.stringify(path));

const association: Caller = { agency: 'association' };
const commerce: Caller = { agency: 'commerce' };
const market: Caller = { agency: 'market' };
const hrss: Caller = { agency: 'hrss' };

let hrssAboutMember: { id: string; groups: string[] };
let hrssAboutNonMember: { id: string };
let associationAboutNonMember: { id: string };

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(150));
  // The numbered district with the most active members, with registered non-members too.
  const rows = await stack.databases.association.db.execute<{ district: string }>(
    sql`select district from association.memberships where status = 'ACTIVE' and present and district ~ '^[0-9]+$' group by district order by count(*) desc, district limit 1`,
  );
  D = rows.rows[0]!.district;
  members = (await stack.databases.association.db.execute<{ uscc: string }>(sql`select uscc from association.memberships where district = ${D} and status = 'ACTIVE' and present order by uscc`)).rows.map((r) => r.uscc);
  const everMembers = new Set((await stack.databases.association.db.execute<{ uscc: string }>(sql`select uscc from association.memberships`)).rows.map((r) => r.uscc));
  const registered = (await stack.databases.registration.db.execute<{ uscc: string }>(sql`select uscc from registration.operators where district = ${D} and status = 'ACTIVE' order by uscc`)).rows.map((r) => r.uscc);
  nonMembers = registered.filter((u) => !everMembers.has(u));
  expect(members.length).toBeGreaterThanOrEqual(3);
  expect(nonMembers.length).toBeGreaterThanOrEqual(2);
  [M, X, Y] = members as [string, string, string];
  [N, N2] = nonMembers as [string, string];

  // Leads from two reporters: hrss cites its arrears data (about a member and about a non-member),
  // the association reports what it saw about a non-member.
  hrssAboutMember = await report(hrss, { uscc: M, type: 'PREPAID_CARD', facts: ARREARS });
  hrssAboutNonMember = await report(hrss, { uscc: N, type: 'PREPAID_CARD', facts: ARREARS });
  associationAboutNonMember = await report(association, { uscc: N, type: 'CONSUMER_RIGHTS', facts: '消费者反映送洗衣物丢失，门店拒绝赔偿。', evidence: '协会调解记录' });
});

afterAll(() => stopTestStack({ stack, databases }));

describe('who sees a lead', () => {
  it('the association sees its own reports and the leads about its active members, nothing else', async () => {
    const mine = await leadsOf(association);
    expect(mine.ids).toContain(associationAboutNonMember.id);
    expect(mine.ids).toContain(hrssAboutMember.id);
    expect(mine.ids).not.toContain(hrssAboutNonMember.id);
    // 商务局 (FULL) sees all three.
    const all = await leadsOf(commerce);
    expect(all.ids).toEqual(expect.arrayContaining([associationAboutNonMember.id, hrssAboutMember.id, hrssAboutNonMember.id]));
  });

  it('a MEMBERS grant on leads opens the leads about active members only, never all leads', async () => {
    const admin: Caller = { agency: 'association', roles: ['admin'] };
    const granted = await ok(admin, 'mutation { grantAccess(input: { group: "leads", grantee: "ndrc", scope: MEMBERS, purpose: "会员经营者线索核查 (test)" }) { id } }');
    try {
      const ndrc = await leadsOf({ agency: 'ndrc' });
      expect(ndrc.ids).toContain(hrssAboutMember.id);
      expect(ndrc.ids).not.toContain(hrssAboutNonMember.id);
      expect(ndrc.ids).not.toContain(associationAboutNonMember.id);
      // ndrc holds socialInsuranceStatus in full: the lead's text is open to it for a member.
      expect(ndrc.nodes.find((n) => n.id === hrssAboutMember.id)?.facts).toBe(ARREARS);
    } finally {
      await ok(admin, 'mutation($id: ID!) { revokeGrant(id: $id, reason: "test over") { id } }', { id: granted.grantAccess.id });
    }
  });
});

describe('a lead carries its groups: facts and evidence need every one of them', () => {
  it('an hrss arrears lead: commerce and hrss read its facts; the market handler and the association get null and FORBIDDEN', async () => {
    expect(hrssAboutMember).toMatchObject({ groups: ['socialInsuranceStatus'], reportedByAgency: 'hrss', routedAgency: 'market', routedDistrict: D });
    for (const caller of [commerce, hrss]) {
      const { nodes, errors } = await leadsOf(caller);
      const lead = nodes.find((n) => n.id === hrssAboutMember.id)!;
      expect(lead, caller.agency).toMatchObject({ facts: ARREARS, evidence: '单位缴费记录截图', groups: ['socialInsuranceStatus'] });
      expect(errors.filter((e) => e.path?.[2] === nodes.indexOf(lead)), caller.agency).toEqual([]);
    }
    for (const caller of [market, association]) {
      const { nodes, errors } = await leadsOf(caller);
      const index = nodes.findIndex((n) => n.id === hrssAboutMember.id);
      expect(index, caller.agency).toBeGreaterThanOrEqual(0);
      // Type, routing, status and dates still come back; the text does not.
      expect(nodes[index], caller.agency).toMatchObject({ type: 'PREPAID_CARD', routedAgency: 'market', status: 'REPORTED', reportedOn: today, groups: ['socialInsuranceStatus'], facts: null, evidence: null });
      for (const field of ['facts', 'evidence']) {
        const error = errorAt(errors, ['leads', 'nodes', index, field]);
        expect(error?.extensions, `${caller.agency} ${field}`).toMatchObject({ code: 'FORBIDDEN', group: 'socialInsuranceStatus', groups: ['socialInsuranceStatus'] });
      }
    }
  });

  it('withholds the text the same way through Operator.leads (an entity fetch)', async () => {
    const read = async (caller: Caller) => as(caller, 'query($u: ID!) { operator(uscc: $u) { leads { id facts } } }', { u: M });
    const granted = await read(commerce);
    expect((granted.data!.operator.leads as Array<{ id: string; facts: string }>).find((l) => l.id === hrssAboutMember.id)?.facts).toBe(ARREARS);
    const refused = await read(market);
    const leads = refused.data!.operator.leads as Array<{ id: string; facts: string | null }>;
    const index = leads.findIndex((l) => l.id === hrssAboutMember.id);
    expect(leads[index]!.facts).toBeNull();
    expect(errorAt(refused.errors ?? [], ['operator', 'leads', index, 'facts'])?.extensions).toMatchObject({ code: 'FORBIDDEN', group: 'socialInsuranceStatus' });
  });

  it('the audit entry of a read lead names the groups its text repeats; a withheld text names none', async () => {
    const entryOf = async (caller: Caller) => {
      const operationName = `LeadText${caller.agency}${Date.now()}`;
      await as(caller, `query ${operationName}($u: ID!) { operator(uscc: $u) { leads { id facts } } }`, { u: M });
      await stack.audit.drain();
      const rows = await stack.gatewayDatabase.db.execute<{ disclosed: Array<{ group: string; operators: string[] }> }>(
        sql`select disclosed from gateway.audit_log where operation_name = ${operationName}`,
      );
      expect(rows.rows).toHaveLength(1);
      return rows.rows[0]!.disclosed;
    };
    // commerce read the arrears facts: hrss's group is in the entry, with the operator.
    expect((await entryOf(commerce)).find((d) => d.group === 'socialInsuranceStatus')?.operators).toEqual([M]);
    // market got null: nothing of socialInsuranceStatus was disclosed to it.
    expect((await entryOf(market)).find((d) => d.group === 'socialInsuranceStatus')).toBeUndefined();
  });

  it('the association reads what it reported itself', async () => {
    const { nodes } = await leadsOf(association);
    expect(nodes.find((n) => n.id === associationAboutNonMember.id)).toMatchObject({ facts: '消费者反映送洗衣物丢失，门店拒绝赔偿。', groups: ['leads'] });
  });

  it('a lead made from a finding carries the rule’s groups: the market handler lacking socialInsuranceStatus gets null', async () => {
    const period = today.slice(0, 7);
    let serial = 0;
    const ticket = (daysAgo: number) => {
      const received = addDays(today, -daysAgo);
      return {
        id: `12345-${received.slice(0, 4)}-${String(8_000_000 + ++serial)}`, channel: 'HOTLINE_12345', receivedOn: received, category: 'PREPAID_CARD', status: 'RECEIVED', handlingAgency: 'market',
        handlingDistrict: D, dueOn: addDays(received, 15), closedOn: null, satisfaction: null, respondentName: '某洗衣店', uscc: P, district: D, text: '预付卡余额无法使用（已脱敏）。',
      };
    };
    await write('complaints', 'complaints', [ticket(2), ticket(9)]);
    await write('social-insurance', 'insurance-status', [{ uscc: P, district: D, type: 'PENSION', paymentStatus: 'PAYING', arrearsMonths: 2, lastPaidPeriod: null, asOfPeriod: period }]);

    const findingId = `PREPAID_CARD_RISK:${D}:${P}`;
    const made = await ok({ ...commerce, roles: ['uploader'] }, 'mutation($id: ID!) { leadFromFinding(findingId: $id) { id groups routedAgency facts } }', { id: findingId });
    expect(made.leadFromFinding).toMatchObject({ groups: ['socialInsuranceStatus', 'complaintSummary'], routedAgency: 'market', facts: expect.stringContaining('PREPAID_CARD_RISK') });

    const handler = await leadsOf(market);
    const index = handler.nodes.findIndex((n) => n.id === made.leadFromFinding.id);
    expect(handler.nodes[index]).toMatchObject({ type: 'PREPAID_CARD', groups: ['socialInsuranceStatus', 'complaintSummary'], facts: null });
    expect(errorAt(handler.errors, ['leads', 'nodes', index, 'facts'])?.extensions).toMatchObject({ code: 'FORBIDDEN', groups: ['socialInsuranceStatus'] });
    const hrssView = await leadsOf(hrss);
    // hrss is not the handler here and holds no grant on leads beyond its own: it does not see it at all.
    expect(hrssView.ids).not.toContain(made.leadFromFinding.id);
  });

  it('refuses a report citing a group its reporter holds no grant of', async () => {
    const refused = await as({ agency: 'market', roles: ['uploader'] }, REPORT, { i: { uscc: M, district: D, type: 'PRICE', facts: '价格', evidence: '小票', groups: ['socialInsuranceStatus'] } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'input.groups[0]' });
    const hrssHeadcount = await report(hrss, { uscc: M, type: 'SOCIAL_INSURANCE', facts: '参保人数由6-20人降至1-5人，欠费3个月。', groups: ['insuredHeadcount'] });
    expect(hrssHeadcount.groups).toEqual(['socialInsuranceStatus', 'insuredHeadcount']);
  });
});

describe('a leads import changes only the association’s own columns', () => {
  const HEADER = 'id,uscc,district,type,facts,evidence,routed_agency,routed_district,copy_to_commerce,reported_on,feedback_due,status,feedback,feedback_on';
  const importLeads = (csv: string) =>
    as({ agency: 'association', roles: ['uploader'] }, 'mutation($i: ImportInput!) { importAssociationData(input: $i) { accepted changedRows newRows errors { line column reason } } }', {
      i: { dataset: 'leads', fileName: 'leads.csv', contentBase64: Buffer.from(csv).toString('base64') },
    });

  it('keeps the regulator’s feedback of a closed lead, and takes the association’s corrected facts', async () => {
    const lead = await report(association, { uscc: Y, type: 'PRICE', facts: '未明码标价。', evidence: '价目表照片' });
    const marketUploader: Caller = { agency: 'market', level: 'district', district: D, roles: ['uploader'] };
    await ok(marketUploader, 'mutation($i: LeadActionInput!) { acceptLead(input: $i) { id } }', { i: { id: lead.id } });
    await ok(marketUploader, 'mutation($i: CloseLeadInput!) { closeLead(input: $i) { id } }', { i: { id: lead.id, feedback: '已责令明码标价，当事人已整改。' } });

    const forged = `${HEADER}\n${lead.id},${Y},${D},PRICE,未明码标价，价目表与实收不符。,价目表照片,environment,${D},false,${today},${addDays(today, 30)},CLOSED,经核查未发现问题。,${today}\n`;
    const imported = await importLeads(forged);
    expect(imported.errors).toBeUndefined();
    expect(imported.data!.importAssociationData).toMatchObject({ accepted: true, changedRows: 1 });
    const stored = await ok(commerce, 'query($u: ID!) { operator(uscc: $u) { leads { id facts status feedback feedbackOn routedAgency copyToCommerce } } }', { u: Y });
    expect(stored.operator.leads.find((l: { id: string }) => l.id === lead.id)).toEqual({
      id: lead.id,
      facts: '未明码标价，价目表与实收不符。',
      status: 'CLOSED',
      feedback: '已责令明码标价，当事人已整改。',
      feedbackOn: today,
      routedAgency: 'market',
      copyToCommerce: true,
    });
  });

  it('refuses a line rewriting another agency’s lead, and writes nothing', async () => {
    const line = `${hrssAboutMember.id},${M},${D},PREPAID_CARD,无异常。,无,market,${D},true,${today},${addDays(today, 30)},REPORTED,,`;
    const refused = await importLeads(`${HEADER}\n${line}\n`);
    expect(refused.data!.importAssociationData.accepted).toBe(false);
    expect(refused.data!.importAssociationData.errors).toEqual([expect.objectContaining({ line: 2, column: 'id' })]);
    const { nodes } = await leadsOf(commerce);
    expect(nodes.find((n) => n.id === hrssAboutMember.id)?.facts).toBe(ARREARS);
  });
});

describe('membership is scope', () => {
  const LOG = 'query($g: String!) { accessLog(group: $g, first: 50) { nodes { kind sub agency disclosed { group grant operators } } } }';
  const scopeChanges = async (caller: Caller, group: string) =>
    ((await ok(caller, LOG, { g: group })).accessLog.nodes as Array<{ kind: string; sub: string; agency: string | null; disclosed: Array<{ group: string; grant: string; operators: string[] }> }>).filter(
      (e) => e.kind === 'SCOPE_CHANGE',
    );
  const nameAs = async (caller: Caller, uscc: string) => (await as(caller, 'query($u: ID!) { operator(uscc: $u) { name } }', { u: uscc })).data?.operator?.name ?? null;
  const MEMBERSHIP = 'mutation($i: MembershipInput!) { recordMembership(input: $i) { status present } }';

  it('an admission is a SCOPE_CHANGE entry in the accessLog of each owner whose MEMBERS grant it widens, and opens the member at once', async () => {
    expect(await nameAs(association, N2)).toBeNull();
    await ok({ agency: 'association', roles: ['uploader'] }, MEMBERSHIP, { i: { uscc: N2, district: D, memberNumber: 'HZXR-2026-77001', since: today, status: 'ACTIVE' } });
    expect(await nameAs(association, N2)).toEqual(expect.any(String));

    // Each owner sees the entry with its own groups' parts: one per MEMBERS grant on them.
    const widened = { market: ['registration', 'outlets'], environment: ['emissionSummary', 'penalties'], petition: ['complaintSummary'] } as const;
    for (const [owner, groups] of Object.entries(widened) as Array<[Caller['agency'], readonly string[]]>) {
      for (const group of groups) {
        const admission = (await scopeChanges({ agency: owner }, group)).find((e) => e.disclosed.some((d) => d.operators.includes(N2)));
        expect(admission, `${owner} ${group}`).toBeDefined();
        expect(admission!.disclosed, `${owner} ${group}`).toEqual(expect.arrayContaining(groups.map((g) => ({ group: g, grant: `default:${g}:association`, operators: [N2] }))));
        expect(admission!.disclosed).toHaveLength(groups.length);
        expect(admission!.agency).toBeNull();
      }
    }
    // No MEMBERS grant exists on hrss's groups: its log has no such entry.
    expect(await scopeChanges(hrss, 'socialInsuranceStatus')).toEqual([]);
  });

  it('a member left out of a full member list drops out of MEMBERS scope; listed again, it is back, recorded', async () => {
    expect(await nameAs(association, X)).toEqual(expect.any(String));
    expect(await nameAs(association, Y)).toEqual(expect.any(String));
    const rows = await stack.databases.association.db.execute<Record<string, string | null>>(sql`
      select uscc, district, member_number, since::text, status, grade, grade_valid_from::text, grade_valid_to::text
      from association.memberships where district = ${D} and present order by uscc`);
    const header = 'uscc,district,member_number,since,status,grade,grade_valid_from,grade_valid_to';
    const line = (r: Record<string, string | null>) => [r.uscc, r.district, r.member_number, r.since, r.status, r.grade ?? '', r.grade_valid_from ?? '', r.grade_valid_to ?? ''].join(',');
    const importMembers = (lines: string[]) =>
      ok({ agency: 'association', level: 'district', district: D, roles: ['uploader'] }, 'mutation($i: ImportInput!) { importAssociationData(input: $i) { accepted absentRows changedRows errors { line reason } } }', {
        i: { dataset: 'memberships', fileName: 'members.csv', contentBase64: Buffer.from(`${header}\n${lines.join('\n')}\n`).toString('base64') },
      });
    const before = (await scopeChanges({ agency: 'market' }, 'registration')).length;

    const without = await importMembers(rows.rows.filter((r) => r.uscc !== X).map(line));
    expect(without.importAssociationData).toMatchObject({ accepted: true, absentRows: 1 });
    // Still ACTIVE in its row, but no longer on the list: no member for MEMBERS scope.
    expect(await nameAs(association, X)).toBeNull();
    expect(await nameAs(association, Y)).toEqual(expect.any(String));
    // A narrowing is not a widening: nothing new in the owners' logs.
    expect((await scopeChanges({ agency: 'market' }, 'registration')).length).toBe(before);

    const back = await importMembers(rows.rows.map(line));
    expect(back.importAssociationData).toMatchObject({ accepted: true, changedRows: 1 });
    expect(await nameAs(association, X)).toEqual(expect.any(String));
    const entries = await scopeChanges({ agency: 'market' }, 'registration');
    expect(entries.length).toBe(before + 1);
    expect(entries[0]!.disclosed).toContainEqual({ group: 'registration', grant: 'default:registration:association', operators: [X] });
  });

  it('the association no longer sees another agency’s leads about an operator that is no longer a member', async () => {
    const lead = await report(hrss, { uscc: X, type: 'PRICE', facts: ARREARS });
    expect((await leadsOf(association)).ids).toContain(lead.id);
    await ok({ agency: 'association', roles: ['uploader'] }, MEMBERSHIP, {
      i: { uscc: X, district: D, memberNumber: (await stack.databases.association.db.execute<{ n: string }>(sql`select member_number as n from association.memberships where uscc = ${X}`)).rows[0]!.n, since: '2020-01-01', status: 'LAPSED' },
    });
    expect((await leadsOf(association)).ids).not.toContain(lead.id);
    expect((await leadsOf(commerce)).ids).toContain(lead.id);
  });
});
