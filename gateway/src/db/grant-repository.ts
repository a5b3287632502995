import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { SCOPES, type Scope, GROUP_IDS, FIELD_GROUPS, type GroupId, type Grant, defaultGrantRows, type Principal } from '@xiran/auth';
import { isAgency, LEVELS, type Level, auditUnavailable, badUserInput, forbidden } from '@xiran/common';
import type { AuditTrail } from '../audit/trail';
import { grantChanges, grants, type GrantRow } from './schema';

/** Where the gateway reads the grants in force. */
export interface GrantSource {
  /** The grants as last read; expiry is judged by the reader at every request. */
  current(): readonly Grant[];
}

type Db = NodePgDatabase<Record<string, unknown>>;

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    group: row.groupId as GroupId,
    grantee: row.grantee as Grant['grantee'],
    level: row.level as Level | null,
    scope: row.scope as Scope,
    purpose: row.purpose,
    grantedBy: row.grantedBy,
    grantedAt: new Date(row.grantedAt).toISOString(),
    expiresAt: row.expiresAt ? new Date(row.expiresAt).toISOString() : null,
  };
}

/** Writes the spec's default catalogue the first time the gateway's database is opened. */
export async function seedDefaultGrants(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    const [existing] = await tx.select({ n: count() }).from(grants);
    if ((existing?.n ?? 0) > 0) return;
    const rows = defaultGrantRows(new Date().toISOString());
    await tx.insert(grants).values(rows.map((g) => ({ id: g.id, groupId: g.group, grantee: g.grantee, level: g.level, scope: g.scope, purpose: g.purpose, grantedBy: g.grantedBy, grantedAt: g.grantedAt })));
    await tx.insert(grantChanges).values({ id: randomUUID(), grantId: '*', action: 'SEED', actorSub: 'catalogue', actorAgency: 'commerce', reason: 'default catalogue (shared/spec/authorization.md)' });
  });
}

/**
 * Grants as data in PostgreSQL, read into memory and refreshed on a schedule (and at once after a
 * change made here). Expiry is judged at every request from `expiresAt`, so an expired grant stops
 * working without a restart.
 */
export class PgGrantSource implements GrantSource {
  private grants: readonly Grant[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    /** Grant changes go into the audit trail too (before they are written: no trail, no change). */
    private readonly audit?: AuditTrail,
  ) {}

  private async record(actor: Principal, detail: Record<string, unknown>): Promise<void> {
    if (!this.audit) return;
    try {
      await this.audit.append({
        kind: 'GRANT_CHANGE', requestId: randomUUID(), sub: actor.sub, agency: actor.agency, level: actor.level, district: actor.district,
        operationName: null, operationHash: null, disclosed: [], refused: [], detail,
      });
    } catch {
      throw auditUnavailable();
    }
  }

  current(): readonly Grant[] {
    return this.grants;
  }

  async refresh(): Promise<void> {
    const rows = await this.db.select().from(grants).where(isNull(grants.revokedAt)).orderBy(asc(grants.groupId), asc(grants.id));
    this.grants = rows.map(toGrant);
  }

  /** Loads now, then every `intervalMs` (30 s: a revocation elsewhere takes effect within a minute). */
  async start(intervalMs = 30_000): Promise<this> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((e) => console.error('[grants] refresh failed', e)), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private requireAdminOf(actor: Principal, group: GroupId): void {
    const owner = FIELD_GROUPS.find((g) => g.id === group)!.owner;
    if (!actor.roles.includes('admin') || actor.agency !== owner || actor.level !== 'city') {
      throw forbidden(`Only a city-level admin of ${owner} may grant or revoke ${group}.`, { group });
    }
  }

  async grant(actor: Principal, input: { group: string; grantee: string; level?: string | null; scope: string; purpose: string; expiresAt?: string | null }): Promise<Grant> {
    if (!GROUP_IDS.includes(input.group as GroupId)) throw badUserInput('input.group', `${JSON.stringify(input.group)} is not a field group`);
    const group = input.group as GroupId;
    this.requireAdminOf(actor, group);
    if (!isAgency(input.grantee)) throw badUserInput('input.grantee', `${JSON.stringify(input.grantee)} is not an agency code`);
    const level = input.level ? input.level.toLowerCase() : null;
    if (level !== null && !LEVELS.includes(level as Level)) throw badUserInput('input.level', 'must be CITY or DISTRICT');
    if (!SCOPES.includes(input.scope as Scope) || input.scope === 'OWNER') throw badUserInput('input.scope', 'must be FULL, MEMBERS, HANDLER or AGGREGATE');
    if (input.purpose.trim().length < 4) throw badUserInput('input.purpose', 'state the purpose (用途) of the grant');
    if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) throw badUserInput('input.expiresAt', 'must be in the future');
    const id = `grant:${randomUUID()}`;
    await this.record(actor, { action: 'GRANT', grantId: id, group, grantee: input.grantee, level, scope: input.scope, purpose: input.purpose.trim(), expiresAt: input.expiresAt ?? null });
    await this.db.transaction(async (tx) => {
      await tx.insert(grants).values({
        id, groupId: group, grantee: input.grantee, level, scope: input.scope, purpose: input.purpose.trim(),
        grantedBy: `${actor.agency}:${actor.sub}`, expiresAt: input.expiresAt ?? null,
      });
      await tx.insert(grantChanges).values({ id: randomUUID(), grantId: id, action: 'GRANT', actorSub: actor.sub, actorAgency: actor.agency, reason: input.purpose.trim() });
    });
    await this.refresh();
    return this.grants.find((g) => g.id === id)!;
  }

  async revoke(actor: Principal, id: string, reason: string): Promise<Grant> {
    const [row] = await this.db.select().from(grants).where(and(eq(grants.id, id), isNull(grants.revokedAt)));
    if (!row) throw badUserInput('id', `no grant in force has id ${JSON.stringify(id)}`);
    this.requireAdminOf(actor, row.groupId as GroupId);
    if (row.scope === 'OWNER') throw badUserInput('id', "the owner's own grant cannot be revoked");
    if (reason.trim().length < 4) throw badUserInput('reason', 'state why the grant is revoked');
    await this.record(actor, { action: 'REVOKE', grantId: id, group: row.groupId, grantee: row.grantee, scope: row.scope, reason: reason.trim() });
    await this.db.transaction(async (tx) => {
      await tx.update(grants).set({ revokedAt: new Date().toISOString(), revokedBy: `${actor.agency}:${actor.sub}`, revokeReason: reason.trim() }).where(eq(grants.id, id));
      await tx.insert(grantChanges).values({ id: randomUUID(), grantId: id, action: 'REVOKE', actorSub: actor.sub, actorAgency: actor.agency, reason: reason.trim() });
    });
    await this.refresh();
    return toGrant(row);
  }
}
