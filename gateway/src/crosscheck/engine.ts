import type { ExecutionResult } from 'graphql';
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

/**
 * Evaluates rules over a district: one federated query per rule (its connections' further pages
 * only when a district outgrows a page), the rules in parallel. A rule whose query comes back with
 * any error fails the whole evaluation: a partial answer would silently hide findings.
 */
export class CrossCheckEngine {
  constructor(
    private readonly execute: SystemExecute,
    private readonly thresholds: () => Thresholds,
    private readonly today: () => string,
  ) {}

  async evaluate(district: string, rules: readonly CrossCheckRuleDefinition[]): Promise<Finding[]> {
    const results = await Promise.all(rules.map((rule) => this.evaluateRule(rule, district)));
    return results.flat();
  }

  async evaluateRule(rule: CrossCheckRuleDefinition, district: string): Promise<Finding[]> {
    const context: RuleContext = { district, today: this.today(), thresholds: this.thresholds() };
    const data = await this.fetch(rule, rule.variables(context));
    return rule.evaluate(data, context).map((finding) => ({ ...finding, id: findingId(rule.id, district, finding.uscc), rule, district }));
  }

  private async fetch(rule: CrossCheckRuleDefinition, variables: Record<string, unknown>): Promise<Record<string, any>> {
    const run = async (vars: Record<string, unknown>) => {
      const result = await this.execute(rule.query, vars);
      if (result.errors?.length || !result.data) {
        throw new CrossCheckFailed(`${rule.id}: ${result.errors?.map((e) => e.message).join('; ') ?? 'no data'}`);
      }
      return result.data as Record<string, any>;
    };
    const data = await run(variables);
    for (const alias of rule.paged ?? []) {
      let page = data[alias];
      for (let n = 1; page?.pageInfo?.hasNextPage; n++) {
        if (n >= MAX_PAGES) throw new CrossCheckFailed(`${rule.id}: ${alias} has more than ${MAX_PAGES} pages`);
        page = (await run({ ...variables, [`${alias}After`]: page.pageInfo.endCursor }))[alias];
        data[alias].nodes.push(...page.nodes);
      }
    }
    return data;
  }
}
