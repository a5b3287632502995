import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { defaultSubgraphUrl, subgraphSdlText, SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs';

/**
 * Composes the committed supergraph from each subgraph's SDL file (never over HTTP: subgraphs
 * answer only signed gateway requests). Throws with every composition error listed.
 */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({ name: s.name, url: defaultSubgraphUrl(s.name), typeDefs: parse(subgraphSdlText(s.name)) })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

export function readCommittedSupergraph(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}

// `npm run compose` writes the file; `npm run compose -- --check` fails when it is stale.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const composed = composeSupergraph();
  if (process.argv.includes('--check')) {
    if (composed !== readCommittedSupergraph()) {
      console.error('schema/supergraph.graphql is out of date: run `npm run compose` and commit it.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
  } else {
    writeFileSync(SUPERGRAPH_PATH, composed);
    console.log(`Wrote ${SUPERGRAPH_PATH}`);
  }
}
