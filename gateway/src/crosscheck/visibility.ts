import type { Scope } from '@xiran/auth';
import type { GatewayAuth } from '../enforcement/authentication';
import { RULES, type CrossCheckRuleDefinition } from './rules';

/**
 * Scopes that let a caller see a rule: a grant of every group the rule reads that opens
 * per-operator values. AGGREGATE (statistics only) and HANDLER (only records routed to the caller)
 * do not: a finding is computed from all records. MEMBERS does, for member operators only.
 */
const SEEING: readonly Scope[] = ['OWNER', 'FULL', 'MEMBERS'];

export function visibleRules(auth: GatewayAuth): CrossCheckRuleDefinition[] {
  return RULES.filter((rule) => rule.groups.every((group) => SEEING.includes(auth.grants.get(group)?.scope as Scope)));
}

/** True when one of the rule's grants is members-only: its findings are limited to the association's members. */
export function membersOnly(auth: GatewayAuth, rule: CrossCheckRuleDefinition): boolean {
  return rule.groups.some((group) => auth.grants.get(group)?.scope === 'MEMBERS');
}
