import { randomUUID } from 'node:crypto';
import {
  generateGatewayKeys,
  loadCallerKeys,
  signCallerToken,
  StaticGrantSource,
  type Agency,
  type GrantSource,
  type Level,
  type Role,
} from '@xiran/auth';
import type { GatewaySecurity } from '@xiran/gateway/server';

/** Real keys for a test stack: the HS256 dev secret for callers, a fresh ES256 pair for subgraphs. */
export async function testSecurity(grants: GrantSource = new StaticGrantSource()): Promise<GatewaySecurity> {
  return { callerKeys: await loadCallerKeys({}), gatewayKeys: await generateGatewayKeys(), grants };
}

export interface Caller {
  agency: Agency;
  level?: Level;
  district?: string;
  roles?: Role[];
}

/** A signed caller token, as `npm run token` would print it. */
export async function tokenFor(security: GatewaySecurity, caller: Caller): Promise<string> {
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

export async function bearer(security: GatewaySecurity, caller: Caller): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(security, caller)}` };
}
