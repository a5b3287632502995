import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * The field names selected on `typeName` in a selection set, looking through inline fragments
 * and fragment spreads (`*` matches every type condition; the gateway sends `... on Operator { ... }` inside `_entities`).
 * Resolvers use it to ask the database for exactly the parts a request selects, in one statement.
 */
export function selectedFields(
  selectionSet: SelectionSetNode | undefined,
  typeName: string,
  fragments: Record<string, FragmentDefinitionNode>,
  into: Map<string, FieldNode[]> = new Map(),
): Map<string, FieldNode[]> {
  if (!selectionSet) return into;
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'Field') {
      const name = selection.name.value;
      into.set(name, [...(into.get(name) ?? []), selection]);
    } else if (selection.kind === 'InlineFragment') {
      const condition = selection.typeCondition?.name.value;
      if (!condition || typeName === '*' || condition === typeName) selectedFields(selection.selectionSet, typeName, fragments, into);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment && (typeName === '*' || fragment.typeCondition.name.value === typeName)) {
        selectedFields(fragment.selectionSet, typeName, fragments, into);
      }
    }
  }
  return into;
}

/** Fields selected on `typeName` below the current field, optionally through a path (`nodes`). */
export function requestedFields(info: GraphQLResolveInfo, typeName: string, path: readonly string[] = []): Set<string> {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const step of path) {
    nodes = nodes.flatMap((node) => selectedFields(node.selectionSet, '*', info.fragments).get(step) ?? []);
  }
  const fields = new Map<string, FieldNode[]>();
  for (const node of nodes) selectedFields(node.selectionSet, typeName, info.fragments, fields);
  return new Set(fields.keys());
}
