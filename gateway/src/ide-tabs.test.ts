import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kind, parse, print, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { SUPERGRAPH_PATH } from '@xiran/schema';
import { IDE_TABS, MY_ACCESS } from './ide-tabs';
import { withIdeLink } from './sandbox-landing-page';

const api = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** An operation's selection set, printed: comments, names and layout do not count. */
const selections = (document: DocumentNode) =>
  document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => print(d.selectionSet));

/** Every operation in the README's ```graphql blocks that parses (some show placeholders). */
const readmeSelections = new Set(
  [...README.matchAll(/```graphql\n([\s\S]*?)```/g)].flatMap(([, block]) => {
    try {
      return selections(parse(block!));
    } catch {
      return [];
    }
  }),
);

describe('the IDE tabs', () => {
  const tabs = IDE_TABS.map((tab) => [(parse(tab.query).definitions[0] as OperationDefinitionNode).name?.value ?? '(unnamed)', tab] as const);

  it.each(tabs)('%s is valid against the supergraph and one of the README examples', (_name, tab) => {
    const document = parse(tab.query);
    expect(validate(api, document)).toEqual([]);
    expect(document.definitions).toHaveLength(1);
    expect((document.definitions[0] as OperationDefinitionNode).name, 'a name: GraphiQL titles the tab with it').toBeDefined();
    expect(readmeSelections.has(selections(document)[0]!), 'the README shows the same selection').toBe(true);
    if (tab.variables) expect(() => JSON.parse(tab.variables!)).not.toThrow();
  });

  it('the first tab reads one operator across all five departments', () => {
    const fields = print(parse(IDE_TABS[0]!.query));
    // One field of each department's data: registration, emissions, social insurance, complaints, association.
    for (const field of ['districtName', 'emissionSummary', 'socialInsuranceStatus', 'complaintSummary', 'membership']) {
      expect(fields).toContain(field);
    }
  });

  it('has the "What may I read" query as a tab', () => {
    expect(IDE_TABS.map((t) => t.query)).toContain(MY_ACCESS);
    expect(print(parse(MY_ACCESS))).toContain('myAccess {\n    groups {\n      id\n      scope\n      district\n      reveals');
  });
});

describe('the Sandbox page', () => {
  const page = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-abc123'" /></head>
<body><div id="react-root"><script nonce="abc123" src="https://embeddable-sandbox.cdn.apollographql.com/v2/x.js"></script></div></body></html>`;

  it('links to /graphiql in plain HTML before any script, styled with the page nonce', () => {
    const html = withIdeLink(page);
    const link = html.indexOf('href="./graphiql"');
    expect(link).toBeGreaterThan(html.indexOf('<body>'));
    expect(link).toBeLessThan(html.indexOf('<script'));
    expect(html).toContain('<style nonce="abc123">');
  });
});
