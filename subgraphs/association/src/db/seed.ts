import { addDays, insertColumnar, intBetween, pick, rng, weighted, type Database, type SeedOperator, type SeedOptions } from '@xiran/subgraph-kit';
import {
  creditScoreDimensions,
  creditScores,
  leadEvents,
  leads,
  memberships,
  type CreditGradeValue,
  type NewCreditScoreDimensionRow,
  type NewCreditScoreRow,
  type NewLeadEventRow,
  type NewLeadRow,
  type NewMembershipRow,
} from './schema';
import { seedLeadEvents } from './seed-lead-events';
import { LEAD_AGENCY } from '../lead-routing';
import { LEAD_TYPE_GROUPS } from '../lead-groups';

export interface AssociationSeed {
  memberships: NewMembershipRow[];
  creditScores: NewCreditScoreRow[];
  creditScoreDimensions: NewCreditScoreDimensionRow[];
  leads: NewLeadRow[];
  /** Each lead's 办理记录, oldest first: the report, then one event per later step up to its status. */
  leadEvents: NewLeadEventRow[];
}

type LeadType = NewLeadRow['type'];
type LeadStatus = NewLeadRow['status'];

/** The association's rating dimensions and their weights (summing to 1). */
export const SCORE_DIMENSIONS = [
  { code: 'COMPLIANCE', name: '经营合规', weight: 0.25 },
  { code: 'SERVICE_QUALITY', name: '服务质量', weight: 0.25 },
  { code: 'COMPLAINT_HANDLING', name: '投诉处理', weight: 0.2 },
  { code: 'ENVIRONMENT', name: '环保表现', weight: 0.15 },
  { code: 'CONTRACT_HONESTY', name: '诚信履约', weight: 0.15 },
] as const;

/** Totals each grade is drawn from, kept clear of the band edges (AAA ≥ 90, AA 80-89, ...). */
const GRADE_TARGETS: Record<CreditGradeValue, readonly [number, number]> = {
  AAA: [90.5, 97.5],
  AA: [80.5, 88.9],
  A: [70.5, 78.9],
  B: [60.5, 68.9],
  C: [42, 58.9],
};

/** Independent of size: a one-shop 个体户 is as likely to be AAA as a chain. */
const GRADES_ACTIVE: ReadonlyArray<readonly [CreditGradeValue, number]> = [['AAA', 14], ['AA', 37], ['A', 41], ['B', 6], ['C', 2]];
const GRADES_SUSPENDED: ReadonlyArray<readonly [CreditGradeValue, number]> = [['A', 30], ['B', 45], ['C', 25]];

/**
 * Seeded leads carry their deadline as three weeks (21 calendar days): for a lead reported on a
 * weekday that is the same day as the 15 working days reportLead gives (see lead-routing.ts).
 */
export const FEEDBACK_DAYS = 21;

const FACTS: Record<LeadType, readonly string[]> = {
  CONSUMER_RIGHTS: [
    '消费者反映送洗的羊绒大衣洗后严重缩水，门店拒绝按《洗染业管理办法》赔偿，仅同意退还洗衣费。',
    '多名消费者反映门店丢失送洗衣物后相互推诿，超过约定取衣期限仍未给出处理意见。',
    '门店收衣时未开具取衣凭证、未告知洗涤风险，衣物损坏后拒绝承担责任。',
    '消费者反映真丝连衣裙洗后褪色、串色，门店以店堂告示中的“免责条款”为由拒赔。',
  ],
  PRICE: [
    '门店未明码标价，同类衣物向不同顾客收取不同价格。',
    '价目表标示羽绒服干洗45元，实际结算80元并加收“特殊处理费”。',
    '店内公示的会员折扣价与实际收费不一致，涉嫌价格欺诈。',
  ],
  PREPAID_CARD: [
    '门店以“闭店装修”为由停业，储值卡余额无法使用，涉及持卡消费者约NN人。',
    '发行单用途预付卡未按规定备案，预收资金未纳入存管。',
    '预付卡合同约定“概不退卡”，消费者要求退还余额被拒。',
  ],
  UNLICENSED: [
    '新设收衣点未办理分支机构登记即对外营业。',
    '实际经营场所与营业执照登记住所不一致，实际经营场所未登记。',
  ],
  VOC: [
    '干洗机为开启式设备，未配备溶剂回收装置，店内及周边有明显四氯乙烯异味。',
    '干洗设备门封老化、溶剂挥发明显，周边居民多次反映异味。',
    '未按规定记录干洗溶剂使用台账，疑似使用未经许可的石油类溶剂。',
  ],
  HAZARDOUS_WASTE: [
    '干洗蒸馏残渣与生活垃圾混放，未交有资质单位处置。',
    '废溶剂、废过滤芯露天堆放于后门，无危险废物标识和贮存台账。',
  ],
  SOCIAL_INSURANCE: [
    '员工反映入职已满半年，单位仍未为其参加社会保险。',
    '协会走访发现门店NN名员工未缴纳社会保险，经营者称系临时用工。',
    '员工反映单位按最低基数缴纳社会保险且长期欠缴。',
  ],
  OTHER: [
    '门店占用人行道晾晒衣物，影响行人通行。',
    '门店广告使用“国家级”“最佳”等绝对化用语。',
    '衣物外送洗衣工厂处理未告知消费者，外包工厂资质存疑。',
  ],
};

const UNLICENSED_AFTER_EXIT = '经营者营业执照已注销或被吊销，门店仍在对外收衣营业。';

const EVIDENCE: Record<LeadType, readonly string[]> = {
  CONSUMER_RIGHTS: ['消费者投诉记录NN份', '取衣凭证照片', '受损衣物照片NN张', '门店店堂告示照片', '协会调解记录'],
  PRICE: ['价目表照片', '结算小票NN张', '消费者投诉记录NN份', '协会巡查记录'],
  PREPAID_CARD: ['储值卡及充值记录截图NN份', '门店停业告示照片', '消费者联名投诉材料', '预付卡合同文本'],
  UNLICENSED: ['现场照片NN张', '协会巡查记录', '营业执照查询截图'],
  VOC: ['现场照片NN张', '设备铭牌照片', '周边居民异味投诉记录NN条', '协会巡查记录'],
  HAZARDOUS_WASTE: ['危废堆放现场照片NN张', '协会巡查记录', '现场视频1段'],
  SOCIAL_INSURANCE: ['员工口述记录', '协会走访记录', '工资发放记录复印件'],
  OTHER: ['现场照片NN张', '宣传材料照片', '协会巡查记录'],
};

const FEEDBACK: Record<'market' | 'environment' | 'hrss', readonly string[]> = {
  market: [
    '经核查，反映问题属实，已责令当事人限期整改并立案调查。',
    '经现场检查，已督促当事人规范明码标价，当事人已整改到位。',
    '经核查，反映情况部分属实，已组织调解，双方达成和解。',
    '经核查，未发现所反映的违法行为，已告知反映人。',
    '已依法对当事人作出警告并处罚款的行政处罚。',
  ],
  environment: [
    '经现场检查，当事人已停用开启式干洗机，限期完成设备更换。',
    '已责令当事人将危险废物交有资质单位处置，并建立管理台账。',
    '经监测，未发现超标排放，已督促加强设备维护。',
    '已立案查处，责令改正并处罚款。',
  ],
  hrss: [
    '经劳动保障监察，已责令用人单位为NN名员工补缴社会保险费。',
    '经核查，用人单位已为相关员工办理参保登记。',
    '经核查，反映人系非全日制用工，已做好政策解释。',
  ],
};

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const minDate = (a: string, b: string) => (a < b ? a : b);
const maxDate = (a: string, b: string) => (a > b ? a : b);

/** Fills `NN` with a small count. */
function fill(random: () => number, text: string): string {
  return text.replace(/NN/g, () => String(intBetween(random, 2, 12)));
}

/** The association was set up in 2003; nobody joined before that. */
const FOUNDED = '2003-06-18';
/** 年度信用评价: each year's grades apply from 1 April for two years. */
const ROUND_START = '-04-01';
const ROUND_END = '-03-31';
/** Members are rated once they have belonged for this long before the round. */
const RATING_ELIGIBLE_DAYS = 240;

/**
 * The association's rows for the seed world: about half the operators are members (chains more
 * often than 个体户), most rated A or AA, each rating with a consistent score; leads for about 3%
 * of operators. Deterministic per operator and `asOf`.
 */
export function generateAssociationSeed(world: SeedOperator[], options: SeedOptions): AssociationSeed {
  const { asOf } = options;
  const source = 'seed';
  const updatedAt = `${asOf}T00:00:00Z`;
  const asOfYear = Number(asOf.slice(0, 4));
  const latestRound = asOf >= `${asOfYear}${ROUND_START}` ? asOfYear : asOfYear - 1;
  const seed: AssociationSeed = { memberships: [], creditScores: [], creditScoreDimensions: [], leads: [], leadEvents: [] };
  const perYear = new Map<string, number>();

  for (const op of world) {
    const random = rng(`association:${op.uscc}`);
    const trading = op.status === 'ACTIVE';
    const individual = op.uscc.startsWith('92');

    // Membership.
    const pMember = trading ? (individual ? 0.42 : ([0.55, 0.68, 0.8, 0.86, 0.9][op.size - 1] ?? 0.9)) : 0.3;
    const earliest = maxDate(op.established, FOUNDED);
    const latest = trading ? addDays(asOf, -1) : (op.deregistered ?? asOf);
    if (random() < pMember && earliest <= latest) {
      // Most join within their first years of trading.
      const since = addDays(earliest, Math.floor(random() ** 1.6 * (daysBetween(earliest, latest) + 1)));
      const status = trading ? weighted(random, [['ACTIVE', 90], ['SUSPENDED', 4], ['LAPSED', 6]] as const) : 'LAPSED';
      const year = since.slice(0, 4);
      const n = (perYear.get(year) ?? 0) + 1;
      perYear.set(year, n);

      // Rating: a current grade from this or last year's round, or an expired one for a lapsed member.
      const eligible = (round: number) => addDays(`${round}${ROUND_START}`, -RATING_ELIGIBLE_DAYS) >= since && `${round}${ROUND_START}` <= latest;
      let round: number | null = null;
      let grades = GRADES_ACTIVE;
      if (status === 'LAPSED') {
        if (random() < 0.5 && eligible(latestRound - 3)) round = latestRound - 3;
      } else if (random() < 0.9) {
        if (eligible(latestRound - 1)) round = random() < 0.3 ? latestRound - 1 : latestRound;
        else if (eligible(latestRound)) round = latestRound;
        if (status === 'SUSPENDED') grades = GRADES_SUSPENDED;
      }
      const grade = round === null ? null : weighted(random, grades);

      seed.memberships.push({
        uscc: op.uscc,
        district: op.district,
        memberNumber: `HZXR-${year}-${String(n).padStart(5, '0')}`,
        name: op.name,
        since,
        status,
        grade,
        gradeValidFrom: round === null ? null : `${round}${ROUND_START}`,
        gradeValidTo: round === null ? null : `${round + 2}${ROUND_END}`,
        source,
        updatedAt,
      });

      if (grade !== null && round !== null) {
        // Dimension scores scatter around the grade's target with a weighted mean of exactly the
        // target, and never leave 0-100; the total is their weighted sum.
        const [low, high] = GRADE_TARGETS[grade];
        const target = low + random() * (high - low);
        const spread = Math.min(5, (100 - target) / 2);
        const noise = SCORE_DIMENSIONS.map(() => (random() * 2 - 1) * spread);
        const mean = SCORE_DIMENSIONS.reduce((s, d, i) => s + d.weight * noise[i]!, 0);
        const scores = noise.map((x) => round1(target + x - mean));
        const total = round1(SCORE_DIMENSIONS.reduce((s, d, i) => s + d.weight * scores[i]!, 0));
        seed.creditScores.push({
          uscc: op.uscc,
          district: op.district,
          total,
          assessedOn: addDays(`${round}${ROUND_START}`, -intBetween(random, 14, 45)),
          source,
          updatedAt,
        });
        SCORE_DIMENSIONS.forEach((d, i) =>
          seed.creditScoreDimensions.push({
            uscc: op.uscc,
            district: op.district,
            code: d.code,
            name: d.name,
            score: scores[i]!,
            weight: d.weight,
            source,
            updatedAt,
          }),
        );
      }
    }

    // Leads: about 3% of trading operators; a few that trade on after 注销 / 吊销.
    const exited = op.status === 'DEREGISTERED' || op.status === 'REVOKED';
    const pLead = trading ? 0.03 : exited ? 0.02 : 0;
    if (random() >= pLead) continue;
    const count = trading ? weighted(random, [[1, 85], [2, 12], [3, 3]] as const) : 1;
    const cleans = op.outlets.some((o) => o.cleansOnSite);
    for (let k = 0; k < count; k++) {
      const type: LeadType = trading
        ? weighted(random, [
            ['CONSUMER_RIGHTS', 28],
            ['PRICE', 14],
            ['PREPAID_CARD', 20],
            ['UNLICENSED', 3],
            ['VOC', cleans ? 10 : 0],
            ['HAZARDOUS_WASTE', cleans ? 8 : 0],
            ['SOCIAL_INSURANCE', individual ? 4 : 10],
            ['OTHER', 7],
          ] as const)
        : 'UNLICENSED';
      const reportedOn = trading
        ? addDays(asOf, -intBetween(random, 0, 540))
        : minDate(asOf, addDays(op.deregistered ?? asOf, intBetween(random, 20, 400)));
      const feedbackDue = addDays(reportedOn, FEEDBACK_DAYS);
      const age = daysBetween(reportedOn, asOf);
      const status: LeadStatus =
        feedbackDue >= asOf
          ? weighted(random, [['REPORTED', 40], ['ACCEPTED', 35], ['INVESTIGATING', 20], ['CLOSED', 5]] as const)
          : age > 180
            ? weighted(random, [['CLOSED', 85], ['INVESTIGATING', 8], ['ACCEPTED', 4], ['REPORTED', 3]] as const)
            : weighted(random, [['CLOSED', 60], ['INVESTIGATING', 18], ['ACCEPTED', 12], ['REPORTED', 10]] as const);
      const agency = LEAD_AGENCY[type];
      const closed = status === 'CLOSED';
      seed.leads.push({
        id: `XS-${op.uscc}-${String(k + 1).padStart(2, '0')}`,
        uscc: op.uscc,
        district: op.district,
        type,
        facts: trading ? fill(random, pick(random, FACTS[type])) : UNLICENSED_AFTER_EXIT,
        evidence: [...new Set([pick(random, EVIDENCE[type]), pick(random, EVIDENCE[type])])].map((e) => fill(random, e)).join('；'),
        routedAgency: agency,
        routedDistrict: op.district,
        copyToCommerce: true,
        reportedOn,
        feedbackDue,
        status,
        // Most regulators answer within the 21 days; some late.
        feedback: closed ? fill(random, pick(random, FEEDBACK[agency])) : null,
        feedbackOn: closed ? minDate(asOf, addDays(reportedOn, random() < 0.8 ? intBetween(random, 5, FEEDBACK_DAYS) : intBetween(random, FEEDBACK_DAYS + 1, 60))) : null,
        source,
        updatedAt,
        // The association's own reports: the groups of their type.
        groups: [...LEAD_TYPE_GROUPS[type]],
      });
      seed.leadEvents.push(...seedLeadEvents(seed.leads.at(-1)!, asOf));
    }
  }
  return seed;
}

/** Replaces the subgraph's data with the seed, in one transaction. */
export async function insertAssociationSeed(db: Database, seed: AssociationSeed): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(leadEvents);
    await tx.delete(leads);
    await tx.delete(creditScoreDimensions);
    await tx.delete(creditScores);
    await tx.delete(memberships);
    await insertColumnar(tx, memberships, seed.memberships);
    await insertColumnar(tx, creditScores, seed.creditScores);
    await insertColumnar(tx, creditScoreDimensions, seed.creditScoreDimensions);
    await insertColumnar(tx, leads, seed.leads);
    await insertColumnar(tx, leadEvents, seed.leadEvents);
    // Fresh statistics: without them the planner guesses ~170 dimension rows per operator, and a
    // 1,000-key entity fetch crosses the JIT threshold (0.2 s of compiling for 5 ms of work).
  });
}
