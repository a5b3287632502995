import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type Caller, type TestKeys } from './support/security';

/**
 * 限定知悉范围 for derived values (issue 10), through the gateway over HTTP: each leak of the issue
 * with both sides, the caller holding every source group and a caller lacking one.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;

beforeAll(async () => {
  ({ stack, keys, databases } = await startTestStack(1500));
});

afterAll(() => stopTestStack({ stack, databases }));

async function ask(caller: Caller, query: string, variables: Record<string, unknown> = {}) {
  return graphql(stack.gatewayUrl, query, variables, await bearer(keys, caller));
}

const LOG = `query($group: String!, $agency: String, $uscc: ID) { accessLog(group: $group, agency: $agency, uscc: $uscc, first: 5) {
  nodes { agency disclosed { group operators } } } }`;

const forbiddenAt = (result: { errors?: Array<{ path?: unknown; extensions?: Record<string, unknown> }> }, path: unknown[]) =>
  (result.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN' && JSON.stringify(e.path) === JSON.stringify(path));

/** The group whose facts a reason states, from its wording (the emissions subgraph's reasons). */
function groupOfReason(reason: string): string {
  if (/open machine|EIA/.test(reason)) return 'machinesAndPermits';
  if (/inspection|rectification/.test(reason)) return 'inspections';
  if (/penalty/.test(reason)) return 'penalties';
  throw new Error(`A reason of no known group: ${reason}`);
}

describe('EmissionSummary.reasons: the parts of the groups the caller holds', () => {
  const QUERY = 'query($u: ID!) { operator(uscc: $u) { uscc emissionSummary { compliant reasons } } }';
  let subject = '';
  let full: string[] = [];

  beforeAll(async () => {
    // An operator with reasons of at least two groups, one of them a penalty's.
    const candidates = await stack.databases.emissions.db.execute(sql`select distinct uscc from emissions.penalties where publicity_until >= current_date`);
    for (const row of candidates.rows) {
      const uscc = String(row.uscc);
      const result = await ask({ agency: 'environment' }, QUERY, { u: uscc });
      const reasons: string[] = result.data?.operator?.emissionSummary?.reasons ?? [];
      if (new Set(reasons.map(groupOfReason)).size >= 2) {
        subject = uscc;
        full = reasons;
        break;
      }
    }
    expect(subject, 'an operator whose reasons come from two groups').not.toBe('');
  });

  it('the owner and a caller holding every source group (commerce) get every reason, with no error', async () => {
    for (const agency of ['environment', 'commerce'] as const) {
      const result = await ask({ agency }, QUERY, { u: subject });
      expect(result.errors ?? [], agency).toEqual([]);
      expect(result.data?.operator.emissionSummary.reasons, agency).toEqual(full);
    }
  });

  it('petition (emissionSummary and penalties, not machines or inspections) gets the penalty reasons and a FORBIDDEN naming the withheld groups', async () => {
    const result = await ask({ agency: 'petition' }, QUERY, { u: subject });
    const summary = result.data?.operator.emissionSummary;
    expect(summary.compliant).toBe(false);
    expect(summary.reasons).toEqual(full.filter((r) => groupOfReason(r) === 'penalties'));
    expect(summary.reasons.length).toBeLessThan(full.length);
    expect(summary.reasons.some((r: string) => /machine|inspection|rectification/.test(r))).toBe(false);
    const errors = forbiddenAt(result, ['operator', 'emissionSummary', 'reasons']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'EmissionSummary.reasons', withheldGroups: ['machinesAndPermits', 'inspections'] });
  });

  it('the FORBIDDEN is there for a compliant operator too, so that its presence tells nothing', async () => {
    const clean = await stack.databases.emissions.db.execute(sql`select uscc from emissions.machines m where not exists (select 1 from emissions.penalties p where p.uscc = m.uscc) and not exists (select 1 from emissions.inspections i where i.uscc = m.uscc and i.result <> 'PASS') and m.enclosure = 'FULLY_ENCLOSED' limit 20`);
    for (const row of clean.rows) {
      const owner = await ask({ agency: 'environment' }, QUERY, { u: row.uscc });
      if (owner.data?.operator?.emissionSummary?.compliant !== true) continue;
      const result = await ask({ agency: 'petition' }, QUERY, { u: row.uscc });
      expect(result.data?.operator.emissionSummary).toEqual({ compliant: true, reasons: [] });
      expect(forbiddenAt(result, ['operator', 'emissionSummary', 'reasons'])).toHaveLength(1);
      return;
    }
    throw new Error('no compliant operator in the seed');
  });

  it("the audit trail records the groups petition's reasons disclosed (penalties), not those withheld", async () => {
    const read = await ask({ agency: 'petition' }, QUERY, { u: subject });
    expect(read.data?.operator.emissionSummary.reasons.length).toBeGreaterThan(0);
    const log = await ask({ agency: 'environment' }, LOG, { group: 'emissionSummary', agency: 'petition', uscc: subject });
    const latest = log.data?.accessLog.nodes[0] as { disclosed: Array<{ group: string; operators: string[] }> };
    expect(latest.disclosed.map((d) => d.group).sort()).toEqual(['emissionSummary', 'penalties']);
    expect(latest.disclosed.find((d) => d.group === 'penalties')?.operators).toEqual([subject]);
  });

  it('hrss (no emissionSummary) gets null and FORBIDDEN', async () => {
    const result = await ask({ agency: 'hrss' }, QUERY, { u: subject });
    expect(result.data?.operator.emissionSummary).toBeNull();
    expect(forbiddenAt(result, ['operator', 'emissionSummary'])[0]?.extensions?.group).toBe('emissionSummary');
  });
});

describe('RegistrationDistrictStatistics.openOutlets counts outlets: it needs the outlets group', () => {
  const QUERY = '{ registrationStatistics { district operators openOutlets } }';

  it("a caller holding registration and outlets gets each district's own open outlets (not the city's total in every row)", async () => {
    const result = await ask({ agency: 'statistics' }, QUERY);
    expect(result.errors ?? []).toEqual([]);
    const counts = await stack.databases.registration.db.execute(sql`select district, count(*)::int as n from registration.outlets where status = 'OPEN' group by district`);
    const expected = new Map(counts.rows.map((r) => [String(r.district), Number(r.n)]));
    const rows = result.data?.registrationStatistics as Array<{ district: string; openOutlets: number }>;
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.openOutlets, row.district).toBe(expected.get(row.district) ?? 0);
    expect(new Set(rows.map((r) => r.openOutlets)).size).toBeGreaterThan(1);
  });

  it('a read of openOutlets is a read of the outlets group in the audit trail, which its owner sees', async () => {
    await ask({ agency: 'statistics' }, QUERY);
    const log = await ask({ agency: 'market' }, LOG, { group: 'outlets', agency: 'statistics' });
    expect(log.data?.accessLog.nodes[0].disclosed.map((d: { group: string }) => d.group)).toContain('outlets');
  });

  it('hrss (registration, no outlets) gets the operator counts and null + FORBIDDEN naming outlets', async () => {
    const result = await ask({ agency: 'hrss' }, QUERY);
    const rows = result.data?.registrationStatistics as Array<{ operators: number; openOutlets: number | null }>;
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.every((r) => r.operators > 0 && r.openOutlets === null)).toBe(true);
    const errors = (result.errors ?? []).filter((e) => e.extensions?.coordinate === 'RegistrationDistrictStatistics.openOutlets');
    expect(errors.map((e) => [e.extensions?.code, e.extensions?.group])).toEqual([['FORBIDDEN', 'outlets']]);
  });
});

describe('complaint windows: calendar months or quarters for a caller without the tickets', () => {
  const TALLIES = 'query($d: String!, $from: Date!, $to: Date) { complainedOperators(district: $d, from: $from, to: $to) { uscc tickets } }';
  const STATS = 'query($from: Date, $to: Date) { complaintStatistics(from: $from, to: $to) { district tickets byCategory { category count } byStatus { status count } } }';
  let district = '';
  let month = { from: '', to: '' };

  beforeAll(async () => {
    // The last ended calendar month, and a district with tickets in it.
    const now = new Date(Date.now() + 8 * 3600_000);
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
    month = { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
    const busiest = await stack.databases.complaints.db.execute(
      sql`select district from complaints.tickets where uscc is not null and received_on between ${month.from}::date and ${month.to}::date group by district order by count(*) desc limit 1`,
    );
    district = String(busiest.rows[0]!.district);
  });

  it('commerce (complaintTickets in full) chooses any window', async () => {
    const result = await ask({ agency: 'commerce' }, TALLIES, { d: district, from: '2026-01-07', to: '2026-02-13' });
    expect(result.errors ?? []).toEqual([]);
    expect(Array.isArray(result.data?.complainedOperators)).toBe(true);
  });

  it('market (complaintSummary, tickets only as handler) is refused an arbitrary window and answered a calendar month', async () => {
    for (const window of [{ from: '2026-01-07', to: '2026-02-13' }, { from: month.from, to: null }, { from: month.from, to: month.to.replace(/\d\d$/, '20') }]) {
      const refused = await ask({ agency: 'market' }, TALLIES, { d: district, ...window });
      expect(refused.errors?.map((e) => e.extensions?.code), JSON.stringify(window)).toEqual(['BAD_USER_INPUT']);
    }
    const answered = await ask({ agency: 'market' }, TALLIES, { d: district, ...month });
    expect(answered.errors ?? []).toEqual([]);
    const owner = await ask({ agency: 'petition' }, TALLIES, { d: district, ...month });
    expect(answered.data?.complainedOperators).toEqual(owner.data?.complainedOperators);
    expect(answered.data?.complainedOperators.length).toBeGreaterThan(0);
  });

  it('statistics (AGGREGATE) counts over a month or a quarter, never over arbitrary dates, and no single suppressed cell can be recovered from the total', async () => {
    const refused = await ask({ agency: 'statistics' }, STATS, { from: '2026-01-07', to: '2026-02-13' });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const byDefault = await ask({ agency: 'statistics' }, STATS);
    expect(byDefault.errors ?? []).toEqual([]);
    const answered = await ask({ agency: 'statistics' }, STATS, month);
    expect(answered.errors ?? []).toEqual([]);
    const rows = answered.data?.complaintStatistics as Array<{ tickets: number | null; byCategory: Array<{ count: number | null }>; byStatus: Array<{ count: number | null }> }>;
    expect(rows.length).toBeGreaterThan(0);
    let suppressed = 0;
    for (const row of rows) {
      if (row.tickets === null) continue;
      for (const cells of [row.byCategory, row.byStatus]) {
        const nulls = cells.filter((c) => c.count === null).length;
        suppressed += nulls;
        expect(nulls).not.toBe(1);
      }
    }
    expect(suppressed).toBeGreaterThan(0);
  });
});

describe('emission statistics: complementary suppression of the compliant operators', () => {
  it('an AGGREGATE caller sees compliantOperators only when neither it nor operators − it is under 3', async () => {
    const QUERY = '{ emissionStatistics { district operators compliantOperators } }';
    const owner = new Map(((await ask({ agency: 'environment' }, QUERY)).data?.emissionStatistics as Array<{ district: string; operators: number; compliantOperators: number }>).map((r) => [r.district, r]));
    const result = await ask({ agency: 'statistics' }, QUERY);
    expect(result.errors ?? []).toEqual([]);
    for (const row of result.data?.emissionStatistics as Array<{ district: string; operators: number | null; compliantOperators: number | null }>) {
      const truth = owner.get(row.district)!;
      const hidden = truth.operators < 3 || truth.compliantOperators < 3 || truth.operators - truth.compliantOperators < 3;
      expect(row.compliantOperators, row.district).toBe(hidden ? null : truth.compliantOperators);
    }
  });
});

describe('authorizationCatalogue shows what derived coordinates reveal', () => {
  it('lists each derived coordinate with its group and the groups it reveals', async () => {
    const result = await ask({ agency: 'hrss' }, '{ authorizationCatalogue { derived { coordinate group reveals parts perRow } groups { id summarises } } }');
    expect(result.errors ?? []).toEqual([]);
    const derived = result.data?.authorizationCatalogue.derived as Array<{ coordinate: string }>;
    expect(derived).toContainEqual({ coordinate: 'EmissionSummary.reasons', group: 'emissionSummary', reveals: ['machinesAndPermits', 'inspections', 'penalties'], parts: true, perRow: null });
    expect(derived).toContainEqual({ coordinate: 'RegistrationDistrictStatistics.openOutlets', group: 'registration', reveals: ['outlets'], parts: false, perRow: null });
    expect(derived).toContainEqual(expect.objectContaining({ coordinate: 'Finding.facts', group: null, reveals: [] }));
    const groups = result.data?.authorizationCatalogue.groups as Array<{ id: string; summarises: string[] }>;
    expect(groups.find((g) => g.id === 'complaintSummary')?.summarises).toEqual(['complaintTickets']);
  });
});
