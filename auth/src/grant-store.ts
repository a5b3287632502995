import { DEFAULT_GRANTS } from './catalogue/default-grants';
import { FIELD_GROUPS } from './catalogue/groups';
import type { Grant } from './catalogue/grants';

/** The default catalogue as grant rows: each owner's ● plus the spec's F / A / M / H cells. */
export function defaultGrantRows(grantedAt = '2026-01-01T00:00:00.000Z'): Grant[] {
  const owners = FIELD_GROUPS.map((group) => ({
    id: `owner:${group.id}`,
    group: group.id,
    grantee: group.owner,
    level: null,
    scope: 'OWNER' as const,
    purpose: 'The owning department (数据提供方) reads its own data.',
    grantedBy: 'catalogue',
    grantedAt,
    expiresAt: null,
  }));
  const defaults = DEFAULT_GRANTS.filter((g) => g.scope !== 'OWNER').map((g) => ({
    id: `default:${g.group}:${g.grantee}`,
    group: g.group,
    grantee: g.grantee,
    level: null,
    scope: g.scope,
    purpose: g.purpose,
    grantedBy: 'catalogue',
    grantedAt,
    expiresAt: null,
  }));
  return [...owners, ...defaults];
}
