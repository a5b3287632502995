import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, TypeInfo, validate, visit, visitWithTypeInfo } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { ALWAYS_READABLE, CATALOGUE } from '@xiran/auth';
import { SUPERGRAPH_PATH } from '@xiran/schema';
import { RULE_IDS, RULES } from './rules';

const api = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();

/** The field groups a query reads, from the catalogue, field by field. */
function groupsRead(query: string): string[] {
  const document = parse(query);
  const typeInfo = new TypeInfo(api);
  const groups = new Set<string>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const coordinate = `${parent?.name}.${node.name.value}`;
        if (node.name.value.startsWith('__') || ALWAYS_READABLE.has(coordinate)) return;
        const group = CATALOGUE.groupOf(coordinate);
        if (!group) throw new Error(`${coordinate} is in no field group`);
        groups.add(group.id);
      },
    }),
  );
  return [...groups].sort();
}

describe('the 相互比对 rules', () => {
  it('are the eight the mechanism names, each once', () => {
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
  });

  it.each(RULES.map((rule) => [rule.id, rule] as const))('%s is a valid query of the supergraph', (_id, rule) => {
    expect(validate(api, parse(rule.query))).toEqual([]);
  });

  // A caller sees a rule only while holding every group it declares: every group its query's fields
  // read must be declared, or a finding could show what a caller may not know. (A rule may declare
  // more: an argument can read a group too, e.g. hasOpenOutlets reads outlets.)
  it.each(RULES.map((rule) => [rule.id, rule] as const))('%s declares every field group its query reads', (_id, rule) => {
    const read = groupsRead(rule.query);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((group) => !rule.groups.includes(group as never))).toEqual([]);
  });
});
