import { readFileSync } from 'node:fs';
import { Kind, parse, GraphQLScalarType } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { FIELD_GROUPS, ROW_DERIVED, CATALOGUE, type Grant } from '@xiran/auth';
import { badUserInput, forbidden, notVisible, DATE_TIME_EXPECTED, isInstant } from '@xiran/common';
import type { AuthorizedContext } from './enforcement/authorization';
import type { PgGrantSource } from './db/grant-repository';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { accessCounts, accessLogPage } from './audit/access-log';
import type { GatewayAuth } from './enforcement/authentication';

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
const checkUsccShape = (value: string) => USCC_SHAPE.test(value);

export const catalogueTypeDefs = parse(readFileSync(new URL('../catalogue.graphql', import.meta.url), 'utf8'));

/** An instant; a malformed one is the caller's mistake (the gateway refuses it before planning, too). */
const parseInstant = (v: unknown) => {
  if (typeof v !== 'string' || !isInstant(v)) throw badUserInput('dateTime', DATE_TIME_EXPECTED);
  return new Date(v).toISOString();
};
const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => new Date(String(v)).toISOString(),
  parseValue: parseInstant,
  parseLiteral: (ast) => parseInstant(ast.kind === Kind.STRING ? ast.value : null),
});

const grantInfo = (g: Grant) => ({ ...g, level: g.level ? g.level.toUpperCase() : null });

/**
 * The catalogue as an API, served inside the gateway (LocalGraphQLDataSource) from the gateway's
 * own database: readable by every authenticated caller; grants changed only by the owner's admin.
 */
const MAX_PAGE = 1000;

function page(first: number | null | undefined, after: string | null | undefined) {
  const limit = first ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badUserInput('first', `must be between 1 and ${MAX_PAGE}`);
  let beforeSeq: number | null = null;
  if (after) {
    beforeSeq = Number(Buffer.from(after, 'base64url').toString('utf8').replace(/^seq:/, ''));
    if (!Number.isInteger(beforeSeq) || beforeSeq < 1) throw badUserInput('after', 'is not a cursor returned by this API');
  }
  return { limit, beforeSeq };
}

function connection(result: { rows: Array<{ seq: number }>; totalCount: number }, limit: number) {
  const nodes = result.rows.slice(0, limit);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    totalCount: result.totalCount,
    pageInfo: { hasNextPage: result.rows.length > limit, endCursor: last ? Buffer.from(`seq:${last.seq}`).toString('base64url') : null },
  };
}

/**
 * The caller's effective grants, group by group in the catalogue's order. `reveals` lists the
 * groups the group's derived coordinates reveal (a derived value discloses its sources), so that a
 * caller sees at once why such a field may still be refused to it.
 */
function myAccess(ctx: AuthorizedContext) {
  const { principal, grants } = ctx.auth;
  return {
    sub: principal.sub,
    agency: principal.agency,
    level: principal.level.toUpperCase(),
    district: principal.district,
    groups: FIELD_GROUPS.flatMap((g) => {
      const grant = grants.get(g.id);
      const reveals = [...new Set((g.derived ?? []).flatMap((d) => d.reveals))];
      return grant ? [{ id: g.id, scope: grant.scope, district: principal.district, grant: grant.grantId, reveals }] : [];
    }),
  };
}

function ownedGroups(agency: string): string[] {
  return FIELD_GROUPS.filter((g) => g.owner === agency).map((g) => g.id);
}

/** 限定知悉范围: a reader at district level sees the audit log of its district's operators only. */
function districtOf(auth: GatewayAuth): { code: string; agency: string } | null {
  const { level, district, agency } = auth.principal;
  return level === 'district' && district ? { code: district, agency } : null;
}

export interface CatalogueApiOptions {
  /**
   * Whether `operator(uscc:)` shows the operator to this caller, asked as the caller through the
   * gateway: `operatorAccessLog` answers only for those (the same row scope, grants and registry).
   */
  operatorVisible: (auth: GatewayAuth, uscc: string) => Promise<boolean>;
}

/**
 * The catalogue and the audit log as an API, served inside the gateway (LocalGraphQLDataSource)
 * from the gateway's own database. The catalogue is readable by every authenticated caller; grants
 * change only by the owner's admin; each owner reads the audit entries of its own groups only.
 */
export function catalogueSchema(grants: PgGrantSource, db: NodePgDatabase<Record<string, unknown>>, options: CatalogueApiOptions) {
  return buildSubgraphSchema([
    {
      typeDefs: catalogueTypeDefs,
      resolvers: {
        DateTime,
        Query: {
          authorizationCatalogue: () => ({
            groups: FIELD_GROUPS.map((g) => ({ id: g.id, owner: g.owner, description: g.description, coordinates: g.coordinates, aggregateCoordinates: g.aggregates, summarises: g.summarises ?? [] })),
            grants: grants.current().map(grantInfo),
            derived: [
              ...CATALOGUE.derivedCoordinates().map((d) => ({ coordinate: d.coordinate, group: d.group, reveals: d.reveals, parts: d.parts ?? false, perRow: null })),
              ...ROW_DERIVED.map((d) => ({ coordinate: d.coordinate, group: d.group, reveals: [], parts: d.parts, perRow: d.perRow })),
            ],
          }),
          myAccess: (_: unknown, __: unknown, ctx: AuthorizedContext) => myAccess(ctx),
          async accessLog(_: unknown, args: { group: string; from?: string; to?: string; agency?: string; uscc?: string; first?: number; after?: string }, ctx: AuthorizedContext) {
            const group = FIELD_GROUPS.find((g) => g.id === args.group);
            if (!group) throw badUserInput('group', `${JSON.stringify(args.group)} is not a field group`);
            if (group.owner !== ctx.auth.principal.agency) throw forbidden(`Only ${group.owner} sees the reads of ${group.id}.`, { group: group.id });
            if (args.uscc && !checkUsccShape(args.uscc)) throw badUserInput('uscc', 'is not a 统一社会信用代码');
            const window = page(args.first, args.after);
            const filter = { groups: [group.id], visible: ownedGroups(ctx.auth.principal.agency), from: args.from, to: args.to, agency: args.agency, uscc: args.uscc, district: districtOf(ctx.auth) };
            return connection(await accessLogPage(db, filter, window), window.limit);
          },
          async operatorAccessLog(_: unknown, args: { uscc: string; from?: string; to?: string; first?: number; after?: string }, ctx: AuthorizedContext) {
            const groups = ownedGroups(ctx.auth.principal.agency);
            if (groups.length === 0) throw forbidden('Only an agency that owns field groups sees who read them.');
            if (!checkUsccShape(args.uscc)) throw badUserInput('uscc', 'is not a 统一社会信用代码');
            const window = page(args.first, args.after);
            // Whether the operator exists, or where, is not told to a caller who may not see it.
            if (!(await options.operatorVisible(ctx.auth, args.uscc))) throw notVisible('operator(uscc:) does not show you this operator, so neither are its reads shown.', { field: 'uscc' });
            return connection(await accessLogPage(db, { groups, visible: groups, from: args.from, to: args.to, uscc: args.uscc, district: districtOf(ctx.auth) }, window), window.limit);
          },
          async accessCounts(_: unknown, args: { from?: string; to?: string }, ctx: AuthorizedContext) {
            if (ctx.auth.principal.agency !== 'commerce') throw forbidden('Counts per agency and group are for 商务局, which leads the mechanism.');
            return accessCounts(db, args, districtOf(ctx.auth)?.code ?? null);
          },
        },
        AccessLogEntry: { at: (e: { at: string }) => new Date(e.at).toISOString() },
        Mutation: {
          grantAccess: async (_: unknown, args: { input: Parameters<PgGrantSource['grant']>[1] }, ctx: AuthorizedContext) => grantInfo(await grants.grant(ctx.auth.principal, args.input)),
          revokeGrant: async (_: unknown, args: { id: string; reason: string }, ctx: AuthorizedContext) => grantInfo(await grants.revoke(ctx.auth.principal, args.id, args.reason)),
        },
      } as never,
    },
  ]);
}
