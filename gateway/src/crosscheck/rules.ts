import type { GroupId } from '@xiran/auth';
import type { Agency } from '@xiran/common';
import { addDays, monthStart } from '@xiran/subgraph-kit';
import type { Thresholds } from './config';

/**
 * The 相互比对 rules. Each compares what different departments know about an operator and names
 * the department that should act. Each is ONE federated query per district (the gateway plans it
 * across the subgraphs; the selective root fields keep it to candidates), evaluated here with the
 * configured thresholds. `groups` are the field groups the query reads: a caller sees the rule,
 * and its findings, only while holding a grant of each.
 */
export const RULE_IDS = [
  'UNREGISTERED_OPERATION',
  'DEREGISTERED_STILL_ACTIVE',
  'OPEN_MACHINE_IN_USE',
  'SOLVENT_OVERUSE',
  'NO_INSURED_STAFF',
  'ARREARS_WITH_COMPLAINTS',
  'GRADE_CONTRADICTS_RECORD',
  'PREPAID_CARD_RISK',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface RuleContext {
  district: string;
  /** Today in Asia/Shanghai, YYYY-MM-DD: windows are counted back from it. */
  today: string;
  thresholds: Thresholds;
}

export interface RuleFinding {
  uscc: string;
  facts: string;
  evidence: Array<{ label: string; value: string }>;
}

export interface CrossCheckRuleDefinition {
  id: RuleId;
  description: string;
  descriptionEn: string;
  severity: 'HIGH' | 'MEDIUM' | 'LOW';
  groups: readonly GroupId[];
  actingAgency: Agency;
  /** The lead type a finding becomes; null when the acting agency acts itself (no lead). */
  leadType: string | null;
  query: string;
  variables(context: RuleContext): Record<string, unknown>;
  /** Root fields that are connections: the engine follows their pages (`$<alias>After`). */
  paged?: readonly string[];
  evaluate(data: Record<string, any>, context: RuleContext): RuleFinding[];
}

const DEAD_LABEL: Record<string, string> = { REVOKED: '吊销', DEREGISTERED: '注销' };
const ev = (label: string, value: unknown) => ({ label, value: String(value) });
type Tally = { uscc: string; tickets: number; open?: number };
const tallies = (rows: Tally[] | null | undefined) => new Map((rows ?? []).map((r) => [r.uscc, r]));

export const RULES: readonly CrossCheckRuleDefinition[] = [
  {
    id: 'UNREGISTERED_OPERATION',
    description: '投诉或网点指向无有效登记的经营者（无统一社会信用代码匹配，或已注销、吊销）',
    descriptionEn: 'Complaints or open outlets point at a business with no live registration (no uscc match, or deregistered / revoked)',
    severity: 'HIGH',
    groups: ['registration', 'outlets', 'complaintSummary'],
    actingAgency: 'market',
    leadType: 'UNLICENSED',
    // Key lists joined here rather than an entity look-up per complained-about operator: the
    // district's live registrations, its 注销 / 吊销 ones, and the complaint tallies other rules share.
    query: `query UnregisteredOperation($district: String!, $from: Date!, $deadAfter: String) {
      complained: complainedOperators(district: $district, from: $from) { uscc tickets open }
      live: operatorKeys(filter: { district: $district, statusIn: [ACTIVE, MOVED_OUT] })
      closed: operatorKeys(filter: { district: $district, statusIn: [REVOKED, DEREGISTERED] })
      dead: operators(first: 1000, after: $deadAfter, filter: { district: $district, statusIn: [REVOKED, DEREGISTERED], hasOpenOutlets: true }) {
        nodes { uscc status deregistered outlets { id status } } pageInfo { hasNextPage endCursor } }
    }`,
    variables: ({ district, today, thresholds }) => ({ district, from: addDays(today, -thresholds.UNREGISTERED_OPERATION.complaintWindowDays) }),
    paged: ['dead'],
    evaluate(data, { thresholds }) {
      const live = new Set<string>(data.live);
      const closed = new Set<string>(data.closed);
      const found = new Map<string, RuleFinding>();
      for (const row of data.complained as Tally[]) {
        if (live.has(row.uscc)) continue;
        const state = closed.has(row.uscc) ? '在本区已注销或吊销' : '在本区无登记信息';
        found.set(row.uscc, {
          uscc: row.uscc,
          facts: `近${thresholds.UNREGISTERED_OPERATION.complaintWindowDays}天有${row.tickets}件投诉指向该经营者，但其${state}。`,
          evidence: [ev('registration', closed.has(row.uscc) ? 'REVOKED_OR_DEREGISTERED' : 'NONE'), ev('complaints', row.tickets)],
        });
      }
      for (const op of data.dead.nodes as Array<{ uscc: string; status: string; deregistered: string | null; outlets: Array<{ id: string; status: string }> }>) {
        const open = op.outlets.filter((o) => o.status === 'OPEN');
        const earlier = found.get(op.uscc);
        const evidence = [ev('registration', op.status), ev('deregistered', op.deregistered ?? ''), ev('openOutlets', open.map((o) => o.id).join(', '))];
        const facts = `已${DEAD_LABEL[op.status] ?? op.status}（${op.deregistered ?? '日期不详'}），仍有${open.length}个网点在营业。`;
        found.set(op.uscc, earlier ? { ...earlier, facts: `${earlier.facts}${facts}`, evidence: [...earlier.evidence, ...evidence.slice(1)] } : { uscc: op.uscc, facts, evidence });
      }
      return [...found.values()];
    },
  },
  {
    id: 'DEREGISTERED_STILL_ACTIVE',
    description: '已注销或吊销的经营者仍在缴纳社保、有未办结投诉或近期采购溶剂',
    descriptionEn: 'A deregistered or revoked operator still pays social insurance, has open complaints or recent solvent purchases',
    severity: 'HIGH',
    // Insured staff (insuredUnitKeys) reads the headcount and the payment status alike.
    groups: ['registration', 'insuredHeadcount', 'socialInsuranceStatus', 'complaintSummary', 'inspections'],
    actingAgency: 'market',
    leadType: 'UNLICENSED',
    // The signals come from what other rules fetch anyway (the district's complaint tallies and its
    // insured units, each fetched once per district); only the ledger is joined per candidate.
    query: `query DeregisteredStillActive($district: String!, $from: Date!, $ledgerMonths: Int!, $deadAfter: String) {
      dead: operators(first: 1000, after: $deadAfter, filter: { district: $district, statusIn: [REVOKED, DEREGISTERED] }) {
        nodes { uscc status deregistered solventLedger(months: $ledgerMonths) { month purchasedKg } }
        pageInfo { hasNextPage endCursor } }
      complained: complainedOperators(district: $district, from: $from) { uscc tickets open }
      insured: insuredUnitKeys(district: $district)
    }`,
    variables: ({ district, today, thresholds }) => ({
      district,
      from: addDays(today, -thresholds.UNREGISTERED_OPERATION.complaintWindowDays),
      ledgerMonths: thresholds.DEREGISTERED_STILL_ACTIVE.purchaseWindowMonths,
    }),
    paged: ['dead'],
    evaluate(data) {
      const complained = tallies(data.complained);
      const insured = new Set<string>(data.insured);
      const out: RuleFinding[] = [];
      for (const op of data.dead.nodes as Array<{ uscc: string; status: string; deregistered: string | null; solventLedger: Array<{ month: string; purchasedKg: number }> }>) {
        const since = op.deregistered ? op.deregistered.slice(0, 7) : '0000-00';
        const paying = insured.has(op.uscc);
        const open = complained.get(op.uscc)?.open ?? 0;
        const purchases = op.solventLedger.filter((m) => m.purchasedKg > 0 && m.month.slice(0, 7) >= since);
        if (!paying && open === 0 && purchases.length === 0) continue;
        const signs = [
          paying ? '仍有参保人员在缴纳社会保险' : '',
          open ? `有${open}件未办结投诉` : '',
          purchases.length ? `${purchases.map((m) => m.month.slice(0, 7)).join('、')}仍采购溶剂` : '',
        ].filter(Boolean);
        out.push({
          uscc: op.uscc,
          facts: `已${DEAD_LABEL[op.status] ?? op.status}（${op.deregistered ?? '日期不详'}），但${signs.join('，')}。`,
          evidence: [ev('registration', op.status), ev('deregistered', op.deregistered ?? ''), ev('insuredStaff', paying ? 'yes' : 'no'), ev('openComplaints', open), ev('purchaseMonths', purchases.map((m) => m.month.slice(0, 7)).join(', '))],
        });
      }
      return out;
    },
  },
  {
    id: 'OPEN_MACHINE_IN_USE',
    description: '开启式干洗机近期仍有溶剂台账记录（仍在使用）',
    descriptionEn: 'An open (not enclosed) dry-cleaning machine with solvent-ledger activity in the last months',
    severity: 'HIGH',
    groups: ['machinesAndPermits', 'inspections'],
    actingAgency: 'environment',
    leadType: 'VOC',
    query: `query OpenMachineInUse($district: String!, $since: Date!) {
      machineUse(district: $district, since: $since, enclosure: OPEN) { uscc lastActiveMonth machine { id } }
    }`,
    variables: ({ district, today, thresholds }) => ({ district, since: monthStart(today, thresholds.OPEN_MACHINE_IN_USE.ledgerActivityMonths - 1) }),
    evaluate(data, { thresholds }) {
      const byOperator = new Map<string, Array<{ id: string; lastActiveMonth: string }>>();
      for (const row of data.machineUse as Array<{ uscc: string; lastActiveMonth: string | null; machine: { id: string } }>) {
        if (!row.lastActiveMonth) continue;
        byOperator.set(row.uscc, [...(byOperator.get(row.uscc) ?? []), { id: row.machine.id, lastActiveMonth: row.lastActiveMonth }]);
      }
      return [...byOperator].map(([uscc, machines]) => ({
        uscc,
        facts: `${machines.length}台开启式干洗机在用，近${thresholds.OPEN_MACHINE_IN_USE.ledgerActivityMonths}个月仍有溶剂台账记录（最近${machines.map((m) => m.lastActiveMonth.slice(0, 7)).sort().at(-1)}）。`,
        evidence: [ev('machines', machines.map((m) => m.id).join(', ')), ev('lastActiveMonth', machines.map((m) => m.lastActiveMonth.slice(0, 7)).sort().at(-1))],
      }));
    },
  },
  {
    id: 'SOLVENT_OVERUSE',
    description: '近三个月溶剂消耗超过每公斤衣物20克',
    descriptionEn: 'Solvent consumption above the limit per kg of garments over the last months',
    severity: 'MEDIUM',
    groups: ['inspections'],
    actingAgency: 'environment',
    leadType: 'VOC',
    query: `query SolventOveruse($district: String!, $from: Date!, $max: Float!) {
      solventUse(district: $district, from: $from, minGramsPerKg: $max) { uscc months consumedKg garmentsKg gramsPerKg }
    }`,
    variables: ({ district, today, thresholds }) => ({ district, from: monthStart(today, thresholds.SOLVENT_OVERUSE.windowMonths), max: thresholds.SOLVENT_OVERUSE.maxGramsPerKg }),
    evaluate(data, { thresholds }) {
      return (data.solventUse as Array<{ uscc: string; months: number; consumedKg: number; garmentsKg: number; gramsPerKg: number }>).map((row) => ({
        uscc: row.uscc,
        facts: `近${thresholds.SOLVENT_OVERUSE.windowMonths}个月溶剂消耗${row.gramsPerKg.toFixed(1)}克/公斤衣物，超过${thresholds.SOLVENT_OVERUSE.maxGramsPerKg}克/公斤。`,
        evidence: [ev('gramsPerKg', row.gramsPerKg.toFixed(1)), ev('consumedKg', row.consumedKg), ev('garmentsKg', row.garmentsKg), ev('months', row.months)],
      }));
    },
  },
  {
    id: 'NO_INSURED_STAFF',
    description: '存续且有营业网点，但无参保人员或已终止缴费',
    descriptionEn: 'An active operator with open outlets and no insured headcount, or a terminated (终止缴费) insurance',
    severity: 'MEDIUM',
    groups: ['registration', 'outlets', 'insuredHeadcount', 'socialInsuranceStatus'],
    actingAgency: 'hrss',
    leadType: 'SOCIAL_INSURANCE',
    query: `query NoInsuredStaff($district: String!) {
      trading: operatorKeys(filter: { district: $district, status: ACTIVE, hasOpenOutlets: true })
      insured: insuredUnitKeys(district: $district)
    }`,
    variables: ({ district }) => ({ district }),
    evaluate(data) {
      const insured = new Set<string>(data.insured);
      return (data.trading as string[])
        .filter((uscc) => !insured.has(uscc))
        .map((uscc) => ({ uscc, facts: '存续且有营业网点，但人社部门无参保人员记录（或已终止缴费）。', evidence: [ev('registration', 'ACTIVE'), ev('insuredStaff', 'none')] }));
    },
  },
  {
    id: 'ARREARS_WITH_COMPLAINTS',
    description: '社保欠费3个月以上且90天内投诉3件以上',
    descriptionEn: 'Social-insurance arrears of several months and several complaints in the window',
    severity: 'MEDIUM',
    groups: ['socialInsuranceStatus', 'complaintSummary'],
    actingAgency: 'hrss',
    leadType: 'SOCIAL_INSURANCE',
    // The complaint counts of the candidates only, joined through the Operator entity (their
    // 90-day complaint summary), not every complained-about operator of the district.
    query: `query ArrearsWithComplaints($district: String!, $minMonths: Int!) {
      arrears: operatorsInArrears(district: $district, minMonths: $minMonths) { uscc socialInsuranceStatus { maxArrearsMonths } complaintSummary { total } }
    }`,
    variables: ({ district, thresholds }) => ({ district, minMonths: thresholds.ARREARS_WITH_COMPLAINTS.minArrearsMonths }),
    evaluate(data, { thresholds }) {
      const t = thresholds.ARREARS_WITH_COMPLAINTS;
      return (data.arrears as Array<{ uscc: string; socialInsuranceStatus: { maxArrearsMonths: number } | null; complaintSummary: { total: number } | null }>).flatMap((op) => {
        const tickets = op.complaintSummary?.total ?? 0;
        if (tickets < t.minComplaints) return [];
        const months = op.socialInsuranceStatus?.maxArrearsMonths ?? 0;
        return [{ uscc: op.uscc, facts: `社保欠费${months}个月，近90天投诉${tickets}件。`, evidence: [ev('arrearsMonths', months), ev('complaints', tickets)] }];
      });
    },
  },
  {
    id: 'GRADE_CONTRADICTS_RECORD',
    description: '信用等级为AAA或AA，但有公示中的环保处罚或投诉率处于本区最差的十分之一',
    descriptionEn: 'A credit grade of AAA or AA with a publicised penalty, or a complaint count in the worst decile of its district',
    severity: 'LOW',
    groups: ['creditGrade', 'penalties', 'complaintSummary'],
    actingAgency: 'association',
    leadType: null,
    // Three key lists joined here: the graded members, the penalised operators, the complaint tallies.
    query: `query GradeContradictsRecord($district: String!, $from: Date!, $aaaAfter: String, $aaAfter: String) {
      aaa: members(first: 1000, after: $aaaAfter, filter: { district: $district, grade: AAA }) { nodes { uscc } pageInfo { hasNextPage endCursor } }
      aa: members(first: 1000, after: $aaAfter, filter: { district: $district, grade: AA }) { nodes { uscc } pageInfo { hasNextPage endCursor } }
      penalised: publicisedPenaltyKeys(district: $district)
      complained: complainedOperators(district: $district, from: $from) { uscc tickets open }
    }`,
    variables: ({ district, today, thresholds }) => ({ district, from: addDays(today, -thresholds.GRADE_CONTRADICTS_RECORD.complaintWindowDays) }),
    paged: ['aaa', 'aa'],
    evaluate(data, { thresholds }) {
      const t = thresholds.GRADE_CONTRADICTS_RECORD;
      // The worst decile: the top share of the district's complained-about operators by tickets (ties in).
      const counts = (data.complained as Tally[]).map((r) => r.tickets).sort((a, b) => b - a);
      const cut = counts.length ? counts[Math.max(0, Math.ceil(counts.length * t.worstShare) - 1)]! : Number.POSITIVE_INFINITY;
      const complained = tallies(data.complained);
      const penalised = new Set<string>(data.penalised);
      // The grade is the filter each list was asked with.
      const members = [...data.aaa.nodes.map((m: { uscc: string }) => ({ uscc: m.uscc, grade: 'AAA' })), ...data.aa.nodes.map((m: { uscc: string }) => ({ uscc: m.uscc, grade: 'AA' }))];
      return members.flatMap((m) => {
        if (!t.grades.includes(m.grade)) return [];
        const tickets = complained.get(m.uscc)?.tickets ?? 0;
        const penalty = penalised.has(m.uscc);
        const worst = tickets > 0 && tickets >= cut;
        if (!penalty && !worst) return [];
        const why = [penalty ? '有公示中的环保处罚' : '', worst ? `近${t.complaintWindowDays}天投诉${tickets}件，居本区最差的${Math.round(t.worstShare * 100)}%` : ''].filter(Boolean);
        return [{ uscc: m.uscc, facts: `信用等级${m.grade}，但${why.join('，')}。`, evidence: [ev('grade', m.grade), ev('publicisedPenalty', penalty ? 'yes' : 'no'), ev('complaints', tickets), ev('worstDecileFrom', cut)] }];
      });
    },
  },
  {
    id: 'PREPAID_CARD_RISK',
    description: '预付卡投诉环比上升且存在社保欠费',
    descriptionEn: 'Prepaid-card complaints rising period on period for an operator in social-insurance arrears',
    severity: 'HIGH',
    groups: ['complaintSummary', 'socialInsuranceStatus'],
    actingAgency: 'market',
    leadType: 'PREPAID_CARD',
    // Rising prepaid-card complaints are few: their arrears are joined through the Operator entity.
    query: `query PrepaidCardRisk($district: String!, $recentFrom: Date!, $previousFrom: Date!, $previousTo: Date!) {
      recent: complainedOperators(district: $district, from: $recentFrom, category: PREPAID_CARD) { uscc tickets operator { socialInsuranceStatus { maxArrearsMonths } } }
      previous: complainedOperators(district: $district, from: $previousFrom, to: $previousTo, category: PREPAID_CARD) { uscc tickets }
    }`,
    variables: ({ district, today, thresholds }) => {
      const days = thresholds.PREPAID_CARD_RISK.windowDays;
      return { district, recentFrom: addDays(today, -(days - 1)), previousFrom: addDays(today, -(2 * days - 1)), previousTo: addDays(today, -days) };
    },
    evaluate(data, { thresholds }) {
      const t = thresholds.PREPAID_CARD_RISK;
      const previous = tallies(data.previous);
      return (data.recent as Array<Tally & { operator: { socialInsuranceStatus: { maxArrearsMonths: number } | null } | null }>).flatMap((row) => {
        const before = previous.get(row.uscc)?.tickets ?? 0;
        const months = row.operator?.socialInsuranceStatus?.maxArrearsMonths ?? 0;
        if (row.tickets < t.minRecent || row.tickets <= before || months < t.minArrearsMonths) return [];
        return [{ uscc: row.uscc, facts: `预付卡投诉近${t.windowDays}天${row.tickets}件（前${t.windowDays}天${before}件），且社保欠费${months}个月。`, evidence: [ev('prepaidRecent', row.tickets), ev('prepaidPrevious', before), ev('arrearsMonths', months)] }];
      });
    },
  },
];

export const RULES_BY_ID: ReadonlyMap<string, CrossCheckRuleDefinition> = new Map(RULES.map((r) => [r.id, r]));
