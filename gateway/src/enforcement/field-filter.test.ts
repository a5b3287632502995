import { describe, expect, it } from 'vitest';
import { buildSchema, getIntrospectionQuery, parse, print, type GraphQLError } from 'graphql';
import { assertFilterableSchema, disclosedOperators, filterOperation, KEY_ALIAS } from './field-filter';
import type { FieldDecision } from '@xiran/auth';

const schema = buildSchema(`
  type Query { operator(uscc: String!): Operator }
  type Operator { uscc: String! name: String status: String secret: String }
`);
const decide = (coordinate: string): FieldDecision =>
  coordinate === 'Operator.secret' ? { allowed: false, group: 'g2' as never, reason: 'NO_GRANT' } : { allowed: true, group: 'g1' as never, grant: null };

function refusal(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected a refusal');
}

describe('names the gateway adds cannot be a caller\'s', () => {
  it('refuses a caller alias beginning with __ (the audit key spoof) with BAD_USER_INPUT', () => {
    const error = refusal(() => filterOperation(schema, parse('{ operator(uscc: "x") { __xiran_key: name status } }'), null, decide));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('__xiran_key');
  });

  it('refuses it inside introspection too, and a fragment name beginning with __', () => {
    expect(refusal(() => filterOperation(schema, parse('{ __schema { __k: types { name } } }'), null, decide)).extensions.code).toBe('BAD_USER_INPUT');
    expect(refusal(() => filterOperation(schema, parse('{ operator(uscc: "x") { ...__F } } fragment __F on Operator { name }'), null, decide)).extensions.code).toBe('BAD_USER_INPUT');
  });

  it('attributes by a key the caller cannot name: the answer\'s operator comes from the gateway\'s own alias', () => {
    expect(KEY_ALIAS).toMatch(/^__xiran_key_[0-9a-f]{12}$/);
    const filtered = filterOperation(schema, parse('{ operator(uscc: "x") { name } }'), null, decide);
    expect(print(filtered.document)).toContain(`${KEY_ALIAS}: uscc`);
    const data = { operator: { name: 'A', [KEY_ALIAS]: '91330106MA27XXXX0X' } };
    expect(disclosedOperators(filtered.tree, data as never).get('g1' as never)).toEqual(new Set(['91330106MA27XXXX0X']));
    expect(data.operator).toEqual({ name: 'A' });
  });
});

describe('introspection with named fragments (GraphiQL\'s Docs pane)', () => {
  it('inlines FullType, InputValue and TypeRef: the filtered document has no fragment left to miss', () => {
    const filtered = filterOperation(schema, parse(getIntrospectionQuery()), null, decide);
    expect(filtered.document.definitions).toHaveLength(1);
    const printed = print(filtered.document);
    expect(printed).not.toMatch(/\.\.\.\s*(?!on\b)[A-Za-z]/);
    expect(printed).toContain('... on __Type');
  });
});

describe('fail closed on abstract types', () => {
  const abstract = buildSchema(`
    type Query { things: [Thing] }
    interface Thing { id: ID }
    type Operator implements Thing { id: ID secret: String }
  `);

  it('refuses a schema with an interface or a union', () => {
    expect(() => assertFilterableSchema(abstract)).toThrow(/interfaces or unions \(Thing\)/);
    expect(() => assertFilterableSchema(buildSchema('type Query { a: A } union A = B | C type B { x: Int } type C { y: Int }'))).toThrow(/\(A\)/);
    expect(() => assertFilterableSchema(schema)).not.toThrow();
  });

  it('never passes a selection on an abstract type through unread', () => {
    expect(() => filterOperation(abstract, parse('{ things { ... on Operator { secret } } }'), null, decide)).toThrow(/cannot read the selection of Query.things/);
  });
});
