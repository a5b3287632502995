import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { getIntrospectionQuery } from 'graphql';
import { defaultGrantRows, DEV_JWT_SECRET, effectiveGrants, signCallerToken, type Principal } from '@xiran/auth';
import { DEFAULT_DOCUMENT_LIMITS } from '@xiran/gateway/enforcement';
import { localDataSource } from '@xiran/gateway/server';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, type TestKeys } from './support/security';

/**
 * Hostile input, over HTTP against the whole stack: the audit trail cannot be blinded (reserved
 * names), the gateway cannot be stalled (document and body limits), nor flooded (rate limits),
 * and it does not start in production on the dev keys.
 */
let databases: TestDatabases;
let stack: Stack;
let keys: TestKeys;
let uscc: string;
const WINDOW_SECONDS = 3;

beforeAll(async () => {
  // Small rate limits and window, so that this file can cross them quickly; document limits as shipped.
  ({ stack, keys, databases } = await startTestStack(30, {
    limits: { document: DEFAULT_DOCUMENT_LIMITS, bodyBytes: 1024 * 1024, importBytes: 64 * 1024 * 1024, unauthenticated: 4, expensive: 2, windowSeconds: WINDOW_SECONDS },
  }));
  const rows = await stack.databases.registration.db.execute(sql`select uscc from registration.operators order by uscc limit 1`);
  uscc = String(rows.rows[0]!.uscc);
});

afterAll(() => stopTestStack({ stack, databases }));

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** 22 fragments, each spreading the next one twice: 1 KB that inlines to 4 million fields. */
function doublingDocument(fragments = 22): string {
  let text = 'query Doubling($u: ID!) { operator(uscc: $u) { ...F0 } }\n';
  for (let i = 0; i < fragments; i++) text += `fragment F${i} on Operator { ${i < fragments - 1 ? `...F${i + 1} ...F${i + 1}` : 'name'} }\n`;
  return text;
}

describe('the audit trail cannot be blinded', () => {
  it('refuses the key-alias spoof with BAD_USER_INPUT and no data; an ordinary alias is still attributed to its operator', async () => {
    const commerce = await bearer(keys, { agency: 'commerce' });
    const spoof = await graphql(stack.gatewayUrl, 'query Spoof($u: ID!) { operator(uscc: $u) { __xiran_key: name status } }', { u: uscc }, commerce);
    expect(spoof.status).toBe(400);
    expect(spoof.data ?? null).toBeNull();
    expect(spoof.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(spoof.errors?.[0]?.message).toContain('reserved');
    const fragment = await graphql(stack.gatewayUrl, 'query F($u: ID!) { operator(uscc: $u) { ...__Mine } } fragment __Mine on Operator { name }', { u: uscc }, commerce);
    expect(fragment.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const read = await graphql(stack.gatewayUrl, 'query Aliased($u: ID!) { operator(uscc: $u) { n: name s: status } }', { u: uscc }, commerce);
    expect(read.errors).toBeUndefined();
    expect(Object.keys(read.data!.operator)).toEqual(['n', 's']);
    const log = await graphql(
      stack.gatewayUrl,
      'query($u: ID) { accessLog(group: "registration", agency: "commerce", uscc: $u, first: 5) { nodes { operationHash disclosed { group operators } } } }',
      { u: uscc },
      await bearer(keys, { agency: 'market' }),
    );
    expect(log.errors).toBeUndefined();
    // The spoof released nothing and left no read; the aliased read is the owner's to see, with its operator.
    expect(log.data!.accessLog.nodes).toHaveLength(1);
    expect(log.data!.accessLog.nodes[0].disclosed).toEqual([{ group: 'registration', operators: [uscc] }]);
  });
});

describe('the gateway cannot be stalled', () => {
  it('refuses the doubling document in milliseconds while it keeps answering others', async () => {
    const commerce = await bearer(keys, { agency: 'commerce' });
    const started = performance.now();
    const [doubling, other] = await Promise.all([
      graphql(stack.gatewayUrl, doublingDocument(), { u: uscc }, commerce),
      graphql(stack.gatewayUrl, 'query Other($u: ID!) { operator(uscc: $u) { name } }', { u: uscc }, commerce),
    ]);
    const elapsed = performance.now() - started;
    expect(doubling.status).toBe(400);
    expect(doubling.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'expansion', maximum: DEFAULT_DOCUMENT_LIMITS.expansion });
    expect(other.errors).toBeUndefined();
    expect(other.data!.operator.name).toBeTruthy();
    expect(elapsed).toBeLessThan(1500);
  });

  it('refuses depth, aliases, root fields and tokens with a clear error, before planning', async () => {
    const commerce = await bearer(keys, { agency: 'commerce' });
    const deep = await graphql(stack.gatewayUrl, `{ __schema { types { fields { type { ${'ofType { '.repeat(18)}name${' }'.repeat(18)} } } } } }`, {}, commerce);
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
    const aliases = await graphql(stack.gatewayUrl, `query($u: ID!) { operator(uscc: $u) { ${Array.from({ length: 101 }, (_, i) => `a${i}: name`).join(' ')} } }`, { u: uscc }, commerce);
    expect(aliases.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases' });
    const roots = await graphql(stack.gatewayUrl, `{ ${Array.from({ length: 31 }, () => '__typename').join(' ')} }`, {}, commerce);
    expect(roots.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'rootFields' });
    const tokens = await graphql(stack.gatewayUrl, `{ ${Array.from({ length: 11_000 }, () => '__typename').join(' ')} }`, {}, commerce);
    expect(tokens.status).toBe(400);
    expect(tokens.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(tokens.errors?.[0]?.message).toContain(`${DEFAULT_DOCUMENT_LIMITS.tokens} tokens`);
  });

  it('refuses a body over 1 MB with 413 PAYLOAD_TOO_LARGE, in GraphQL\'s shape, before authentication', async () => {
    const response = await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024) } }));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers GraphiQL\'s introspection query, named fragments and all (the Docs pane)', async () => {
    const result = await graphql(stack.gatewayUrl, getIntrospectionQuery(), {}, await bearer(keys, { agency: 'statistics' }));
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    const operator = result.data!.__schema.types.find((t: { name: string }) => t.name === 'Operator');
    expect(operator.fields.map((f: { name: string }) => f.name)).toContain('uscc');
  });

  it('never sends a query plan, whatever the request asks', async () => {
    const response = await post(JSON.stringify({ query: 'query($u: ID!) { operator(uscc: $u) { name } }', variables: { u: uscc } }), {
      ...(await bearer(keys, { agency: 'commerce' })),
      'apollo-query-plan-experimental': '1',
    });
    const body = (await response.json()) as { data: unknown; extensions?: Record<string, unknown> };
    expect(body.data).toBeTruthy();
    expect(body.extensions?.queryPlan).toBeUndefined();
    expect(body.extensions?.queryPlanDescription).toBeUndefined();
  });
});

describe('the gateway cannot be flooded', () => {
  const unauthenticatedEntries = async () =>
    (await stack.gatewayDatabase.db.execute(sql`select detail from gateway.audit_log where kind = 'UNAUTHENTICATED' order by seq`)).rows.map((r) => r.detail as Record<string, unknown>);

  it('records unauthenticated refusals once per address and window with a count, and answers RATE_LIMITED beyond the limit', async () => {
    const before = (await unauthenticatedEntries()).length;
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await post(JSON.stringify({ query: '{ __typename }' }));
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string; retryAfter?: number } }> };
      codes.push(`${response.status} ${body.errors[0]!.extensions.code}`);
      if (i === 6) expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(codes).toEqual([...Array(4).fill('401 UNAUTHENTICATED'), ...Array(3).fill('429 RATE_LIMITED')]);
    const now = await unauthenticatedEntries();
    expect(now.length - before).toBe(1);
    expect(now[now.length - 1]).toMatchObject({ reason: expect.stringContaining('bearer token is required') });
    // When the window ends, the other six are one entry with their count.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 2000 + 500));
    const later = await unauthenticatedEntries();
    expect(later.length - before).toBe(2);
    expect(later[later.length - 1]).toMatchObject({ count: 6, windowSeconds: WINDOW_SECONDS });
    // A valid token is answered all the while.
    const ok = await graphql(stack.gatewayUrl, '{ __typename }', {}, await bearer(keys, { agency: 'commerce' }));
    expect(ok.errors).toBeUndefined();
  }, 30_000);

  it('limits crossCheck(fresh: true) per caller; the same caller\'s unforced cross-check is still answered', async () => {
    const token = await signCallerToken({ sub: 'hostile-fresh', agency: 'commerce', level: 'city', district: null, roles: ['reader'] }, keys.callerKeys);
    const headers = { authorization: `Bearer ${token}` };
    const query = 'query($fresh: Boolean) { crossCheck(district: "330106", fresh: $fresh) { district } }';
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) codes.push((await graphql(stack.gatewayUrl, query, { fresh: true }, headers)).errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes).toEqual(['OK', 'OK', 'RATE_LIMITED']);
    const unforced = await graphql(stack.gatewayUrl, query, { fresh: false }, headers);
    expect(unforced.errors).toBeUndefined();
    // Another caller has its own count.
    const other = await graphql(stack.gatewayUrl, query, { fresh: true }, await bearer(keys, { agency: 'commerce' }));
    expect(other.errors).toBeUndefined();
  });

  it('accepts no system:* subject from a caller key', async () => {
    const token = await signCallerToken({ sub: 'system:crosscheck', agency: 'commerce', level: 'city', district: null, roles: ['admin'] }, keys.callerKeys);
    const result = await graphql(stack.gatewayUrl, '{ __typename }', {}, { authorization: `Bearer ${token}` });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toContain('system:');
  });
});

describe('the gateway-local graphs have a second layer', () => {
  const run = (principal: Principal | null) =>
    localDataSource(stack.crossCheck.schema).process({
      request: { query: 'mutation Run { runCrossCheck { id } }' },
      context: principal ? { auth: { principal, grants: effectiveGrants(principal, defaultGrantRows()), requestId: 'second-layer' } } : {},
    } as never);

  it('refuses runCrossCheck to a reader, and to no caller at all, even when asked past the field filter', async () => {
    for (const principal of [{ sub: 'hostile-reader', agency: 'commerce', level: 'city', district: null, roles: ['reader'] } satisfies Principal, null]) {
      const result = await run(principal);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('runs it for commerce\'s admin', async () => {
    const result = await run({ sub: 'hostile-admin', agency: 'commerce', level: 'city', district: null, roles: ['admin'] });
    expect(result.errors).toBeUndefined();
    expect((result.data as { runCrossCheck: { id: string } }).runCrossCheck.id).toBeTruthy();
  });
});

describe('production refuses the dev keys', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  /** Runs a start command with only PATH/HOME and `env`; resolves with its exit code and stderr. */
  const start = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('npm', args, { cwd: root, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`still running: ${stderr}`));
      }, 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });

  it('NODE_ENV=production npm start without keys exits non-zero, naming each missing variable', async () => {
    const { code, stderr } = await start(['start'], { NODE_ENV: 'production' });
    expect(code).not.toBe(0);
    for (const variable of ['JWT_SECRET', 'GATEWAY_SIGNING_KEY_FILE', 'GATEWAY_PUBLIC_KEY_FILE', 'DATABASE_URL']) expect(stderr).toContain(variable);
  }, 70_000);

  it('XIRAN_ENV=production refuses the gateway alone on the committed dev secret', async () => {
    const { code, stderr } = await start(['start', '-w', 'gateway'], { XIRAN_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('JWT_SECRET is the dev secret');
    expect(stderr).not.toContain('DATABASE_URL');
  }, 70_000);

  it('a subgraph alone refuses production on the dev key pair and the embedded store', async () => {
    const { code, stderr } = await start(['start', '-w', 'subgraphs/emissions'], { NODE_ENV: 'production' });
    expect(code).not.toBe(0);
    for (const variable of ['GATEWAY_PUBLIC_KEY_FILE', 'EMISSIONS_DATABASE_URL or DATABASE_URL']) expect(stderr).toContain(variable);
    // Given both, it gets past the check (and then fails only on the unreachable database).
    const given = await start(['start', '-w', 'subgraphs/emissions'], { NODE_ENV: 'production', GATEWAY_PUBLIC_KEY_FILE: '/nonexistent.pem', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(given.stderr).not.toContain('Refusing to start');
  }, 130_000);
});
