import { readFileSync } from 'node:fs';
import { parse, type ExecutionResult } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GroupId } from '@xiran/auth';
import { badUserInput, forbidden, isDistrictCode } from '@xiran/common';
import type { AuthorizedContext } from '../enforcement/authorization';
import type { GatewayAuth } from '../enforcement/authentication';
import { DateTimeScalar, requireDistrict } from '@xiran/subgraph-kit';
import type { Finding } from './engine';
import type { FindingsCache } from './cache';
import { membersOnly, visibleRules } from './visibility';
import { RULES_BY_ID, type CrossCheckRuleDefinition } from './rules';
import type { CrossCheckStore } from './store';
import type { FindingRow, RunRow } from './db/schema';

export const crossCheckTypeDefs = parse(readFileSync(new URL('../../crosscheck.graphql', import.meta.url), 'utf8'));

/** Runs an operation through the gateway as a given caller (leadFromFinding reports in the caller's name). */
export type ExecuteAs = (auth: GatewayAuth, query: string, variables: Record<string, unknown>) => Promise<ExecutionResult>;

export interface CrossCheckApiOptions {
  findings: FindingsCache;
  store: CrossCheckStore;
  executeAs: ExecuteAs;
  /** The association's active members of a district (for callers whose grants are members-only). */
  membersOf: (district: string) => Promise<Set<string>>;
  /** Runs every rule over every district and records it. */
  runAll: () => Promise<RunRow>;
}

/** Per request: the caller's context, with the disclosures the resolvers add for the audit trail. */
type Context = AuthorizedContext & { disclosed?: Map<GroupId, Set<string>> };

/** What a finding shows is derived from its rule's groups: the audit trail records it as their disclosure. */
function disclose(context: Context, findings: ReadonlyArray<{ rule: CrossCheckRuleDefinition; uscc: string }>): void {
  context.disclosed ??= new Map();
  for (const finding of findings) {
    for (const group of finding.rule.groups) {
      const set = context.disclosed.get(group) ?? new Set<string>();
      set.add(finding.uscc);
      context.disclosed.set(group, set);
    }
  }
}

const ruleInfo = (rule: CrossCheckRuleDefinition) => ({
  id: rule.id,
  description: rule.description,
  descriptionEn: rule.descriptionEn,
  severity: rule.severity,
  groups: rule.groups,
  actingAgency: rule.actingAgency,
  leadType: rule.leadType,
});

/** The rules the caller named, or all it may see; a rule it may not see is as unknown as a typo. */
function selectRules(auth: GatewayAuth, ids: readonly string[] | null | undefined): CrossCheckRuleDefinition[] {
  const visible = visibleRules(auth);
  if (!ids) return visible;
  return ids.map((id, i) => {
    const rule = visible.find((r) => r.id === id);
    if (!rule) throw badUserInput(`rules[${i}]`, `unknown rule ${JSON.stringify(id)}; yours are ${visible.map((r) => r.id).join(', ') || 'none'}`);
    return rule;
  });
}

/** 限定知悉范围: a district-level caller checks its own district only. */
function requireOwnDistrict(auth: GatewayAuth, district: string, field = 'district'): string {
  requireDistrict(field, district);
  if (auth.principal.level === 'district' && auth.principal.district !== district) {
    throw forbidden(`A ${auth.principal.district} caller sees the cross-check of its own district only.`, { field });
  }
  return district;
}

/**
 * The findings the caller may see of rules over a district: each rule evaluated at most once per
 * request and district (Operator.findings of many operators share it), members-only rules limited
 * to the association's members.
 */
function findingsCache(options: CrossCheckApiOptions, context: Context, fresh: boolean) {
  const byRule = new Map<string, Promise<Finding[]>>();
  const members = new Map<string, Promise<Set<string>>>();
  const limit = async (district: string, rule: CrossCheckRuleDefinition, all: Finding[]) => {
    if (!membersOnly(context.auth, rule)) return all;
    let list = members.get(district);
    if (!list) members.set(district, (list = options.membersOf(district)));
    const set = await list;
    return all.filter((f) => set.has(f.uscc));
  };
  return async (district: string, rules: readonly CrossCheckRuleDefinition[]): Promise<Finding[]> => {
    // The rules not yet evaluated for this district go out together, as one operation.
    const missing = rules.filter((rule) => !byRule.has(`${district}:${rule.id}`));
    if (missing.length > 0) {
      const evaluated = options.findings.evaluateEach(district, missing, { fresh });
      missing.forEach((rule, i) => byRule.set(`${district}:${rule.id}`, evaluated.then((each) => limit(district, rule, each[i]!))));
    }
    return (await Promise.all(rules.map((rule) => byRule.get(`${district}:${rule.id}`)!))).flat();
  };
}

const caches = new WeakMap<object, ReturnType<typeof findingsCache>>();
function findingsOf(options: CrossCheckApiOptions, context: Context, district: string, rules: readonly CrossCheckRuleDefinition[], fresh = false): Promise<Finding[]> {
  let cache = caches.get(context);
  if (!cache) caches.set(context, (cache = findingsCache(options, context, fresh)));
  return cache(district, rules);
}

async function withFirstDetected(options: CrossCheckApiOptions, findings: Finding[]) {
  const first = await options.store.firstDetected(findings.map((f) => f.id));
  return findings.map((f) => ({ ...f, firstDetectedAt: first.get(f.id) ?? null, resolvedAt: null }));
}

function recordedFinding(row: FindingRow) {
  const rule = RULES_BY_ID.get(row.rule)!;
  return { id: row.findingKey, rule, uscc: row.uscc, district: row.district, facts: row.facts, evidence: row.evidence, firstDetectedAt: row.firstDetectedAt, resolvedAt: row.resolvedAt };
}

/** The gateway-local `crosscheck` subgraph (gateway/crosscheck.graphql). */
export function crossCheckSchema(options: CrossCheckApiOptions) {
  return buildSubgraphSchema([
    {
      typeDefs: crossCheckTypeDefs,
      resolvers: {
        DateTime: DateTimeScalar,
        Query: {
          async crossCheck(_: unknown, args: { district: string; rules?: string[] | null; fresh?: boolean | null }, context: Context) {
            const district = requireOwnDistrict(context.auth, args.district);
            const rules = selectRules(context.auth, args.rules);
            const findings = await findingsOf(options, context, district, rules, args.fresh ?? false);
            disclose(context, findings);
            return { district, asOf: new Date().toISOString(), rules, findings: await withFirstDetected(options, findings) };
          },
          crossCheckRules: (_: unknown, __: unknown, context: Context) => visibleRules(context.auth),
          async crossCheckRuns(_: unknown, args: { first?: number | null }, context: Context) {
            const first = args.first ?? 20;
            if (!Number.isInteger(first) || first < 1 || first > 100) throw badUserInput('first', 'must be between 1 and 100');
            const visible = new Set<string>(visibleRules(context.auth).map((r) => r.id));
            // Counted over the caller's rules only: another rule's counts would be a hint of its findings.
            return (await options.store.runs(first)).map((run) => {
              const byRule = (run.byRule as Array<{ rule: string; open: number; new: number; resolved: number }>).filter((c) => visible.has(c.rule));
              const sum = (key: 'open' | 'new' | 'resolved') => byRule.reduce((n, c) => n + c[key], 0);
              return { ...run, open: sum('open'), new: sum('new'), resolved: sum('resolved'), byRule };
            });
          },
          async crossCheckFindings(_: unknown, args: { district?: string | null; rules?: string[] | null; status?: 'OPEN' | 'RESOLVED' | 'ALL' | null; first?: number | null }, context: Context) {
            const auth = context.auth;
            const district = args.district ? requireOwnDistrict(auth, args.district) : auth.principal.district;
            const first = args.first ?? 100;
            if (!Number.isInteger(first) || first < 1 || first > 1000) throw badUserInput('first', 'must be between 1 and 1000');
            const rules = selectRules(auth, args.rules);
            if (rules.some((rule) => membersOnly(auth, rule)) && !district) throw badUserInput('district', 'is required for members-only grants');
            const members = district && rules.some((rule) => membersOnly(auth, rule)) ? await options.membersOf(district) : null;
            const rows = await options.store.findings({ district, rules: rules.map((r): string => r.id), status: args.status ?? 'OPEN', first });
            const visible = rows.map(recordedFinding).filter((f) => !members || !membersOnly(auth, f.rule) || members.has(f.uscc));
            disclose(context, visible);
            return visible;
          },
        },
        Mutation: {
          async runCrossCheck() {
            return options.runAll();
          },
          async leadFromFinding(_: unknown, args: { findingId: string; facts?: string | null; evidence?: string | null }, context: Context) {
            const [ruleId, district, uscc] = args.findingId.split(':');
            const rule = ruleId ? visibleRules(context.auth).find((r) => r.id === ruleId) : undefined;
            if (!rule || !district || !uscc || !isDistrictCode(district)) throw badUserInput('findingId', `no finding ${JSON.stringify(args.findingId)} that you may see`);
            requireOwnDistrict(context.auth, district, 'findingId');
            if (!rule.leadType) throw badUserInput('findingId', `${rule.id} is acted on by ${rule.actingAgency} itself, not through a violation lead`);
            const finding = (await findingsOf(options, context, district, [rule])).find((f) => f.uscc === uscc);
            if (!finding) throw badUserInput('findingId', `no current finding ${args.findingId} (it may have been resolved)`);
            disclose(context, [finding]);
            // Reported in the caller's own name, through the gateway: the write catalogue, the
            // association's routing and the audit trail apply as to any report.
            const result = await options.executeAs(context.auth, 'mutation FromFinding($input: LeadInput!) { reportLead(input: $input) { id } }', {
              input: {
                uscc,
                district,
                type: rule.leadType,
                facts: args.facts ?? `【相互比对 ${rule.id}】${finding.facts}`,
                evidence: args.evidence ?? finding.evidence.map((e) => `${e.label}: ${e.value}`).join('; '),
                // The lead repeats the finding: it carries the rule's groups, so that its text is
                // read only by those who could read the finding.
                groups: rule.groups,
              },
            });
            const error = result.errors?.[0];
            if (error) throw error;
            return { id: (result.data as { reportLead: { id: string } }).reportLead.id };
          },
        },
        Operator: {
          async __resolveReference(reference: { uscc: string; district?: string }, context: Context) {
            if (!reference.district || !isDistrictCode(reference.district)) return { uscc: reference.uscc, findings: [] };
            if (context.auth.principal.level === 'district' && context.auth.principal.district !== reference.district) return { uscc: reference.uscc, findings: [] };
            const findings = (await findingsOf(options, context, reference.district, visibleRules(context.auth))).filter((f) => f.uscc === reference.uscc);
            disclose(context, findings);
            return { uscc: reference.uscc, findings: await withFirstDetected(options, findings) };
          },
          findings: (operator: { findings?: unknown[] }) => operator.findings ?? [],
        },
        Finding: {
          rule: (finding: { rule: CrossCheckRuleDefinition }) => ruleInfo(finding.rule),
          severity: (finding: { rule: CrossCheckRuleDefinition }) => finding.rule.severity,
          actingAgency: (finding: { rule: CrossCheckRuleDefinition }) => finding.rule.actingAgency,
          operator: (finding: { uscc: string }) => ({ uscc: finding.uscc }),
        },
        CrossCheckResult: {
          rules: (result: { rules: CrossCheckRuleDefinition[] }) => result.rules.map(ruleInfo),
        },
        CrossCheckRule: {
          groups: (rule: CrossCheckRuleDefinition) => rule.groups,
        },
      } as never,
    },
  ]);
}
