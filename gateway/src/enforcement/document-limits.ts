import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { queryTooComplex } from '@xiran/common';

/** How big an operation may be, counted after every fragment is inlined. */
export interface DocumentLimits {
  /** Nesting of fields (a leaf directly under the root is depth 1). */
  depth: number;
  /** Aliased fields. */
  aliases: number;
  /** Fields of the root type (each one is a plan of its own). */
  rootFields: number;
  /** Fields in all, every fragment spread counted as often as it is inlined. */
  expansion: number;
  /** Lexical tokens of the document, checked by the parser itself (graphql's `maxTokens`). */
  tokens: number;
}

/**
 * Generous for the platform's own operations: GraphiQL's introspection query (depth 15, with its
 * nested `ofType`), the cross-check engine's fused query, the tests' full selections.
 */
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = { depth: 20, aliases: 100, rootFields: 30, expansion: 5000, tokens: 10_000 };

export interface DocumentSize {
  depth: number;
  aliases: number;
  rootFields: number;
  expansion: number;
}

const EMPTY: DocumentSize = { depth: 0, aliases: 0, rootFields: 0, expansion: 0 };

/**
 * The size of an operation once its fragments are inlined, computed without inlining: each
 * fragment's size is computed once (memo) and added at each spread, so the work is linear in the
 * document however often fragments spread each other (22 fragments each spreading the next one
 * twice expand to 4 million fields; here they cost 22 look-ups). Counts grow past any limit
 * rather than overflow (a float reaches Infinity), and a cycle (refused by validation anyway)
 * counts as infinite.
 */
export function documentSize(document: DocumentNode, operation: OperationDefinitionNode): DocumentSize {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const memo = new Map<string, DocumentSize | 'pending'>();

  const fragmentSize = (name: string): DocumentSize => {
    const known = memo.get(name);
    if (known === 'pending') return { depth: Infinity, aliases: Infinity, rootFields: Infinity, expansion: Infinity };
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return EMPTY;
    memo.set(name, 'pending');
    const size = setSize(fragment.selectionSet);
    memo.set(name, size);
    return size;
  };

  // rootFields of a set: its fields at its own level (through fragments); used at the root only.
  const setSize = (set: SelectionSetNode): DocumentSize => {
    const out = { depth: 0, aliases: 0, rootFields: 0, expansion: 0 };
    for (const selection of set.selections) {
      let inner: DocumentSize;
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? setSize(selection.selectionSet) : EMPTY;
        inner = { depth: child.depth + 1, aliases: child.aliases + (selection.alias ? 1 : 0), rootFields: 1, expansion: child.expansion + 1 };
      } else {
        inner = selection.kind === Kind.INLINE_FRAGMENT ? setSize(selection.selectionSet) : fragmentSize(selection.name.value);
      }
      out.depth = Math.max(out.depth, inner.depth);
      out.aliases += inner.aliases;
      out.rootFields += inner.rootFields;
      out.expansion += inner.expansion;
    }
    return out;
  };
  return setSize(operation.selectionSet);
}

/** The first limit an operation exceeds, as [limit, size, maximum]; null when within all. */
export function exceededLimit(size: DocumentSize, limits: DocumentLimits): [keyof DocumentSize, number, number] | null {
  for (const key of ['depth', 'aliases', 'rootFields', 'expansion'] as const) {
    if (size[key] > limits[key]) return [key, size[key], limits[key]];
  }
  return null;
}

const NAMES: Record<keyof DocumentSize, string> = {
  depth: 'is nested deeper',
  aliases: 'has more aliases',
  rootFields: 'has more root fields',
  expansion: 'expands (fragments inlined) to more fields',
};

/**
 * Refuses, before any plan is made or any field filtered, an operation that exceeds a limit
 * (QUERY_TOO_COMPLEX, HTTP 400). Runs once the operation is resolved (graphql's own validation
 * memoises fragment pairs, so it stays linear on such documents); the size is remembered per
 * parsed document, which Apollo caches, so a repeated query pays one map look-up.
 */
export function useDocumentLimits(limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS): ApolloServerPlugin {
  const seen = new WeakMap<DocumentNode, Map<OperationDefinitionNode, DocumentSize>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return;
          let sizes = seen.get(document);
          if (!sizes) seen.set(document, (sizes = new Map()));
          let size = sizes.get(operation);
          if (!size) sizes.set(operation, (size = documentSize(document, operation)));
          const exceeded = exceededLimit(size, limits);
          if (exceeded) {
            const [limit, actual, maximum] = exceeded;
            throw queryTooComplex(`The operation ${NAMES[limit]} than the gateway allows (${limit}: ${Number.isFinite(actual) ? actual : 'unbounded'}, at most ${maximum}).`, { limit, maximum });
          }
        },
      };
    },
  };
}
