import {
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { DATE_EXPECTED, DATE_TIME_EXPECTED, isCalendarDate, isInstant, badUserInput } from '@xiran/common';

/** The scalars whose values the supergraph passes through unchecked, and what each accepts. */
const CHECKED: Record<string, { accepts: (text: string) => boolean; expected: string }> = {
  Date: { accepts: isCalendarDate, expected: DATE_EXPECTED },
  DateTime: { accepts: isInstant, expected: DATE_TIME_EXPECTED },
};

/**
 * The gateway's schema has Date and DateTime without their parsers (the supergraph carries no
 * code), so a malformed date would travel to a subgraph and come back as a fault. Checked here
 * before planning instead: BAD_USER_INPUT, 400, `field` naming the argument (`from`,
 * `filter.receivedFrom`), for literals and for variables alike.
 */
export function checkInputScalars(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): void {
  const usedAt = new Map<string, string>();
  const literal = (node: ValueNode, type: GraphQLInputType, path: string): void => {
    if (node.kind === Kind.VARIABLE) {
      if (!usedAt.has(node.name.value)) usedAt.set(node.name.value, path);
      return;
    }
    if (node.kind === Kind.NULL) return;
    if (isNonNullType(type)) return literal(node, type.ofType, path);
    if (isListType(type)) {
      for (const item of node.kind === Kind.LIST ? node.values : [node]) literal(item, type.ofType, path);
      return;
    }
    if (isInputObjectType(type)) {
      if (node.kind !== Kind.OBJECT) return;
      const fields = type.getFields();
      for (const field of node.fields) {
        const def = fields[field.name.value];
        if (def) literal(field.value, def.type, `${path}.${field.name.value}`);
      }
      return;
    }
    const check = CHECKED[type.name];
    if (check && (node.kind !== Kind.STRING || !check.accepts(node.value))) throw refuse(path, check.expected, node.kind === Kind.STRING ? node.value : undefined);
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const type = typeInfo.getArgument()?.type;
        if (type) literal(node.value, type, node.name.value);
      },
    }),
  );

  const value = (given: unknown, type: GraphQLInputType, path: string): void => {
    if (given === null || given === undefined) return;
    if (isNonNullType(type)) return value(given, type.ofType, path);
    if (isListType(type)) {
      for (const item of Array.isArray(given) ? given : [given]) value(item, type.ofType, path);
      return;
    }
    if (isInputObjectType(type)) {
      if (typeof given !== 'object') return;
      const fields = type.getFields();
      for (const [name, inner] of Object.entries(given as Record<string, unknown>)) {
        const def = fields[name];
        if (def) value(inner, def.type, `${path}.${name}`);
      }
      return;
    }
    const check = CHECKED[type.name];
    if (check && (typeof given !== 'string' || !check.accepts(given))) throw refuse(path, check.expected, given);
  };
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    const name = definition.variable.name.value;
    if (type && variables && name in variables) value(variables[name], type, usedAt.get(name) ?? `$${name}`);
  }
}

function refuse(field: string, expected: string, given: unknown) {
  const got = given === undefined ? '' : `, got ${JSON.stringify(given)}`;
  return badUserInput(field, `${expected}${got}`, { http: { status: 400 } });
}
