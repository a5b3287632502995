import type { CrossCheckEngine, Finding, SystemExecute } from './engine';
import type { CrossCheckRuleDefinition } from './rules';

/**
 * What the departments have written so far: each dataset's count of successful uploads and imports
 * (dataFreshness). Every write of the platform goes through the intake path, which counts its batch
 * in the same transaction as the data, and the counts only grow: an unchanged mark means unchanged data.
 */
const WATERMARK = `query CrossCheckWatermark { dataFreshness {
  market { dataset batches } environment { dataset batches } hrss { dataset batches } petition { dataset batches } association { dataset batches } } }`;

export async function dataWatermark(execute: SystemExecute): Promise<string> {
  const result = await execute(WATERMARK, {});
  if (result.errors?.length || !result.data) throw new Error(`watermark: ${JSON.stringify(result.errors)}`);
  return JSON.stringify(result.data);
}

/**
 * Findings reused while nothing they read has changed: kept per district and rule with the day
 * (windows are counted back from today) and the departments' write mark they were computed at.
 * The mark is read before evaluating, so a write that lands meanwhile makes the next call recompute.
 */
export class FindingsCache {
  private readonly entries = new Map<string, { mark: string; findings: Finding[] }>();

  constructor(
    private readonly engine: CrossCheckEngine,
    private readonly watermark: () => Promise<string>,
    private readonly today: () => string,
  ) {}

  /**
   * Concurrent callers share one read of the mark (Operator.findings over a list spanning districts
   * asks once per district at the same moment): a mark read while they start is as good as their own.
   */
  private reading: Promise<string> | undefined;
  private currentMark(): Promise<string> {
    this.reading ??= this.watermark().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** The findings of each rule, in the order of `rules`; `fresh` recomputes whatever the mark says. */
  async evaluateEach(district: string, rules: readonly CrossCheckRuleDefinition[], options: { fresh?: boolean } = {}): Promise<Finding[][]> {
    const mark = `${this.today()}|${await this.currentMark()}`;
    const key = (rule: CrossCheckRuleDefinition) => `${district}:${rule.id}`;
    const stale = options.fresh ? [...rules] : rules.filter((rule) => this.entries.get(key(rule))?.mark !== mark);
    if (stale.length > 0) {
      const each = await this.engine.evaluateEach(district, stale);
      stale.forEach((rule, i) => this.entries.set(key(rule), { mark, findings: each[i]! }));
    }
    return rules.map((rule) => this.entries.get(key(rule))!.findings);
  }
}
