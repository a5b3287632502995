import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGatewayKeys } from '@xiran/auth';
import { startTestDatabases, type ServiceDatabase, type TestDatabases } from '@xiran/subgraph-kit';
import type { HttpSubgraphName } from '@xiran/schema';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';
import { seedWorld } from '@xiran/tools/seed-world';
import { fullSelection } from './support/selection';

/**
 * Entity resolution is batched: one `_entities` fetch costs the same number of SQL statements
 * (one) whether it carries 1, 100 or 1,000 operators, with every Operator field of the subgraph.
 */
const OPERATORS = 1000;
let databases: TestDatabases;
const opened = {} as Record<HttpSubgraphName, ServiceDatabase>;
let usccs: string[] = [];

beforeAll(async () => {
  databases = await startTestDatabases();
  for (const module of SUBGRAPH_MODULES) opened[module.name] = await module.connect(databases.config(module.name).database);
  const world = await seedWorld(Object.fromEntries(Object.entries(opened).map(([n, d]) => [n, d.db])) as never, {
    operators: OPERATORS,
    asOf: '2026-11-01',
  });
  usccs = world.map((o) => o.uscc);
});

afterAll(async () => {
  for (const database of Object.values(opened)) await database.close();
  await databases?.close();
});

describe.each(SUBGRAPH_MODULES.map((m) => [m.name, m] as const))('%s subgraph', (name, module) => {
  it('resolves 1, 100 and 1,000 operators with one SQL statement per fetch', async () => {
    const server = module.create(opened[name], await generateGatewayKeys());
    const selection = fullSelection(server.schema, 'Operator');
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Operator { ${selection} } } }`;
    const counts: number[] = [];
    for (const n of [1, 100, 1000]) {
      const representations = usccs.slice(0, n).map((uscc) => ({ __typename: 'Operator', uscc }));
      const before = opened[name].statements.total;
      const result = await server.execute(query, { r: representations });
      expect(result.errors).toBeUndefined();
      const entities = (result.data as { _entities: Array<{ uscc: string } | null> })._entities;
      expect(entities).toHaveLength(n);
      expect(entities.every((e, i) => e?.uscc === representations[i]!.uscc)).toBe(true);
      counts.push(opened[name].statements.total - before);
    }
    expect(counts).toEqual([1, 1, 1]);
    await server.stop();
  });
});
