import { describe, expect, it } from 'vitest';
import { getIntrospectionQuery, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_DOCUMENT_LIMITS, documentSize, exceededLimit } from './document-limits';

function size(query: string) {
  const document = parse(query);
  return documentSize(document, document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode);
}

/** 22 fragments, each spreading the next one twice: 1 KB of text, 4 million fields inlined. */
function doublingDocument(fragments = 22): string {
  let text = 'query Doubling { operator(uscc: "91330106MA27XXXX0X") { ...F0 } }\n';
  for (let i = 0; i < fragments; i++) text += `fragment F${i} on Operator { ${i < fragments - 1 ? `...F${i + 1} ...F${i + 1}` : 'name'} }\n`;
  return text;
}

describe('document size, over the fragment graph', () => {
  it('counts depth, aliases, root fields and fields as if fragments were inlined', () => {
    expect(size('{ a: operator(uscc: "x") { name b: status } operators { totalCount } }')).toEqual({ depth: 2, aliases: 2, rootFields: 2, expansion: 5 });
    expect(size('{ ...R } fragment R on Query { operator(uscc: "x") { ...F ...F } } fragment F on Operator { x: name }')).toEqual({ depth: 2, aliases: 2, rootFields: 1, expansion: 3 });
  });

  it('sizes the doubling document in linear time and refuses it', () => {
    const started = performance.now();
    const measured = size(doublingDocument(60));
    expect(performance.now() - started).toBeLessThan(50);
    expect(measured.expansion).toBeGreaterThanOrEqual(2 ** 59);
    expect(exceededLimit(size(doublingDocument()), DEFAULT_DOCUMENT_LIMITS)).toEqual(['expansion', 2 ** 21 + 1, DEFAULT_DOCUMENT_LIMITS.expansion]);
  });

  it('lets GraphiQL\'s introspection query through the defaults', () => {
    expect(exceededLimit(size(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true })), DEFAULT_DOCUMENT_LIMITS)).toBeNull();
  });

  it('names the first limit exceeded', () => {
    const deep = `{ ${'a { '.repeat(25)}b${' }'.repeat(25)} }`;
    expect(exceededLimit(size(deep), DEFAULT_DOCUMENT_LIMITS)?.[0]).toBe('depth');
    const aliased = `{ operator(uscc: "x") { ${Array.from({ length: 101 }, (_, i) => `a${i}: name`).join(' ')} } }`;
    expect(exceededLimit(size(aliased), DEFAULT_DOCUMENT_LIMITS)?.[0]).toBe('aliases');
    const roots = `{ ${Array.from({ length: 31 }, (_, i) => `r${i}: __typename`).join(' ')} }`;
    expect(exceededLimit(size(roots), { ...DEFAULT_DOCUMENT_LIMITS, aliases: 1000 })?.[0]).toBe('rootFields');
  });
});
