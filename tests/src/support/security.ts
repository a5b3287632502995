import { randomUUID } from 'node:crypto';
import { generateGatewayKeys, loadCallerKeys, signCallerToken } from '@xiran/auth';
import type { Agency, Level, Role } from '@xiran/common';
import type { GatewaySecurity } from '@xiran/gateway/server';

export type TestKeys = Pick<GatewaySecurity, 'callerKeys' | 'gatewayKeys'>;

/** Real keys for a test stack: the HS256 dev secret for callers, a fresh ES256 pair for subgraphs. */
export async function testSecurity(): Promise<TestKeys> {
  return { callerKeys: await loadCallerKeys({}), gatewayKeys: await generateGatewayKeys() };
}

export interface Caller {
  agency: Agency;
  level?: Level;
  district?: string;
  roles?: Role[];
}

/** A signed caller token, as `npm run token` would print it. */
export async function tokenFor(security: TestKeys, caller: Caller): Promise<string> {
  return signCallerToken(
    {
      sub: `test-${caller.agency}-${randomUUID().slice(0, 8)}`,
      agency: caller.agency,
      level: caller.level ?? 'city',
      district: caller.level === 'district' ? caller.district! : null,
      roles: caller.roles ?? ['reader'],
    },
    security.callerKeys,
  );
}

export async function bearer(security: TestKeys, caller: Caller): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(security, caller)}` };
}
