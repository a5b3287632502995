import { responsePathAsArray, type GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { CATALOGUE, type GroupId, type SubgraphAuth } from '@xiran/auth';
import { forbidden } from '@xiran/common';

/**
 * Mixed values (spec: "Derived values reveal their sources"): a field made of parts of several
 * groups answers the parts of the groups the caller holds, and the reply says at the field's path
 * which groups were withheld, so that a partial list never reads as a complete one. A resolver can
 * return a value or throw, not both: it records the error here and the plugin appends it.
 */
export interface WithheldPartsContext {
  auth: SubgraphAuth;
  withheldParts: GraphQLError[];
}

/**
 * The parts of `value` the caller may see (per the catalogue's `reveals` of `info`'s coordinate),
 * recording a FORBIDDEN error that names the withheld groups. The error is recorded whenever the
 * caller lacks a group, whether or not this value had a part of it: its presence must not tell
 * that a withheld part exists.
 */
export function visibleParts<T extends { group: GroupId }>(parts: readonly T[], ctx: WithheldPartsContext, info: GraphQLResolveInfo): T[] {
  const coordinate = `${info.parentType.name}.${info.fieldName}`;
  const withheld = CATALOGUE.withheldParts(coordinate, ctx.auth.grants);
  if (withheld.length === 0) return [...parts];
  ctx.withheldParts.push(
    forbidden(`Part of ${coordinate} is withheld: it reveals ${withheld.join(', ')}, which the caller holds no grant of.`, { coordinate, withheldGroups: withheld }, responsePathAsArray(info.path)),
  );
  return parts.filter((part) => !withheld.includes(part.group));
}

/** Appends the recorded errors to the answer (Apollo Server plugin of every subgraph). */
export function withheldPartsPlugin<TContext extends BaseContext & Partial<WithheldPartsContext>>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const errors = contextValue.withheldParts ?? [];
          if (errors.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...errors.map((e) => e.toJSON())];
        },
      };
    },
  };
}
