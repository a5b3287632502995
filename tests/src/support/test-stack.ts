import { startTestDatabases, type TestDatabases } from '@xiran/subgraph-kit';
import type { GatewayLimits } from '@xiran/gateway/config';
import { startStack, type Stack } from '@xiran/tools/stack';
import { today } from '@xiran/tools/seed-world';
import { testSecurity, type TestKeys } from './security';

export interface TestStack {
  stack: Stack;
  keys: TestKeys;
  databases: TestDatabases;
}

/**
 * The whole platform for an end-to-end test file: fresh databases (PostgreSQL with DATABASE_URL,
 * else in-memory PGlite), real keys, the five subgraphs and the gateway on free ports over HTTP,
 * seeded with `operators` as of today.
 */
export async function startTestStack(operators: number, options: { limits?: GatewayLimits } = {}): Promise<TestStack> {
  const databases = await startTestDatabases();
  const keys = await testSecurity();
  const stack = await startStack({
    keys,
    databaseTarget: (name) => databases.config(name).database,
    gatewayPort: 0,
    subgraphPort: () => 0,
    seedIfEmpty: operators,
    seedAsOf: today(),
    limits: options.limits,
  });
  return { stack, keys, databases };
}

export async function stopTestStack(test: Partial<TestStack> | undefined): Promise<void> {
  await test?.stack?.stop();
  await test?.databases?.close();
}
