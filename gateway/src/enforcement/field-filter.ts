import { randomBytes } from 'node:crypto';
import {
  GraphQLError,
  getNamedType,
  isAbstractType,
  isIntrospectionType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { FieldDecision, GroupId } from '@xiran/auth';
import { badUserInput, forbidden } from '@xiran/common';

/** A field taken out of the operation: where it was asked for and why it was refused. */
export interface RemovedField {
  /** Response keys from the root (aliases where given), without list positions. */
  path: string[];
  coordinate: string;
  group: GroupId | null;
  reason: string;
}

/** The shape of what the filtered operation asks for: which response key belongs to which group. */
export interface DisclosureNode {
  fields: Map<string, { group: GroupId | null; child?: DisclosureNode }>;
}

/**
 * Names the gateway adds to an operation begin with `__`, which a caller's alias or fragment name
 * may not (refused with BAD_USER_INPUT): a caller cannot answer in the gateway's place.
 */
export const RESERVED_PREFIX = '__';

/**
 * Alias of the operator key added to every selection that can carry one (for the audit trail).
 * Reserved, and besides unguessable (a suffix drawn at start-up), so that the attribution of an
 * answer never depends on what the caller selected.
 */
export const KEY_ALIAS = `__xiran_key_${randomBytes(6).toString('hex')}`;
const KEY_FIELDS = ['uscc', 'operatorUscc'];

export interface FilteredOperation {
  document: DocumentNode;
  /** Where the answer's values come from, per group (see disclosedOperators). */
  tree: DisclosureNode;
  operation: OperationDefinitionNode;
  removed: RemovedField[];
  /** Groups whose fields stay in the operation (for the audit trail). */
  groups: Set<GroupId>;
  changed: boolean;
}

/** Placeholder kept where every field of a selection was refused (a selection cannot be empty). */
export const PLACEHOLDER = `__xiran_refused_${randomBytes(6).toString('hex')}`;

function reservedName(what: 'alias' | 'fragment name', name: string): GraphQLError {
  return badUserInput(what === 'alias' ? 'alias' : 'fragment', `${JSON.stringify(name)}: names beginning with "${RESERVED_PREFIX}" are reserved for the gateway`, {
    http: { status: 400 },
  });
}

/**
 * The filter reads object types only; an interface or a union would let a field through unread.
 * A schema that has one (outside introspection) is refused when the gateway loads it.
 */
export function assertFilterableSchema(schema: GraphQLSchema): void {
  const abstract = Object.values(schema.getTypeMap()).filter((type) => isAbstractType(type) && !isIntrospectionType(type));
  if (abstract.length > 0) {
    throw new Error(`The field filter does not handle interfaces or unions (${abstract.map((t) => t.name).join(', ')}): extend it before serving such a schema`);
  }
}

/**
 * Removes from an operation every field the caller may not read, before any subgraph is asked.
 * Fragments are inlined first, so that a refusal is tied to the place a field was asked for.
 */
export function filterOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  decide: (coordinate: string) => FieldDecision,
): FilteredOperation {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) throw new Error('No operation to filter');
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  for (const name of Object.keys(fragments)) if (name.startsWith(RESERVED_PREFIX)) throw reservedName('fragment name', name);
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) throw new Error(`The schema has no ${operation.operation} type`);
  const removed: RemovedField[] = [];
  const groups = new Set<GroupId>();
  let changed = Object.keys(fragments).length > 0 || operations.length > 1;

  const filterSet = (set: SelectionSetNode, parent: GraphQLObjectType, path: string[], node: DisclosureNode): SelectionSetNode => {
    const kept: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (!fragment) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (!isObjectType(type)) continue;
        changed = true;
        kept.push({ kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: selection.directives, selectionSet: filterSet(fragment.selectionSet, type, path, node) });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (!isObjectType(type)) continue;
        kept.push({ ...selection, selectionSet: filterSet(selection.selectionSet, type, path, node) });
      } else {
        const field = filterField(selection, parent, path, node);
        if (field) kept.push(field);
      }
    }
    // The operator a value belongs to, for the audit trail; stripped from the answer.
    const keyField = KEY_FIELDS.find((f) => parent.getFields()[f]);
    if (keyField && path.length > 0 && decide(`${parent.name}.${keyField}`).allowed) {
      changed = true;
      kept.push({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: KEY_ALIAS }, name: { kind: Kind.NAME, value: keyField } });
    }
    if (kept.length === 0) {
      changed = true;
      kept.push({ kind: Kind.FIELD, alias: { kind: Kind.NAME, value: PLACEHOLDER }, name: { kind: Kind.NAME, value: '__typename' } });
    }
    return { ...set, selections: kept };
  };

  const filterField = (field: FieldNode, parent: GraphQLObjectType, path: string[], node: DisclosureNode): FieldNode | null => {
    const name = field.name.value;
    if (field.alias?.value.startsWith(RESERVED_PREFIX)) throw reservedName('alias', field.alias.value);
    const key = field.alias?.value ?? name;
    // Introspection is open to every authenticated caller: the schema and the catalogue are public.
    // Its fragments (GraphiQL's FullType, TypeRef…) are inlined too: the filtered document has none.
    if (name.startsWith('__')) return field.selectionSet ? { ...field, selectionSet: inlineSet(field.selectionSet) } : field;
    const coordinate = `${parent.name}.${name}`;
    const decision = decide(coordinate);
    if (!decision.allowed) {
      removed.push({ path: [...path, key], coordinate, group: decision.group, reason: decision.reason });
      changed = true;
      return null;
    }
    if (decision.group) groups.add(decision.group);
    const entry = node.fields.get(key) ?? { group: decision.group };
    node.fields.set(key, entry);
    if (!field.selectionSet) return field;
    const definition = parent.getFields()[name];
    const type = definition ? getNamedType(definition.type) : undefined;
    // Fail closed: a selection on a type the filter cannot read (an interface, a union) is refused.
    if (!isObjectType(type)) throw new Error(`The field filter cannot read the selection of ${coordinate} (type ${type?.name ?? 'unknown'})`);
    entry.child ??= { fields: new Map() };
    return { ...field, selectionSet: filterSet(field.selectionSet, type, [...path, key], entry.child) };
  };

  // Inside introspection nothing is filtered: fragments become inline fragments (each inlined once
  // and shared; the expansion is bounded before, by useDocumentLimits), aliases are still checked.
  const inlined = new Map<string, SelectionSetNode>();
  const inlineSet = (set: SelectionSetNode): SelectionSetNode => ({
    ...set,
    selections: set.selections.flatMap((selection): SelectionNode[] => {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias?.value.startsWith(RESERVED_PREFIX)) throw reservedName('alias', selection.alias.value);
        return [selection.selectionSet ? { ...selection, selectionSet: inlineSet(selection.selectionSet) } : selection];
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return [{ ...selection, selectionSet: inlineSet(selection.selectionSet) }];
      const fragment = fragments[selection.name.value];
      if (!fragment) return [];
      changed = true;
      let body = inlined.get(fragment.name.value);
      if (!body) inlined.set(fragment.name.value, (body = inlineSet(fragment.selectionSet)));
      return [{ kind: Kind.INLINE_FRAGMENT, typeCondition: fragment.typeCondition, directives: selection.directives, selectionSet: body }];
    }),
  });

  const tree: DisclosureNode = { fields: new Map() };
  const filtered: OperationDefinitionNode = { ...operation, selectionSet: filterSet(operation.selectionSet, root, [], tree) };
  return { document: { kind: Kind.DOCUMENT, definitions: [filtered] }, tree, operation: filtered, removed, groups, changed };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Concrete response paths (with list positions) where `path` lands in `data`. */
function occurrences(data: Json | undefined, path: readonly string[], prefix: (string | number)[] = []): Array<(string | number)[]> {
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) return data.flatMap((item, i) => occurrences(item, path, [...prefix, i]));
  if (path.length === 1) return typeof data === 'object' ? [[...prefix, path[0]!]] : [];
  if (typeof data !== 'object') return [];
  return occurrences((data as Record<string, Json>)[path[0]!], path.slice(1), [...prefix, path[0]!]);
}

function setNull(data: Record<string, Json>, path: readonly (string | number)[]): void {
  let node: Json = data;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, Json>)[step] ?? null;
  if (node && typeof node === 'object') (node as Record<string | number, Json>)[path[path.length - 1]!] = null;
}

function dropPlaceholders(node: Json): void {
  if (Array.isArray(node)) node.forEach(dropPlaceholders);
  else if (node && typeof node === 'object') {
    delete node[PLACEHOLDER];
    Object.values(node).forEach(dropPlaceholders);
  }
}


/**
 * Puts `null` wherever a refused field was asked for, and one FORBIDDEN error per refused field
 * whose path names it (at its first occurrence, with list positions; the pattern when none).
 */
export function applyRefusals(data: Record<string, Json> | null | undefined, removed: readonly RemovedField[]): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const field of removed) {
    const found = data ? occurrences(data, field.path) : [];
    for (const path of found) setNull(data!, path);
    errors.push(
      forbidden(field.reason === 'NOT_UPLOADER'
        ? `Not authorized to run ${field.coordinate} (see the write catalogue: who may run it, with which role).`
        : `Not authorized to read ${field.coordinate}${field.group ? ` (field group ${field.group})` : ' (in no field group)'}.`, {
        group: field.group,
        coordinate: field.coordinate,
        occurrences: found.length,
      }, found[0] ?? field.path),
    );
  }
  // A placeholder stands only where every field of a selection was refused: no refusal, no walk.
  if (data && removed.length > 0) dropPlaceholders(data);
  return errors;
}

/**
 * Which operators each group's returned values belong to: walks the answer along the operation,
 * taking the nearest enclosing key, and strips the added key aliases. A group whose fields all came
 * back null or empty disclosed nothing and is absent; statistics disclose a group with no operator.
 */
export function disclosedOperators(tree: DisclosureNode, data: Record<string, Json> | null | undefined): Map<GroupId, Set<string>> {
  const out = new Map<GroupId, Set<string>>();
  const walk = (node: DisclosureNode, value: Json | undefined, key: string | null): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(node, item, key);
      return;
    }
    if (typeof value !== 'object') return;
    const own = value[KEY_ALIAS];
    const current = typeof own === 'string' ? own : key;
    delete value[KEY_ALIAS];
    for (const [responseKey, field] of node.fields) {
      const v = value[responseKey];
      if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      if (field.group) {
        const set = out.get(field.group) ?? new Set<string>();
        if (current) set.add(current);
        out.set(field.group, set);
      }
      if (field.child) walk(field.child, v, current);
    }
  };
  if (data) walk(tree, data, null);
  return out;
}
