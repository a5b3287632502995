import { createHash } from 'node:crypto';
import { Kind, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { CATALOGUE, type Catalogue, AUDIT_ROOT_FIELDS, type GroupId } from '@xiran/auth';
import { auditUnavailable, badUserInput } from '@xiran/common';
import { applyRefusals, assertFilterableSchema, disclosedOperators, filterOperation, KEY_ALIAS } from './field-filter';
import { operationHash } from '../audit/chain';
import { checkInputScalars } from './input-scalars';
import { auditCaller, type AuditTrail } from '../audit/trail';
import type { GatewayAuth } from './authentication';

/** The per-request context the gateway builds; the authorization wrapper reads `auth` from it. */
export interface AuthorizedContext {
  auth: GatewayAuth;
  /**
   * What gateway-local resolvers disclosed beyond the fields' own groups (a cross-check finding
   * discloses its rule's groups for its operator): recorded in the request's audit entry too.
   */
  disclosed?: Map<GroupId, Set<string>>;
}

/**
 * Authorization at the gateway, before planning: the executor that ApolloGateway.load() returns is
 * wrapped so that every field the caller has no grant for is removed from the operation, no
 * subgraph is asked for it, and the response has null there with a FORBIDDEN error naming it.
 *
 * The gateway caches query plans by `queryHash`: a rewritten document gets the hash of its own
 * text, or another caller's cached plan (with the refused field in it) would run.
 */
export function useAuthorization(gateway: GatewayInterface, options: { audit: AuditTrail; catalogue?: Catalogue }): GatewayInterface {
  const catalogue = options.catalogue ?? CATALOGUE;
  // Checked once per loaded schema: one with an interface or a union is answered with no data.
  const filterable = new WeakSet<object>();
  const wrap = (executor: GatewayExecutor): GatewayExecutor => async (requestContext) => {
    const context = requestContext.context as Partial<AuthorizedContext>;
    const schema = requestContext.schema;
    if (!context.auth) throw new Error('Authorization needs an authenticated context');
    if (!filterable.has(schema)) {
      assertFilterableSchema(schema);
      filterable.add(schema);
    }
    const grants = context.auth.grants;
    if (!requestContext.operation) throw unresolvedOperation(requestContext.document, requestContext.request.operationName);
    checkInputScalars(schema, requestContext.document, requestContext.operation, requestContext.request.variables);
    const askedHash = operationHash(requestContext.source, requestContext.request.variables);
    // Derived coordinates kept in the operation: their answers disclose the groups they reveal too.
    const derivedKept = new Set<string>();
    const filtered = filterOperation(schema, requestContext.document, requestContext.operationName, (coordinate) => {
      const decision = catalogue.decide(coordinate, grants, context.auth!.principal);
      if (decision.allowed && catalogue.derivation(coordinate)) derivedKept.add(coordinate);
      return decision;
    });
    if (filtered.changed) {
      const source = print(filtered.document);
      const rewritten = requestContext as { -readonly [K in keyof GatewayGraphQLRequestContext]: GatewayGraphQLRequestContext[K] };
      rewritten.document = filtered.document;
      rewritten.source = source;
      rewritten.operation = filtered.operation;
      rewritten.queryHash = createHash('sha256').update(source).digest('hex');
    }
    const caller = { ...auditCaller(context.auth, requestContext.operationName ?? null), operationHash: askedHash };
    const refused = filtered.removed.map((r) => ({ coordinate: r.coordinate, group: r.group, code: 'FORBIDDEN' }));
    const mutation = filtered.operation.operation === 'mutation';
    // A write is traced before it happens: no committed intent entry, no write (fail closed).
    let intent: number | null = null;
    if (mutation) {
      try {
        intent = (await options.audit.append({ ...caller, kind: 'WRITE_INTENT', disclosed: [], refused, detail: { fields: rootFields(filtered.operation) } })).seq;
      } catch (error) {
        console.error('[audit] intent not written; write not forwarded', error);
        return { errors: [auditUnavailable()] };
      }
    }
    const result = await executor(requestContext);
    // Read before disclosedOperators strips the key aliases from the answer.
    const writes = mutation ? writtenFields(filtered.operation, result.data as Record<string, unknown> | null | undefined) : [];
    const refusals = applyRefusals(result.data as never, filtered.removed);
    const disclosed = disclosedOperators(filtered.tree, result.data as never);
    addRevealed(disclosed, derivedKept, catalogue, grants);
    for (const [group, operators] of context.disclosed ?? []) {
      const set = disclosed.get(group) ?? new Set<string>();
      for (const uscc of operators) set.add(uscc);
      disclosed.set(group, set);
    }
    // Fail closed: the answer leaves only once its audit entry is committed.
    try {
      await options.audit.append({
        ...caller,
        // A mutation's outcome names its intent: WRITE when something was written, else WRITE_FAILED.
        kind: mutation
          ? writes.length > 0
            ? 'WRITE'
            : 'WRITE_FAILED'
          : filtered.operation.selectionSet.selections.some((f) => f.kind === 'Field' && AUDIT_ROOT_FIELDS.has(f.name.value))
            ? 'AUDIT_READ'
            : disclosed.size > 0 || !refusals.length
              ? 'READ'
              : 'REFUSAL',
        disclosed: [...disclosed].map(([group, operators]) => ({ group, grant: grants.get(group)?.grantId ?? null, operators: [...operators].sort() })),
        refused,
        // What was written: the mutations run, and the records and batches they answered with.
        detail: mutation ? { intent, writes, ...(writes.length ? {} : { errors: errorCodes(result.errors) }) } : null,
      });
    } catch (error) {
      console.error('[audit] entry not written; answer withheld', error);
      return { errors: [auditUnavailable()] };
    }
    if (refusals.length === 0) return result;
    return { ...result, errors: [...(result.errors ?? []), ...refusals] };
  };
  return {
    async load(options) {
      const loaded = await gateway.load(options);
      if (!loaded.executor) throw new Error('The gateway loaded no executor');
      return { executor: wrap(loaded.executor) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}

/** The mutation fields an operation asks to run (what its intent entry announces). */
function rootFields(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD && !s.name.value.startsWith('__') ? [s.name.value] : []));
}

/** The codes of a failed write's errors (never their messages, which may quote values). */
function errorCodes(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))].sort();
}

/**
 * A derived value discloses the groups it reveals (a part of a mixed value only where the caller
 * holds that part's group): recorded for the operators its own group disclosed. This may name an
 * operator for whom only the own group's plain fields were asked in the same operation; the trail
 * errs on the side of recording a disclosure.
 */
function addRevealed(disclosed: Map<GroupId, Set<string>>, coordinates: ReadonlySet<string>, catalogue: Catalogue, grants: GatewayAuth['grants']): void {
  for (const coordinate of coordinates) {
    const own = catalogue.groupOf(coordinate)?.id;
    const operators = own ? disclosed.get(own) : undefined;
    if (!operators) continue;
    const withheld = new Set(catalogue.withheldParts(coordinate, grants));
    for (const group of catalogue.derivation(coordinate)!.reveals) {
      if (withheld.has(group)) continue;
      const set = disclosed.get(group) ?? new Set<string>();
      for (const uscc of operators) set.add(uscc);
      disclosed.set(group, set);
    }
  }
}

/**
 * Apollo Server hands the executor a document whose operation it could not pick (an unknown
 * `operationName`, or several operations and none named): the client's mistake, answered 400
 * with the operations the document does hold.
 */
function unresolvedOperation(document: DocumentNode, operationName: string | null | undefined) {
  const names = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : []));
  const message = operationName
    ? `no operation named ${JSON.stringify(operationName)} in the document (it holds ${names.join(', ') || 'none'})`
    : `the document holds ${names.length} operations (${names.join(', ')}): name the one to run`;
  return badUserInput('operationName', message, { http: { status: 400 } });
}

/**
 * The mutations that ran, each with the ids its answer carries (a record's key, a batch id), so
 * that a write can be traced in the audit trail to the batch in the department's change log.
 */
function writtenFields(operation: OperationDefinitionNode, data: Record<string, unknown> | null | undefined): Array<{ field: string; ids: string[] }> {
  const out: Array<{ field: string; ids: string[] }> = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value.startsWith('__')) continue;
    const value = data?.[selection.alias?.value ?? selection.name.value];
    if (value === null || value === undefined) continue;
    const ids = new Set<string>();
    const collect = (v: unknown, depth: number) => {
      if (!v || typeof v !== 'object' || depth > 2) return;
      for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
        if (typeof inner === 'string' && ['id', 'uscc', 'batchId', KEY_ALIAS].includes(key)) ids.add(inner);
        else if (inner && typeof inner === 'object') collect(inner, depth + 1);
      }
    };
    collect(value, 0);
    out.push({ field: selection.name.value, ids: [...ids].sort() });
  }
  return out;
}
