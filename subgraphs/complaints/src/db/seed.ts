import {
  insertColumnar,
  intBetween,
  monthStart,
  pick,
  rng,
  weighted,
  type Database,
  type SeedOperator,
  type SeedOptions,
} from '@xiran/subgraph-kit';
import { district as districtOf, DISTRICTS } from '@xiran/common';
import { CHANNEL_PREFIX, DUE_DAYS } from '../workflow';
import { complainants, tickets, type NewComplainantRow, type NewTicketRow } from './schema';

type Channel = NewTicketRow['channel'];
type Category = NewTicketRow['category'];
type Status = NewTicketRow['status'];
type Agency = NewTicketRow['handlingAgency'];
type Satisfaction = NonNullable<NewTicketRow['satisfaction']>;

/** How far back the seed's tickets go. */
const HISTORY_DAYS = 730;

const WHO: Record<Channel, string> = { HOTLINE_12345: '来电人', HOTLINE_12315: '消费者', PETITION: '信访人', ONLINE: '网民' };

/** Garment damage and prepaid cards lead, as in Hangzhou's 12345 / 12315 reports on 洗染 services. */
const CATEGORY_WEIGHTS: ReadonlyArray<readonly [Category, number]> = [
  ['GARMENT_DAMAGE', 32],
  ['PREPAID_CARD', 22],
  ['LOST_OR_SWAPPED', 12],
  ['PRICE', 10],
  ['FAKE_DRY_CLEANING', 7],
  ['POLLUTION_NUISANCE', 6],
  ['UNLICENSED', 3],
  ['OTHER', 8],
];
const UNREGISTERED_CATEGORY_WEIGHTS: ReadonlyArray<readonly [Category, number]> = [
  ['UNLICENSED', 40],
  ['POLLUTION_NUISANCE', 18],
  ['GARMENT_DAMAGE', 15],
  ['PREPAID_CARD', 10],
  ['PRICE', 10],
  ['OTHER', 7],
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玲红建国文辉力斌志峰浩宇晨欣怡佳琪雨婷雪梅海燕春丹萍';
const SURNAME_LIST = [...SURNAMES];
const GIVEN_LIST = [...GIVEN];
const ROADS = ['文三路', '莫干山路', '延安路', '解放路', '凤起路', '庆春路', '文一西路', '江南大道', '市心中路', '临平大道', '迎宾大道', '钱塘大道', '天目山路', '教工路', '古墩路', '滨盛路', '秋涛路', '德胜路', '金城路', '丰潭路'];
const PLACES = ['小区门口', '菜市场旁', '地铁站出口', '城中村', '农贸市场二楼', '公寓楼底商', '学校后门', '社区活动中心旁', '老街', '安置房小区'];
const UNREGISTERED_KINDS = ['无招牌洗衣店', '便民洗衣点', '快洗店', '洗衣铺', '干洗代收点', '家庭洗衣作坊', '改衣洗衣摊'];

const GARMENTS = ['羊绒大衣', '真丝连衣裙', '羽绒服', '西装', '皮衣', '羊毛衫', '婚纱', '窗帘', '貂皮大衣', '风衣', '运动鞋', '旗袍'];
const DAMAGES = ['严重缩水', '褪色串色', '起球变形', '面料破损', '亮片脱落', '皮面开裂', '纽扣缺失', '大片污渍', '衬里脱胶'];
const EXCUSES = ['衣物本身质量问题', '洗前已有瑕疵', '已超过取衣期限', '洗涤标识不清'];
const CARD_STATES = ['突然关门停业', '张贴"装修暂停营业"告示后无人联系', '转让他人经营且新店主不认旧卡', '电话长期无人接听', '以"系统升级"为由暂停使用会员卡'];
const CARD_EXCUSES = ['会员卡不记名不退', '充值赠送部分已使用', '退卡需扣除30%手续费'];
const NUISANCES = ['烘干机排风口正对居民楼', '干洗机运行时散发刺鼻气味', '夜间洗涤设备运行噪声大', '洗涤废水直排雨水管网', '锅炉烟囱冒黑烟'];
const EFFECTS = ['晚间气味尤为明显', '夜间22时后仍有噪声', '门前地面常有积水泡沫', '居民已多次与店方沟通无果'];
const MISC = ['取衣时间一再拖延', '店员服务态度恶劣', '拒绝开具发票', '上门收送衣物迟到且未通知', '员工反映被拖欠工资'];
const ISSUES = ['收取预付费后不开收据', '洗涤废水随意排放', '占道晾晒衣物', '无价目公示'];

const DAY_MS = 86_400_000;
const dates = new Map<number, string>();

/** Days since 1970-01-01 of a `YYYY-MM-DD`: the seed counts in days, and formats each day once. */
function dayOf(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function dateOf(day: number): string {
  let text = dates.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dates.set(day, text);
  }
  return text;
}

function cnDate(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

/** Redacted text from templates: the complainant is "来电人" / "消费者" etc., never a name or number. */
function complaintText(random: () => number, category: Category, channel: Channel, day: number, deregistered: boolean): string {
  const who = WHO[channel];
  const when = cnDate(dateOf(day - intBetween(random, 1, 40)));
  const garment = pick(random, GARMENTS);
  switch (category) {
    case 'GARMENT_DAMAGE':
      return random() < 0.5
        ? `${who}反映：${when}在该店送洗${garment}一件，取衣时发现${pick(random, DAMAGES)}，要求赔偿${intBetween(random, 3, 60) * 100}元，商家以"${pick(random, EXCUSES)}"为由拒绝，双方协商未果。`
        : `${who}称其送洗的${garment}出现${pick(random, DAMAGES)}，店方承认洗涤不当，但仅同意赔偿${intBetween(random, 1, 20) * 50}元，${who}认为赔偿过低，请求调解。`;
    case 'LOST_OR_SWAPPED':
      return random() < 0.6
        ? `${who}反映：${when}在该店送洗衣物${intBetween(random, 2, 8)}件，取衣时少了${garment}一件，店方称仍在查找，至今已${intBetween(random, 10, 60)}天未找回，要求赔偿。`
        : `${who}称取回的${garment}并非本人送洗衣物，疑被调换，店方不予承认，要求查明并归还原物。`;
    case 'PRICE':
      return random() < 0.5
        ? `${who}反映该店实际收费与价目表不符，${garment}标价${intBetween(random, 3, 12) * 5}元，结账时收取${intBetween(random, 13, 40) * 5}元，店方称需加收"${pick(random, ['特殊面料费', '加急费', '去渍费'])}"，要求退还差价。`
        : `${who}称该店未明码标价，洗涤前未告知价格，取衣时被收取${intBetween(random, 10, 60) * 10}元，认为收费明显偏高。`;
    case 'PREPAID_CARD':
      return random() < 0.6
        ? `${who}反映：于${cnDate(dateOf(day - intBetween(random, 60, 500)))}在该店办理预付卡，充值${intBetween(random, 5, 50) * 100}元，卡内余额约${intBetween(random, 2, 40) * 50}元，近期门店${deregistered ? '已注销后' : ''}${pick(random, CARD_STATES)}，无法正常消费，要求退还余额。`
        : `${who}称在该店充值办理会员卡，现店方以"${pick(random, CARD_EXCUSES)}"为由拒绝退卡，且未签订书面合同，要求依法退款。`;
    case 'FAKE_DRY_CLEANING':
      return random() < 0.5
        ? `${who}反映该店收取干洗费${intBetween(random, 4, 16) * 5}元，但${garment}实际为水洗，出现${pick(random, DAMAGES)}，怀疑门店无干洗设备，要求核查并退款。`
        : `${who}称该店标示"专业干洗"，但店内无干洗机，衣物外送加工后带有水洗痕迹，要求查处虚假宣传。`;
    case 'POLLUTION_NUISANCE':
      return `${who}反映该店${pick(random, NUISANCES)}，${pick(random, EFFECTS)}，影响周边居民生活，要求相关部门查处。`;
    case 'UNLICENSED':
      return deregistered
        ? `${who}称该店营业执照已注销，但门店仍在对外营业并收取预付费，要求查处。`
        : `${who}反映${pick(random, PLACES)}有一家洗衣店未悬挂营业执照，疑似无照经营，且存在${pick(random, ISSUES)}等问题，要求核查。`;
    case 'OTHER':
      return `${who}反映该店${pick(random, MISC)}，要求相关部门处理。`;
  }
}

function channelFor(random: () => number, category: Category): Channel {
  if (category === 'PRICE' || category === 'PREPAID_CARD' || category === 'FAKE_DRY_CLEANING') {
    return weighted(random, [['HOTLINE_12315', 50], ['HOTLINE_12345', 35], ['ONLINE', 12], ['PETITION', 3]] as const);
  }
  if (category === 'POLLUTION_NUISANCE') return weighted(random, [['HOTLINE_12345', 65], ['ONLINE', 20], ['PETITION', 15]] as const);
  return weighted(random, [['HOTLINE_12345', 55], ['HOTLINE_12315', 25], ['ONLINE', 12], ['PETITION', 8]] as const);
}

/** Who handles it once transferred: 市场监管 for most, 商务 for 预付卡, 生态环境 for nuisance. */
function agencyFor(random: () => number, category: Category): Agency {
  switch (category) {
    case 'PREPAID_CARD':
      return random() < 0.6 ? 'commerce' : 'market';
    case 'POLLUTION_NUISANCE':
      return 'environment';
    case 'OTHER':
      return weighted(random, [['market', 70], ['hrss', 20], ['petition', 10]] as const);
    default:
      return 'market';
  }
}

/** Status by age: recent tickets are still moving through 受理 → 转办 → 办理中 → 答复 → 办结. */
function statusFor(random: () => number, age: number, stuck: boolean): Status {
  if (age <= 2) return weighted(random, [['RECEIVED', 50], ['TRANSFERRED', 30], ['IN_PROGRESS', 15], ['REJECTED', 5]] as const);
  if (age <= 15) return weighted(random, [['TRANSFERRED', 10], ['IN_PROGRESS', 40], ['REPLIED', 30], ['CLOSED', 15], ['REJECTED', 5]] as const);
  // 注销 operators cannot be made to settle: their recent tickets linger open.
  if (stuck && age <= 150 && random() < 0.4) return weighted(random, [['IN_PROGRESS', 60], ['REPLIED', 40]] as const);
  if (age <= 60) return weighted(random, [['IN_PROGRESS', 8], ['REPLIED', 15], ['CLOSED', 70], ['REJECTED', 7]] as const);
  return weighted(random, [['IN_PROGRESS', 1], ['REPLIED', 2], ['CLOSED', 90], ['REJECTED', 7]] as const);
}

function personName(random: () => number): string {
  return pick(random, SURNAME_LIST) + pick(random, GIVEN_LIST) + (random() < 0.6 ? pick(random, GIVEN_LIST) : '');
}

function mobile(random: () => number): string {
  let out = `1${pick(random, ['3', '5', '7', '8', '9'])}`;
  for (let i = 0; i < 9; i++) out += String(Math.floor(random() * 10));
  return out;
}

/** A day from `lower` to `upper`, more of them recent: (u^1.6) piles up near zero. */
function recentDay(random: () => number, lower: number, upper: number): number {
  return upper - Math.floor(Math.max(0, upper - lower) * random() ** 1.6);
}

interface Draft {
  day: number;
  ticket: Omit<NewTicketRow, 'id'>;
  complainant: Omit<NewComplainantRow, 'ticketId'>;
}

interface TicketSpec {
  category: Category;
  /** Received on this day (days since 1970-01-01). */
  day: number;
  uscc: string | null;
  respondentName: string;
  district: string;
  /** The operator is no longer registered (注销 / 吊销 / 迁出). */
  deregistered: boolean;
  /** Force an open status (a ticket that handling cannot finish). */
  open?: boolean;
}

function draft(random: () => number, spec: TicketSpec, asOf: number, source: string, updatedAt: string): Draft {
  const channel = channelFor(random, spec.category);
  const age = asOf - spec.day;
  let status = statusFor(random, age, spec.deregistered);
  if (spec.open) status = weighted(random, [['TRANSFERRED', 20], ['IN_PROGRESS', 55], ['REPLIED', 25]] as const);
  let closedDay: number | null = null;
  if (status === 'CLOSED') closedDay = spec.day + intBetween(random, 2, Math.round(DUE_DAYS[channel] * (random() < 0.1 ? 1.6 : 0.9)));
  if (status === 'REJECTED') closedDay = spec.day + intBetween(random, 0, 7);
  if (closedDay !== null && closedDay > asOf) closedDay = asOf;
  let satisfaction: Satisfaction | null = null;
  if (status === 'CLOSED' && random() < 0.85) {
    const unhappy = spec.category === 'PREPAID_CARD' || spec.category === 'LOST_OR_SWAPPED' ? 25 : 12;
    satisfaction = weighted(random, [['SATISFIED', 60], ['BASICALLY_SATISFIED', 28], ['DISSATISFIED', unhappy]] as const);
  }
  const stillWithIntake = status === 'RECEIVED' || (status === 'REJECTED' && random() < 0.5);
  const handlingDistrict = spec.district;
  const place = districtOf(spec.district)?.name ?? '';
  return {
    day: spec.day,
    ticket: {
      channel,
      receivedOn: dateOf(spec.day),
      category: spec.category,
      status,
      handlingAgency: stillWithIntake ? 'petition' : agencyFor(random, spec.category),
      handlingDistrict,
      dueOn: dateOf(spec.day + DUE_DAYS[channel]),
      closedOn: closedDay === null ? null : dateOf(closedDay),
      satisfaction,
      respondentName: spec.respondentName,
      uscc: spec.uscc,
      district: spec.district,
      text: complaintText(random, spec.category, channel, spec.day, spec.deregistered),
      source,
      updatedAt,
    },
    complainant: {
      uscc: spec.uscc,
      district: spec.district,
      name: personName(random),
      phone: mobile(random),
      address: random() < 0.7 ? `杭州市${place}${pick(random, ROADS)}${intBetween(random, 1, 999)}号${intBetween(random, 1, 30)}幢${intBetween(random, 1, 28)}0${intBetween(random, 1, 6)}室` : null,
      source,
      updatedAt,
    },
  };
}

export interface ComplaintsSeed {
  tickets: NewTicketRow[];
  complainants: NewComplainantRow[];
}

/**
 * Complaint tickets over the last two years before `asOf`: most operators have none in any 90 days,
 * a long tail has several; chains draw more. Some name unregistered businesses (no uscc), some
 * deregistered operators still have open tickets, and a few operators show 预付卡 complaints
 * rising month on month. Deterministic for a given world and `asOf`.
 */
export function generateComplaintsSeed(world: SeedOperator[], options: SeedOptions): ComplaintsSeed {
  const asOf = dayOf(options.asOf);
  const source = 'seed';
  const updatedAt = `${options.asOf}T00:00:00Z`;
  const historyStart = asOf - HISTORY_DAYS;
  const drafts: Draft[] = [];

  for (const op of world) {
    const random = rng(`complaints:${op.uscc}`);
    const registered = op.status === 'ACTIVE';
    const lower = Math.max(dayOf(op.established), historyStart);
    // Complaints continue a little after 注销: customers with cards or garments still in the shop.
    const upper = op.deregistered ? Math.min(dayOf(op.deregistered) + 45, asOf) : asOf;
    const onsite = op.outlets.some((o) => o.cleansOnSite);
    const weights = CATEGORY_WEIGHTS.map(([c, w]) => [c, c === 'POLLUTION_NUISANCE' && !onsite ? 1 : c === 'UNLICENSED' && registered ? 1 : w] as const);
    const intensity = weighted(random, [[0, 60], [1, 22], [2, 9], [3, 5], [6, 3], [12, 1]] as const);
    const count = intensity === 0 ? 0 : Math.round(intBetween(random, intensity, intensity * 2) * (1 + (op.size - 1) * 0.4));
    const base = { uscc: op.uscc, respondentName: op.name, district: op.district, deregistered: !registered };

    if (lower <= upper) {
      for (let i = 0; i < count; i++) {
        const day = recentDay(random, lower, upper);
        const category = weighted(random, weights);
        // About 1 in 20 callers name the shop but not its code: a ticket without uscc about a registered business.
        const named = random() < 0.05 ? { ...base, uscc: null } : base;
        drafts.push(draft(random, { ...named, category, day }, asOf, source, updatedAt));
      }
    }

    // Deregistered operators that still trade or owe card balances: a recent ticket, still open.
    if (!registered && random() < 0.2) {
      const day = asOf - intBetween(random, 5, 75);
      const category = weighted(random, [['PREPAID_CARD', 50], ['UNLICENSED', 30], ['LOST_OR_SWAPPED', 20]] as const);
      drafts.push(draft(random, { ...base, category, day, open: true }, asOf, source, updatedAt));
    }

    // The warning sign of a card-holder run: 预付卡 complaints rising month on month over five months.
    if (registered && dayOf(op.established) < asOf - 400 && random() < 0.015) {
      for (let back = 5; back >= 1; back--) {
        const month = dayOf(monthStart(options.asOf, back));
        const days = dayOf(monthStart(options.asOf, back - 1)) - month;
        const n = Math.ceil(1.5 ** (5 - back)); // 1, 2, 3, 4, 6
        for (let i = 0; i < n; i++) {
          const day = month + intBetween(random, 0, days - 1);
          drafts.push(draft(random, { ...base, category: 'PREPAID_CARD', day }, asOf, source, updatedAt));
        }
      }
    }
  }

  // Businesses that match no registration: 无照 shops, reported where they trade.
  const random = rng(`complaints:unregistered:${world.length}`);
  const unregistered = Math.round(world.length * 0.05);
  for (let i = 0; i < unregistered; i++) {
    const where = world.length > 0 ? pick(random, world).district : pick(random, DISTRICTS).code;
    const respondentName = random() < 0.4 ? `${pick(random, SURNAME_LIST)}记${pick(random, UNREGISTERED_KINDS)}` : `${pick(random, ROADS)}${pick(random, PLACES)}${pick(random, UNREGISTERED_KINDS)}`;
    const category = weighted(random, UNREGISTERED_CATEGORY_WEIGHTS);
    const day = recentDay(random, historyStart, asOf);
    drafts.push(draft(random, { uscc: null, respondentName, district: where, deregistered: false, category, day }, asOf, source, updatedAt));
  }

  // Ids: channel-year-serial, serials rising with the received date within each channel and year.
  const order = drafts.map((_, i) => i).sort((a, b) => drafts[a]!.day - drafts[b]!.day || a - b);
  const serials = new Map<string, number>();
  const gaps = rng(`complaints:serials:${world.length}`);
  const ticketRows: NewTicketRow[] = [];
  const complainantRows: NewComplainantRow[] = [];
  for (const i of order) {
    const { ticket, complainant } = drafts[i]!;
    const series = `${CHANNEL_PREFIX[ticket.channel]}-${ticket.receivedOn.slice(0, 4)}`;
    // Laundry tickets are a sliver of each hotline's flow: serials skip the other topics' tickets.
    const serial = (serials.get(series) ?? 0) + intBetween(gaps, 1, 40);
    serials.set(series, serial);
    const id = `${series}-${String(serial).padStart(7, '0')}`;
    ticketRows.push({ id, ...ticket });
    complainantRows.push({ ticketId: id, ...complainant });
  }
  return { tickets: ticketRows, complainants: complainantRows };
}

/** Replaces the subgraph's data with the seed, in one transaction. */
export async function insertComplaintsSeed(db: Database, seed: ComplaintsSeed): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(complainants);
    await tx.delete(tickets);
    await insertColumnar(tx, tickets, seed.tickets);
    await insertColumnar(tx, complainants, seed.complainants);
  });
}
