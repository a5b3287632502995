import { readFileSync } from 'node:fs';
import { parse, GraphQLScalarType } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { FIELD_GROUPS } from './catalogue/groups';
import type { AuthorizedContext } from './gateway/authorization';
import type { PgGrantSource } from './db/grant-repository';
import type { Grant } from './catalogue/grants';

export const catalogueTypeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

const DateTime = new GraphQLScalarType({ name: 'DateTime', serialize: (v) => new Date(String(v)).toISOString(), parseValue: (v) => new Date(String(v)).toISOString() });

const grantInfo = (g: Grant) => ({ ...g, level: g.level ? g.level.toUpperCase() : null });

/**
 * The catalogue as an API, served inside the gateway (LocalGraphQLDataSource) from the gateway's
 * own database: readable by every authenticated caller; grants changed only by the owner's admin.
 */
export function catalogueSchema(grants: PgGrantSource) {
  return buildSubgraphSchema([
    {
      typeDefs: catalogueTypeDefs,
      resolvers: {
        DateTime,
        Query: {
          authorizationCatalogue: () => ({
            groups: FIELD_GROUPS.map((g) => ({ id: g.id, owner: g.owner, description: g.description, coordinates: g.coordinates, aggregateCoordinates: g.aggregates })),
            grants: grants.current().map(grantInfo),
          }),
        },
        Mutation: {
          grantAccess: async (_: unknown, args: { input: Parameters<PgGrantSource['grant']>[1] }, ctx: AuthorizedContext) => grantInfo(await grants.grant(ctx.auth.principal, args.input)),
          revokeGrant: async (_: unknown, args: { id: string; reason: string }, ctx: AuthorizedContext) => grantInfo(await grants.revoke(ctx.auth.principal, args.id, args.reason)),
        },
      } as never,
    },
  ]);
}
