import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';

/** The whole platform over real HTTP: five subgraphs and the gateway, each on its own port. */
let databases: TestDatabases;
let stack: Stack;
let security: TestKeys;
/** Commerce leads the mechanism and holds a grant on every group but the complainants' identity. */
let commerce: Record<string, string>;

beforeAll(async () => {
  ({ stack, keys: security, databases } = await startTestStack(400));
  commerce = await bearer(security, { agency: 'commerce' });
});

afterAll(() => stopTestStack({ stack, databases }));

const OPERATOR_FIELDS = `
  uscc name status district districtName
  outlets { id type location { lng lat } machines { id solvent enclosure } }
  emissionSummary { compliant reasons solvents machineCount enclosedShare }
  machines { id solvent }
  socialInsuranceStatus { inArrears maxArrearsMonths insurances { type paymentStatus } }
  insuredHeadcount { band }
  complaintSummary { total open byCategory { category count } }
  complaints { id category status }
  membership { memberNumber status }
  creditGrade { grade }
`;

describe('the federated graph', () => {
  it('serves one operator with data from all five departments, as each department stored it', async () => {
    const page = await graphql(stack.gatewayUrl, `{ operators(first: 400) { totalCount nodes { ${OPERATOR_FIELDS} } } }`, {}, commerce);
    expect(page.errors).toBeUndefined();
    const nodes = page.data!.operators.nodes as any[];
    expect(page.data!.operators.totalCount).toBe(400);
    const full = nodes.find(
      (n) => n.emissionSummary && n.machines.length > 0 && n.socialInsuranceStatus && n.insuredHeadcount && n.complaints.length > 0 && n.membership && n.creditGrade,
    );
    expect(full, 'an operator known to every department').toBeDefined();

    const one = await graphql(stack.gatewayUrl, `query($u: ID!) { operator(uscc: $u) { ${OPERATOR_FIELDS} } }`, { u: full.uscc }, commerce);
    expect(one.errors).toBeUndefined();
    const op = one.data!.operator;
    expect(op).toEqual(full);

    // Each department's values are the ones in its own database.
    const count = async (name: keyof Stack['databases'], query: ReturnType<typeof sql>) =>
      Number((await stack.databases[name].db.execute(query)).rows[0]!.n);
    expect(op.outlets).toHaveLength(await count('registration', sql`select count(*) as n from registration.outlets where uscc = ${op.uscc}`));
    expect(op.machines).toHaveLength(await count('emissions', sql`select count(*) as n from emissions.machines where uscc = ${op.uscc}`));
    expect(op.complaints).toHaveLength(await count('complaints', sql`select count(*) as n from complaints.tickets where uscc = ${op.uscc}`));
    expect(op.socialInsuranceStatus.insurances.length).toBeGreaterThan(0);
    expect(op.outlets.flatMap((o: any) => o.machines).length).toBe(op.machines.length);
  });

  it('answers BAD_USER_INPUT through the gateway, never a stack trace', async () => {
    for (const query of [
      '{ operator(uscc: "NOT-A-CODE") { name } }',
      '{ operators(first: 1001) { totalCount } }',
      '{ operators(filter: { district: "330103" }) { totalCount } }',
    ]) {
      const result = await graphql(stack.gatewayUrl, query, {}, commerce);
      expect(result.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result)).not.toMatch(/stacktrace|at .*\.ts/);
    }
  });

  it('reports health and serves the offline IDE from installed packages', async () => {
    const health = await fetch(stack.gatewayUrl.replace(/graphql$/, 'health'));
    expect(health.status).toBe(200);
    expect(((await health.json()) as any).subgraphs).toEqual({
      registration: 'ok',
      emissions: 'ok',
      'social-insurance': 'ok',
      complaints: 'ok',
      association: 'ok',
    });
    const page = await fetch(stack.gatewayUrl.replace(/graphql$/, 'graphiql'));
    expect(await page.text()).toContain('graphiql/graphiql.js');
    const asset = await fetch(stack.gatewayUrl.replace(/graphql$/, 'graphiql/graphiql.js'));
    expect(asset.status).toBe(200);
    const sandbox = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(await sandbox.text()).toContain('embeddable-sandbox');
  });
});
