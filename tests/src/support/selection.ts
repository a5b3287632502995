import { getNamedType, isInterfaceType, isLeafType, isObjectType, isUnionType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';

/**
 * Every field of `typeName` as a selection set, nested to `depth`, skipping fields with required
 * arguments and entity references into other subgraphs' types beyond their key. Tests use it so
 * that a new field is covered without editing the test.
 */
export function fullSelection(schema: GraphQLSchema, typeName: string, depth = 3): string {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type in this schema`);
  // A reference to another entity (a ticket's operator) is a separate fetch: select its typename only.
  const entityUnion = schema.getType('_Entity');
  const entities = new Set(isUnionType(entityUnion) ? entityUnion.getTypes().map((t) => t.name) : []);
  return selectionOf(type, depth, entities);
}

function selectionOf(type: GraphQLObjectType, depth: number, entities: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.name.startsWith('_')) continue;
    if (field.args.some((a) => a.type.toString().endsWith('!') && a.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && entities.has(named.name)) parts.push(`${field.name} { __typename }`);
    else if (isObjectType(named) && depth > 0) parts.push(`${field.name} { ${selectionOf(named, depth - 1, entities)} }`);
    else if ((isInterfaceType(named) || isUnionType(named)) && depth > 0) parts.push(`${field.name} { __typename }`);
  }
  return parts.join(' ');
}
