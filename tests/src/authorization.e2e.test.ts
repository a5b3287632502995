import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { sql } from 'drizzle-orm';
import { bodyHash, generateGatewayKeys, signSubgraphToken, SUBGRAPH_TOKEN_HEADER, type Principal } from '@xiran/auth';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';

/** Authentication and field-level authorization through the gateway and at every subgraph. */
let databases: TestDatabases;
let stack: Stack;
let security: TestKeys;
let uscc: string;

beforeAll(async () => {
  ({ stack, keys: security, databases } = await startTestStack(300));
  // An operator with machines and complaints, so that refused and granted fields both have values.
  const machines = await stack.databases.emissions.db.execute(sql`select uscc from emissions.machines group by uscc order by uscc`);
  const tickets = await stack.databases.complaints.db.execute(sql`select uscc from complaints.tickets where uscc is not null group by uscc`);
  const withTickets = new Set(tickets.rows.map((r) => r.uscc));
  uscc = machines.rows.map((r) => String(r.uscc)).find((u) => withTickets.has(u))!;
});

afterAll(() => stopTestStack({ stack, databases }));

const metric = async (name: keyof Stack['subgraphUrls']) =>
  Number(/ (\d+)\n/.exec(await (await fetch(new URL('/metrics', stack.subgraphUrls[name]))).text())![1]);

describe('authentication at the gateway', () => {
  it('answers UNAUTHENTICATED with no data to a request without a valid token, introspection included', async () => {
    const expired = await new SignJWT({ agency: 'commerce', level: 'city', roles: ['reader'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(security.callerKeys.issuer)
      .setAudience(security.callerKeys.audience)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(security.callerKeys.hmacSecret!);
    const good = (await bearer(security, { agency: 'commerce' })).authorization!;
    const tampered = good.slice(0, -3) + (good.endsWith('A') ? 'BBB' : 'AAA');
    for (const authorization of [undefined, 'Bearer nonsense', `Bearer ${expired}`, tampered, good.replace('Bearer ', 'Basic ')]) {
      for (const query of ['{ operators(first: 1) { nodes { name } } }', '{ __schema { queryType { name } } }']) {
        const result = await graphql(stack.gatewayUrl, query, {}, authorization ? { authorization } : {});
        expect(result.status, `${authorization?.slice(0, 20)} ${query}`).toBe(401);
        expect(result.data).toBeUndefined();
        expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
    }
    const ok = await graphql(stack.gatewayUrl, '{ __schema { queryType { name } } }', {}, { authorization: good });
    expect(ok.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses a token with claims outside the catalogue (unknown agency, district caller without district)', async () => {
    for (const claims of [{ agency: 'police', level: 'city' }, { agency: 'market', level: 'district' }]) {
      const token = await new SignJWT({ ...claims, roles: ['reader'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setIssuer(security.callerKeys.issuer)
        .setAudience(security.callerKeys.audience)
        .setExpirationTime('5m')
        .sign(security.callerKeys.hmacSecret!);
      const result = await graphql(stack.gatewayUrl, '{ operators(first: 1) { totalCount } }', {}, { authorization: `Bearer ${token}` });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('field authorization at the gateway', () => {
  const QUERY = 'query($u: ID!) { operator(uscc: $u) { uscc name machines { id solvent } socialInsuranceStatus { inArrears } } }';

  it('returns granted fields and null + FORBIDDEN (with the group) where the caller has no grant', async () => {
    const hrss = await graphql(stack.gatewayUrl, QUERY, { u: uscc }, await bearer(security, { agency: 'hrss' }));
    expect(hrss.data?.operator.name).toEqual(expect.any(String));
    expect(hrss.data?.operator.socialInsuranceStatus).not.toBeUndefined();
    expect(hrss.data?.operator.machines).toBeNull();
    expect(hrss.errors).toEqual([
      expect.objectContaining({ path: ['operator', 'machines'], extensions: expect.objectContaining({ code: 'FORBIDDEN', group: 'machinesAndPermits' }) }),
    ]);

    const environment = await graphql(stack.gatewayUrl, QUERY, { u: uscc }, await bearer(security, { agency: 'environment' }));
    expect(environment.data?.operator.machines.length).toBeGreaterThan(0);
    expect(environment.data?.operator.socialInsuranceStatus).toBeNull();
    expect(environment.errors?.map((e) => e.extensions?.group)).toEqual(['socialInsuranceStatus']);
  });

  it('never reuses a broader caller’s query plan: the refused field is not fetched from its subgraph', async () => {
    // Commerce first, so a plan that fetches machines is in the gateway's cache for this text.
    const commerce = await graphql(stack.gatewayUrl, QUERY, { u: uscc }, await bearer(security, { agency: 'commerce' }));
    expect(commerce.data?.operator.machines.length).toBeGreaterThan(0);
    const before = await metric('emissions');
    const hrss = await graphql(stack.gatewayUrl, QUERY, { u: uscc }, await bearer(security, { agency: 'hrss' }));
    expect(hrss.data?.operator.machines).toBeNull();
    expect(await metric('emissions')).toBe(before);
  });

  it('shows the complainant’s identity to the petition bureau and to nobody else', async () => {
    const query = 'query($u: ID!) { operator(uscc: $u) { complaints { id complainant { name phone } } } }';
    const petition = await graphql(stack.gatewayUrl, query, { u: uscc }, await bearer(security, { agency: 'petition' }));
    expect(petition.errors).toBeUndefined();
    expect(petition.data?.operator.complaints[0].complainant.name).toEqual(expect.any(String));
    for (const agency of ['commerce', 'market', 'environment', 'hrss', 'statistics', 'ndrc', 'data', 'association'] as const) {
      const result = await graphql(stack.gatewayUrl, query, { u: uscc }, await bearer(security, { agency }));
      expect(JSON.stringify(result.data), agency).not.toContain('"phone"');
      const names = (result.data?.operator?.complaints ?? []).map((c: { complainant: unknown }) => c.complainant);
      expect(names.every((n: unknown) => n === null), agency).toBe(true);
      expect(result.errors?.some((e) => e.extensions?.code === 'FORBIDDEN'), agency).toBe(true);
    }
  });

  it('has no field for what never enters the platform', async () => {
    const result = await graphql(stack.gatewayUrl, '{ __type(name: "Operator") { fields { name } } }', {}, await bearer(security, { agency: 'commerce' }));
    const fields = result.data?.__type.fields.map((f: { name: string }) => f.name.toLowerCase()) as string[];
    for (const forbiddenWord of ['idcard', 'identity', 'phone', 'bank', 'contributionbase', 'salary', 'employee']) {
      expect(fields.filter((f) => f.includes(forbiddenWord)), forbiddenWord).toEqual([]);
    }
  });
});

describe('subgraphs answer only the gateway', () => {
  const principal: Principal = { sub: 'intruder', agency: 'commerce', level: 'city', district: null, roles: ['reader'] };
  const query = (u: string) => JSON.stringify({ query: `{ _entities(representations: [{ __typename: "Operator", uscc: "${u}" }]) { ... on Operator { machines { id } } } }` });
  const call = async (headers: Record<string, string>, body = query(uscc)) => {
    const response = await fetch(stack.subgraphUrls.emissions, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } };
  };
  const grants = { machinesAndPermits: ['FULL', 'default'] as ['FULL', string] };
  /** Signed for `body` (by default the `_entities` query), as the gateway signs each request. */
  const signFor = (claims: Omit<Parameters<typeof signSubgraphToken>[2], 'bodyHash'>, options: { body?: string; subgraph?: string; keys?: typeof security.gatewayKeys; ttl?: number } = {}) =>
    signSubgraphToken(options.keys ?? security.gatewayKeys, options.subgraph ?? 'emissions', { ...claims, bodyHash: bodyHash(options.body ?? query(uscc)) }, options.ttl);

  it('refuses no signature, an expired, tampered or foreign-key one, and one for another subgraph', async () => {
    const valid = await signFor({ principal, requestId: 'r1', grants });
    const cases: Record<string, Record<string, string>> = {
      none: {},
      'caller token instead': await bearer(security, { agency: 'commerce' }),
      expired: { [SUBGRAPH_TOKEN_HEADER]: await signFor({ principal, requestId: 'r2', grants }, { ttl: -5 }) },
      tampered: { [SUBGRAPH_TOKEN_HEADER]: valid.replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}${p.endsWith('A') ? 'BB' : 'AA'}.`) },
      'another key': { [SUBGRAPH_TOKEN_HEADER]: await signFor({ principal, requestId: 'r3', grants }, { keys: await generateGatewayKeys() }) },
      'another subgraph': { [SUBGRAPH_TOKEN_HEADER]: await signFor({ principal, requestId: 'r4', grants }, { subgraph: 'registration' }) },
    };
    for (const [name, headers] of Object.entries(cases)) {
      for (const body of [query(uscc), JSON.stringify({ query: '{ _service { sdl } }' })]) {
        const result = await call(headers, body);
        expect(result.status, name).toBe(401);
        expect(result.body.data, name).toBeUndefined();
        expect(result.body.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
      }
    }
    const ok = await call({ [SUBGRAPH_TOKEN_HEADER]: valid });
    expect(ok.status).toBe(200);
    expect((ok.body.data as { _entities: Array<{ machines: unknown[] }> })._entities[0]!.machines.length).toBeGreaterThan(0);
  });

  it('refuses a captured token replayed with another body, within its lifetime', async () => {
    // A token as the gateway would send it, for one operator's machines.
    const captured = await signFor({ principal, requestId: 'r6', grants });
    expect((await call({ [SUBGRAPH_TOKEN_HEADER]: captured })).status).toBe(200);
    const others = await stack.databases.emissions.db.execute(sql`select uscc from emissions.machines where uscc <> ${uscc} group by uscc limit 1`);
    const replays = {
      'another operator': query(String(others.rows[0]!.uscc)),
      'the schema': JSON.stringify({ query: '{ _service { sdl } }' }),
      // The same JSON, re-serialised: the token binds bytes, not meaning.
      'the same request, spaced': query(uscc).replace('{"query"', '{ "query"'),
      'no body': '',
    };
    // A token of the old shape, with no body hash at all, is refused too (the same claims with one are not).
    const handMade = (claims: Record<string, unknown>) =>
      new SignJWT({ agency: 'commerce', level: 'city', roles: ['reader'], rid: 'r7', grants, ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .setSubject(principal.sub)
        .setIssuer('xiran-gateway')
        .setAudience('emissions')
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(security.gatewayKeys.privateKey!);
    expect((await call({ [SUBGRAPH_TOKEN_HEADER]: await handMade({ bh: bodyHash(query(uscc)) }) })).status).toBe(200);
    const withoutHash = await call({ [SUBGRAPH_TOKEN_HEADER]: await handMade({}) });
    expect(withoutHash.status).toBe(401);
    expect(withoutHash.body.data).toBeUndefined();
    for (const [name, body] of Object.entries(replays)) {
      const replayed = await call({ [SUBGRAPH_TOKEN_HEADER]: captured }, body);
      expect(replayed.status, name).toBe(401);
      expect(replayed.body.data, name).toBeUndefined();
      expect(replayed.body.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
    }
  });

  it('enforces the catalogue again inside the subgraph: a signed request without the grant gets FORBIDDEN', async () => {
    const token = await signFor({ principal: { ...principal, agency: 'hrss' }, requestId: 'r5', grants: {} });
    const result = await call({ [SUBGRAPH_TOKEN_HEADER]: token });
    expect(JSON.stringify(result.body.data ?? null)).not.toContain('"id"');
    expect(result.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the catalogue as data', () => {
  const CATALOGUE_QUERY = '{ authorizationCatalogue { groups { id owner coordinates } grants { id group grantee scope purpose grantedBy expiresAt } } }';
  const GRANT = `mutation($input: GrantAccessInput!) { grantAccess(input: $input) { id group grantee scope purpose grantedBy expiresAt } }`;
  const MACHINES = 'query($u: ID!) { operator(uscc: $u) { machines { id } } }';

  it('is readable by every authenticated caller: groups with coordinates, grants with purpose and owner', async () => {
    const result = await graphql(stack.gatewayUrl, CATALOGUE_QUERY, {}, await bearer(security, { agency: 'statistics', level: 'district', district: '330106' }));
    expect(result.errors).toBeUndefined();
    const catalogue = result.data!.authorizationCatalogue;
    expect(catalogue.groups.find((g: { id: string }) => g.id === 'complainantIdentity')).toMatchObject({ owner: 'petition', coordinates: expect.arrayContaining(['Complainant.phone']) });
    expect(catalogue.grants).toEqual(expect.arrayContaining([expect.objectContaining({ group: 'emissionSummary', grantee: 'statistics', scope: 'AGGREGATE' })]));
    expect(catalogue.grants.some((g: { group: string; grantee: string }) => g.group === 'complainantIdentity' && g.grantee !== 'petition')).toBe(false);
  });

  it('lets only the owning agency’s admin grant; the grant works at once and stops at its expiry, without a restart', async () => {
    const hrss = await bearer(security, { agency: 'hrss' });
    expect((await graphql(stack.gatewayUrl, MACHINES, { u: uscc }, hrss)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const input = { group: 'machinesAndPermits', grantee: 'hrss', scope: 'FULL', purpose: '核查社保异常网点的设备 (test)', expiresAt: new Date(Date.now() + 4000).toISOString() };
    for (const caller of [{ agency: 'environment' as const }, { agency: 'market' as const, roles: ['admin' as const] }, { agency: 'hrss' as const, roles: ['admin' as const] }]) {
      const refused = await graphql(stack.gatewayUrl, GRANT, { input }, await bearer(security, caller));
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(caller)).toBe('FORBIDDEN');
    }
    const admin = await bearer(security, { agency: 'environment', roles: ['reader', 'admin'] });
    const granted = await graphql(stack.gatewayUrl, GRANT, { input }, admin);
    expect(granted.errors).toBeUndefined();
    expect(granted.data!.grantAccess).toMatchObject({ group: 'machinesAndPermits', grantee: 'hrss', scope: 'FULL', purpose: input.purpose });

    const during = await graphql(stack.gatewayUrl, MACHINES, { u: uscc }, hrss);
    expect(during.errors).toBeUndefined();
    expect(during.data!.operator.machines.length).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, Date.parse(input.expiresAt) - Date.now() + 200));
    const after = await graphql(stack.gatewayUrl, MACHINES, { u: uscc }, hrss);
    expect(after.data?.operator.machines).toBeNull();
    expect(after.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const changes = await stack.gatewayDatabase.db.execute(sql`select action, actor_agency, reason from gateway.grant_changes where grant_id = ${granted.data!.grantAccess.id}`);
    expect(changes.rows).toEqual([{ action: 'GRANT', actor_agency: 'environment', reason: input.purpose }]);
  });

  it('revokes a grant for its owner’s admin only, with a reason, and the grantee loses it', async () => {
    const admin = await bearer(security, { agency: 'environment', roles: ['admin'] });
    const granted = await graphql(stack.gatewayUrl, GRANT, { input: { group: 'machinesAndPermits', grantee: 'ndrc', scope: 'FULL', purpose: '产业布局研究 (test)' } }, admin);
    const id = granted.data!.grantAccess.id as string;
    const ndrc = await bearer(security, { agency: 'ndrc' });
    expect((await graphql(stack.gatewayUrl, MACHINES, { u: uscc }, ndrc)).errors).toBeUndefined();
    const REVOKE = 'mutation($id: ID!, $reason: String!) { revokeGrant(id: $id, reason: $reason) { id } }';
    expect((await graphql(stack.gatewayUrl, REVOKE, { id, reason: 'not needed' }, await bearer(security, { agency: 'petition', roles: ['admin'] }))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(stack.gatewayUrl, REVOKE, { id, reason: '研究结束' }, admin)).errors).toBeUndefined();
    expect((await graphql(stack.gatewayUrl, MACHINES, { u: uscc }, ndrc)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const changes = await stack.gatewayDatabase.db.execute(sql`select action from gateway.grant_changes where grant_id = ${id} order by at`);
    expect(changes.rows.map((r) => r.action)).toEqual(['GRANT', 'REVOKE']);
  });
});
