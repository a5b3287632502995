import { responsePathAsArray, type GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { CATALOGUE, DISCLOSED_EXTENSION, type GroupId, type SubgraphAuth } from '@xiran/auth';
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
  /**
   * Groups a per-row derived value disclosed beyond its field's own group (a lead's facts repeat
   * the data of the groups it cites), with the operators: reported to the gateway in the answer's
   * extensions (DISCLOSED_EXTENSION), which records them in the request's audit entry.
   */
  disclosed?: Map<GroupId, Set<string>>;
}

/** Records that `groups` of `uscc`'s data left in this answer through a derived value. */
export function recordDisclosure(ctx: WithheldPartsContext, groups: readonly GroupId[], uscc: string): void {
  ctx.disclosed ??= new Map();
  for (const group of groups) {
    const operators = ctx.disclosed.get(group) ?? new Set<string>();
    operators.add(uscc);
    ctx.disclosed.set(group, operators);
  }
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

/**
 * Appends the recorded errors to the answer, and reports the recorded disclosures in its
 * extensions (Apollo Server plugin of every subgraph; only the gateway calls a subgraph).
 */
export function withheldPartsPlugin<TContext extends BaseContext & Partial<WithheldPartsContext>>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const errors = contextValue.withheldParts ?? [];
          if (errors.length > 0) result.errors = [...(result.errors ?? []), ...errors.map((e) => e.toJSON())];
          const disclosed = contextValue.disclosed;
          if (disclosed && disclosed.size > 0) {
            result.extensions = { ...result.extensions, [DISCLOSED_EXTENSION]: Object.fromEntries([...disclosed].map(([group, operators]) => [group, [...operators]])) };
          }
        },
      };
    },
  };
}
