import { Kind, OperationTypeNode, parse, print, visit, type DocumentNode, type ExecutionResult, type FieldNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import type { CrossCheckRuleDefinition, RuleContext, RuleFinding } from './rules';
import type { Thresholds } from './config';

/** Runs an operation through the gateway (planning, enforcement, audit) as the cross-check's system principal. */
export type SystemExecute = (query: string, variables: Record<string, unknown>) => Promise<ExecutionResult>;

export interface Finding extends RuleFinding {
  /** `<rule>:<district>:<uscc>`: stable while the finding lasts. */
  id: string;
  rule: CrossCheckRuleDefinition;
  district: string;
}

export function findingId(rule: string, district: string, uscc: string): string {
  return `${rule}:${district}:${uscc}`;
}

export class CrossCheckFailed extends Error {}

/** Pages followed per connection before giving up: 50 × 1,000 rows is beyond any district. */
const MAX_PAGES = 50;

/** A JavaScript value as a GraphQL literal (rule variables are strings, numbers, booleans, lists or null). */
function literal(value: unknown): ValueNode {
  if (value === null || value === undefined) return { kind: Kind.NULL };
  if (typeof value === 'string') return { kind: Kind.STRING, value };
  if (typeof value === 'boolean') return { kind: Kind.BOOLEAN, value };
  if (typeof value === 'number') return Number.isInteger(value) ? { kind: Kind.INT, value: String(value) } : { kind: Kind.FLOAT, value: String(value) };
  if (Array.isArray(value)) return { kind: Kind.LIST, values: value.map(literal) };
  throw new Error(`No GraphQL literal for ${JSON.stringify(value)}`);
}

const parsed = new Map<string, OperationDefinitionNode>();
function operationOf(rule: CrossCheckRuleDefinition): OperationDefinitionNode {
  let operation = parsed.get(rule.id);
  if (!operation) {
    operation = parse(rule.query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    parsed.set(rule.id, operation);
  }
  return operation;
}

/**
 * Evaluates rules over a district. Each rule is one query (its own document, variables and
 * connections); the rules asked for together are sent as ONE federated operation: each rule's root
 * fields with its variables inlined, a root field two rules ask for identically fetched once (the
 * district's complaint tallies serve three rules). A connection's further pages, only when a
 * district outgrows a page, are fetched with the rule's own query. Any error fails the evaluation:
 * a partial answer would silently hide findings.
 */
export class CrossCheckEngine {
  constructor(
    private readonly execute: SystemExecute,
    private readonly thresholds: () => Thresholds,
    private readonly today: () => string,
  ) {}

  /** The findings of each rule, in the order of `rules`. */
  async evaluateEach(district: string, rules: readonly CrossCheckRuleDefinition[]): Promise<Finding[][]> {
    if (rules.length === 0) return [];
    const context: RuleContext = { district, today: this.today(), thresholds: this.thresholds() };
    const fields = new Map<string, { alias: string; node: FieldNode }>();
    const wiring = rules.map((rule) => {
      const variables = rule.variables(context);
      const operation = visit(operationOf(rule), {
        Variable: (node) => literal(variables[node.name.value] ?? null),
        VariableDefinition: () => null,
      });
      const aliases: Array<[string, string]> = [];
      for (const selection of operation.selectionSet.selections) {
        if (selection.kind !== Kind.FIELD) throw new Error(`${rule.id}: root selections must be fields`);
        const own = selection.alias?.value ?? selection.name.value;
        const key = print({ ...selection, alias: undefined });
        let shared = fields.get(key);
        if (!shared) fields.set(key, (shared = { alias: `f${fields.size}`, node: { ...selection, alias: { kind: Kind.NAME, value: `f${fields.size}` } } }));
        aliases.push([own, shared.alias]);
      }
      return { rule, variables, aliases };
    });
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: OperationTypeNode.QUERY, name: { kind: Kind.NAME, value: 'CrossCheck' }, selectionSet: { kind: Kind.SELECTION_SET, selections: [...fields.values()].map((f) => f.node) } }],
    };
    const fused = await this.run('CrossCheck', print(document), {});
    const found: Finding[][] = [];
    for (const { rule, variables, aliases } of wiring) {
      // Connections are extended page by page: a rule gets its own copy of those it may extend.
      const data: Record<string, any> = Object.fromEntries(aliases.map(([own, alias]) => [own, rule.paged?.includes(own) ? structuredClone(fused[alias]) : fused[alias]]));
      await this.followPages(rule, variables, data);
      found.push(rule.evaluate(data, context).map((finding) => ({ ...finding, id: findingId(rule.id, district, finding.uscc), rule, district })));
    }
    return found;
  }

  private async run(name: string, query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
    const result = await this.execute(query, variables);
    if (result.errors?.length || !result.data) throw new CrossCheckFailed(`${name}: ${result.errors?.map((e) => e.message).join('; ') ?? 'no data'}`);
    return result.data as Record<string, any>;
  }

  private async followPages(rule: CrossCheckRuleDefinition, variables: Record<string, unknown>, data: Record<string, any>): Promise<void> {
    for (const alias of rule.paged ?? []) {
      let page = data[alias];
      for (let n = 1; page?.pageInfo?.hasNextPage; n++) {
        if (n >= MAX_PAGES) throw new CrossCheckFailed(`${rule.id}: ${alias} has more than ${MAX_PAGES} pages`);
        page = (await this.run(rule.id, rule.query, { ...variables, [`${alias}After`]: page.pageInfo.endCursor }))[alias];
        data[alias].nodes.push(...page.nodes);
      }
    }
  }
}
