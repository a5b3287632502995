import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { rateLimited } from '@xiran/common';
import { SYSTEM_SUBJECT_PREFIX } from './enforcement/authentication';
import { WindowCounter } from './enforcement/rate-limit';
import type { AuthorizedContext } from './enforcement/authorization';

/** Imports of a whole dataset: `importRegistrationData`, `importEmissionsData`, … */
const IMPORT_FIELD = /^import[A-Z]\w*Data$/;

/** The root fields an operation runs, through its fragments (each fragment looked at once). */
function rootFields(document: DocumentNode, set: SelectionSetNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const out: FieldNode[] = [];
  const walk = (s: SelectionSetNode) => {
    for (const selection of s.selections) {
      if (selection.kind === Kind.FIELD) out.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(set);
  return out;
}

/** `fresh:` as given (a literal or a variable); the default is false. */
function isFresh(field: FieldNode, variables: Record<string, unknown> | undefined): boolean {
  const argument = field.arguments?.find((a) => a.name.value === 'fresh');
  if (!argument) return false;
  if (argument.value.kind === Kind.BOOLEAN) return argument.value.value;
  if (argument.value.kind === Kind.VARIABLE) return variables?.[argument.value.name.value] === true;
  return false;
}

/** The fields whose cost is not bounded by the caller's selection: a fresh cross-check, a full run, an import. */
export function expensiveFields(document: DocumentNode, set: SelectionSetNode, variables?: Record<string, unknown>): string[] {
  return rootFields(document, set)
    .filter((f) => (f.name.value === 'crossCheck' && isFresh(f, variables)) || f.name.value === 'runCrossCheck' || IMPORT_FIELD.test(f.name.value))
    .map((f) => f.name.value);
}

/**
 * Per caller (`sub`), at most `perWindow` expensive operations per window (RATE_LIMIT_EXPENSIVE,
 * RATE_LIMIT_WINDOW_SECONDS): beyond, RATE_LIMITED with Retry-After. The platform's own
 * principals (the scheduled cross-check) are not counted; callers cannot claim their subjects.
 * 0: no limit (the benchmark times `crossCheck(fresh: true)` in a loop).
 */
export function useExpensiveOperationLimit(options: { perWindow: number; windowSeconds: number; counter?: WindowCounter }): ApolloServerPlugin<AuthorizedContext> {
  // Shared with POST /imports/:dataset when given: an import counts once, whichever door it takes.
  const counter = options.counter ?? new WindowCounter(options.windowSeconds * 1000);
  const sweeper = setInterval(() => counter.sweep(), options.windowSeconds * 1000);
  sweeper.unref();
  return {
    async serverWillStart() {
      return {
        async serverWillStop() {
          clearInterval(sweeper);
        },
      };
    },
    async requestDidStart() {
      if (options.perWindow === 0) return;
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          const sub = contextValue.auth?.principal.sub;
          if (!operation || !sub || sub.startsWith(SYSTEM_SUBJECT_PREFIX)) return;
          const expensive = expensiveFields(document, operation.selectionSet, request.variables);
          if (expensive.length === 0) return;
          // Each field counts: thirty aliased fresh cross-checks are thirty.
          let hit = counter.hit(sub);
          for (let i = 1; i < expensive.length; i++) hit = counter.hit(sub);
          if (hit.count > options.perWindow) {
            throw rateLimited(
              `Too many expensive operations (${expensive.join(', ')}): at most ${options.perWindow} per caller in ${options.windowSeconds} s.`,
              hit.retryAfterSeconds,
            );
          }
        },
      };
    },
  };
}
