import { isObjectType, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import { CATALOGUE, type Catalogue } from '../catalogue/catalogue';
import { WRITES_BY_COORDINATE } from '../catalogue/writes';
import { forbidden } from '@xiran/common';
import type { SubgraphAuth } from './authentication';

/** Federation's own entry points, which carry no data of their own (each entity field is guarded). */
const FEDERATION_ALLOWED: Record<string, string[]> = { Query: ['_entities', '_service'], _Service: ['sdl'] };

/**
 * The same catalogue, enforced again inside a subgraph with graphql-shield: a rule per field of the
 * subgraph's schema built from the catalogue, deny for anything else. Works on the schema that
 * buildSubgraphSchema returned, so `__resolveReference` keeps running.
 */
export function shieldSubgraphSchema(schema: GraphQLSchema, options: { catalogue?: Catalogue } = {}): GraphQLSchema {
  const catalogue = options.catalogue ?? CATALOGUE;
  const tree: Record<string, Record<string, unknown>> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.keys(type.getFields())) {
      const coordinate = `${type.name}.${field}`;
      if (FEDERATION_ALLOWED[type.name]?.includes(field)) {
        (tree[type.name] ??= {})[field] = allow;
        continue;
      }
      // One named rule per coordinate: shield caches a rule's verdict per request by its name.
      (tree[type.name] ??= {})[field] = rule(coordinate, { cache: 'contextual' })((_parent, _args, context: { auth?: SubgraphAuth }) =>
        context.auth ? catalogue.decide(coordinate, context.auth.grants, context.auth.principal).allowed : false,
      );
    }
  }
  return applyMiddleware(
    schema,
    shield(tree as never, {
      // Deny by default: a field the tree does not name is refused.
      fallbackRule: deny,
      allowExternalErrors: true,
      fallbackError: (_thrown, _parent, _args, shieldContext, info) => {
        const context = shieldContext as { auth?: SubgraphAuth };
        const coordinate = `${info.parentType.name}.${info.fieldName}`;
        if (WRITES_BY_COORDINATE.has(coordinate)) return forbidden(`Not authorized to run ${coordinate} (see the write catalogue: who may run it, with which role).`, { coordinate, group: null });
        // The group refused: the coordinate's own, or for a derived value the source group missing.
        const decision = context.auth ? catalogue.decide(coordinate, context.auth.grants, context.auth.principal) : null;
        return forbidden(`Not authorized to read ${coordinate}.`, { coordinate, group: decision?.group ?? catalogue.groupOf(coordinate)?.id ?? null });
      },
    }),
  );
}
