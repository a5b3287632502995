import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isObjectType } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { SUPERGRAPH_PATH } from '@xiran/schema';
import { CATALOGUE } from './catalogue';
import { DEFAULT_GRANTS } from './default-grants';
import { effectiveGrants, type Grant } from './grants';
import { ALWAYS_READABLE, FIELD_GROUPS } from './groups';
import { WRITE_OPERATIONS, WRITES_BY_COORDINATE } from './writes';
import type { Principal } from '../principal';

function apiCoordinates(): string[] {
  const api = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
  return Object.values(api.getTypeMap())
    .filter((t) => isObjectType(t) && !t.name.startsWith('__'))
    .flatMap((t) => Object.keys((t as { getFields(): Record<string, unknown> }).getFields()).map((f) => `${t.name}.${f}`));
}

/**
 * shared/ (the platform's spec and reference data) sits beside the repository on the team's
 * machines and in CI, where `.ci/run` sets XIRAN_REQUIRE_SHARED=1 so that the comparison cannot
 * be skipped; a fresh clone without it skips the comparison (and says so in vitest's report).
 */
const COMPARE_WITH_SHARED = existsSync(fileURLToPath(new URL('../../../../shared/', import.meta.url))) || process.env.XIRAN_REQUIRE_SHARED === '1';

describe('the catalogue', () => {
  it('puts every field of the supergraph in exactly one group (deny by default: a new field fails here)', () => {
    const missing = apiCoordinates().filter((c) => !ALWAYS_READABLE.has(c) && !WRITES_BY_COORDINATE.has(c) && !CATALOGUE.groupOf(c));
    expect(missing).toEqual([]);
  });

  it('lists every mutation as a write of one owning agency, and no write the supergraph lacks', () => {
    const api = apiCoordinates();
    expect(api.filter((c) => c.startsWith('Mutation.') && !WRITES_BY_COORDINATE.has(c) && !ALWAYS_READABLE.has(c))).toEqual([]);
    expect(WRITE_OPERATIONS.map((w) => w.coordinate).filter((c) => !api.includes(c))).toEqual([]);
  });

  it('lets only the owning agency’s uploaders run a write', () => {
    const principal = (agency: Principal['agency'], roles: Principal['roles']): Principal => ({ sub: 's', agency, level: 'city', district: null, roles });
    const none = new Map();
    expect(CATALOGUE.decide('Mutation.recordMachine', none, principal('environment', ['uploader']))).toMatchObject({ allowed: true });
    expect(CATALOGUE.decide('Mutation.recordMachine', none, principal('environment', ['reader', 'admin']))).toMatchObject({ allowed: false, reason: 'NOT_UPLOADER' });
    expect(CATALOGUE.decide('Mutation.recordMachine', none, principal('market', ['uploader']))).toMatchObject({ allowed: false, reason: 'NOT_UPLOADER' });
    expect(CATALOGUE.decide('Mutation.recordMachine', none)).toMatchObject({ allowed: false });
  });

  it('names no coordinate the supergraph does not have', () => {
    const api = new Set(apiCoordinates());
    expect(FIELD_GROUPS.flatMap((g) => g.coordinates).filter((c) => !api.has(c))).toEqual([]);
  });

  it.runIf(COMPARE_WITH_SHARED)('ships the default grants of shared/spec/authorization.md, cell for cell', () => {
    const spec = fileURLToPath(new URL('../../../../shared/spec/authorization.md', import.meta.url));
    expect(existsSync(spec), `${spec} (shared/ sits beside the repository)`).toBe(true);
    const marks: Record<string, string> = { '●': 'OWNER', F: 'FULL', A: 'AGGREGATE', M: 'MEMBERS', H: 'HANDLER' };
    const lines = readFileSync(spec, 'utf8').split('\n');
    const header = lines.find((l) => l.startsWith('| field group'))!.split('|').map((s) => s.trim()).slice(2, -1);
    const expected: string[] = [];
    for (const line of lines) {
      const id = /^\| `(\w+)`/.exec(line)?.[1];
      if (!id) continue;
      line.split('|').map((s) => s.trim()).slice(2, -1).forEach((mark, i) => {
        if (marks[mark]) expected.push(`${id} ${header[i]} ${marks[mark]}`);
      });
    }
    expect(expected.length).toBeGreaterThan(50);
    expect(DEFAULT_GRANTS.map((g) => `${g.group} ${g.grantee} ${g.scope}`).sort()).toEqual(expected.sort());
  });
});

describe('effective grants', () => {
  const grant = (over: Partial<Grant>): Grant => ({
    id: 'g', group: 'emissionSummary', grantee: 'statistics', level: null, scope: 'AGGREGATE', purpose: 'test',
    grantedBy: 'environment:admin', grantedAt: '2026-01-01T00:00:00Z', expiresAt: null, ...over,
  });
  const statistics: Principal = { sub: 's', agency: 'statistics', level: 'district', district: '330106', roles: ['reader'] };

  it('takes the broadest live grant of the caller’s agency and level', () => {
    const grants = effectiveGrants(statistics, [
      grant({ id: 'a' }),
      grant({ id: 'f', scope: 'FULL', level: 'city' }),
      grant({ id: 'x', scope: 'FULL', expiresAt: '2020-01-01T00:00:00Z' }),
      grant({ id: 'o', scope: 'OWNER', grantee: 'environment' }),
    ]);
    expect(grants.get('emissionSummary')).toEqual({ group: 'emissionSummary', scope: 'AGGREGATE', grantId: 'a' });
  });

  it('stops honouring a grant the moment it expires', () => {
    const expiresAt = '2026-06-01T00:00:00Z';
    const grants = [grant({ id: 'a', expiresAt })];
    expect(effectiveGrants(statistics, grants, Date.parse(expiresAt) - 1).size).toBe(1);
    expect(effectiveGrants(statistics, grants, Date.parse(expiresAt)).size).toBe(0);
  });

  it('opens only the statistics coordinates to an AGGREGATE grant', () => {
    const grants = effectiveGrants(statistics, [grant({ id: 'a' })]);
    expect(CATALOGUE.decide('Query.emissionStatistics', grants)).toMatchObject({ allowed: true, group: 'emissionSummary' });
    expect(CATALOGUE.decide('Operator.emissionSummary', grants)).toMatchObject({ allowed: false, reason: 'AGGREGATE_ONLY' });
    expect(CATALOGUE.decide('Operator.machines', grants)).toMatchObject({ allowed: false, reason: 'NO_GRANT' });
    expect(CATALOGUE.decide('Operator.idCardNumber', grants)).toMatchObject({ allowed: false, reason: 'NOT_IN_CATALOGUE' });
    expect(CATALOGUE.decide('Operator.uscc', grants)).toMatchObject({ allowed: true });
  });
});
