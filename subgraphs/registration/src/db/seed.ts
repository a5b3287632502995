import {
  addDays,
  insertColumnar,
  intBetween,
  pick,
  rng,
  weighted,
  type Database,
  type SeedOperator,
  type SeedOptions,
  type SeedOutlet,
} from '@xiran/subgraph-kit';
import { completeUscc, DISTRICTS, organisationCheckCharacter, USCC_ALPHABET } from '@xiran/common';
import { operators, outlets, type NewOperatorRow, type NewOutletRow } from './schema';

/** Share of Hangzhou's 洗染 operators per district: roughly by resident population. */
const DISTRICT_WEIGHTS: Record<string, number> = {
  '330102': 10, '330105': 11, '330106': 10, '330108': 6, '330109': 13, '330110': 11, '330111': 6,
  '330112': 4, '330113': 6, '330114': 5, '330122': 3, '330127': 2, '330182': 3, 'HZ-XHFJ': 0.5,
};

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玲红建国文辉力斌志峰浩宇晨欣怡佳琪雨婷雪梅海燕春梅小红丹萍';
const BRANDS = ['洁丽雅', '福奈特', '象王', '绿洲', '衣之家', '净衣坊', '干洗王', '亮洁', '新时代', '康洁', '雅洁', '天天', '白领', '金狮', '水之韵', '西子', '钱江', '运河', '如新', '洁安'];
const ROADS = ['文三路', '莫干山路', '延安路', '解放路', '凤起路', '庆春路', '文一西路', '江南大道', '市心中路', '南苑街道', '临平大道', '富春街道', '衣锦街', '迎宾大道', '新安江路', '千岛湖镇', '钱塘大道', '天目山路', '教工路', '古墩路', '滨盛路', '体育场路'];
const SCOPES = [
  '洗染服务；洗烫服务；皮革护理服务',
  '洗染服务；家政服务；日用品销售',
  '洗染服务；洗烫服务；缝纫修补服务；收送服务',
  '洗染服务',
];
const SERVICES_BY_TYPE: Record<SeedOutlet['type'], string[][]> = {
  STORE: [['DRY_CLEANING', 'WET_CLEANING', 'IRONING'], ['DRY_CLEANING', 'WET_CLEANING', 'IRONING', 'LEATHER_CARE'], ['WET_CLEANING', 'IRONING', 'MENDING']],
  COLLECTION_POINT: [['PICKUP_DELIVERY'], ['PICKUP_DELIVERY', 'MENDING']],
  FACTORY: [['DRY_CLEANING', 'WET_CLEANING', 'IRONING', 'DYEING'], ['DRY_CLEANING', 'WET_CLEANING', 'IRONING']],
  SELF_SERVICE: [['WET_CLEANING']],
  SMART_LOCKER: [['PICKUP_DELIVERY']],
};

function base31(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = USCC_ALPHABET[n % 31]! + out;
    n = Math.floor(n / 31);
  }
  return out;
}

function personName(random: () => number): string {
  return pick(random, [...SURNAMES]) + pick(random, [...GIVEN]) + (random() < 0.6 ? pick(random, [...GIVEN]) : '');
}

export interface RegistrationSeed {
  world: SeedOperator[];
  operators: NewOperatorRow[];
  outlets: NewOutletRow[];
}

/**
 * The seed world: `count` operators over Hangzhou's districts in plausible proportions, each with
 * its outlets near the district centre. Deterministic for a given count and `asOf`.
 */
export function generateRegistrationSeed(count: number, options: SeedOptions): RegistrationSeed {
  const random = rng(`registration:${count}`);
  const districtChoices = DISTRICTS.map((d) => [d, DISTRICT_WEIGHTS[d.code] ?? 1] as const);
  const source = 'seed';
  const updatedAt = `${options.asOf}T00:00:00Z`;
  const world: SeedOperator[] = [];
  const operatorRows: NewOperatorRow[] = [];
  const outletRows: NewOutletRow[] = [];

  for (let i = 0; i < count; i++) {
    const district = weighted(random, districtChoices);
    const entityKind = weighted(random, [['INDIVIDUAL_BUSINESS', 55], ['ENTERPRISE', 43], ['COOPERATIVE', 2]] as const);
    const prefix = entityKind === 'ENTERPRISE' ? '91' : entityKind === 'INDIVIDUAL_BUSINESS' ? '92' : '93';
    const area = district.parent ?? district.code;
    // Positions 9-16 unique per operator, position 17 the GB 11714 check, 18 the GB 32100 check.
    const org8 = `MA${base31(i, 6)}`;
    let uscc = completeUscc(`${prefix}${area}${org8}${organisationCheckCharacter(org8)}`);
    // About 1 in 200 carries an early pilot code that fails the position-18 check.
    const checkValid = random() >= 0.005;
    if (!checkValid) uscc = uscc.slice(0, 17) + USCC_ALPHABET[(USCC_ALPHABET.indexOf(uscc[17]!) + 1) % 31];

    const status = weighted(random, [['ACTIVE', 88], ['DEREGISTERED', 7], ['REVOKED', 3], ['MOVED_OUT', 2]] as const);
    const age = intBetween(random, 120, 7000);
    const established = addDays(options.asOf, -age);
    // Stopped at least 10 days ago and after it was established.
    const deregistered = status === 'ACTIVE' ? null : addDays(options.asOf, -intBetween(random, 10, Math.min(700, age - 1)));
    const size = entityKind === 'INDIVIDUAL_BUSINESS' ? 1 : weighted(random, [[1, 50], [2, 25], [3, 15], [4, 7], [5, 3]] as const);
    const brand = pick(random, BRANDS);
    const name =
      entityKind === 'INDIVIDUAL_BUSINESS'
        ? `杭州市${district.name}${brand}洗衣店`
        : entityKind === 'COOPERATIVE'
          ? `杭州${district.name.replace(/[区县市]$/, '')}${brand}洗涤专业合作社`
          : `杭州${brand}${pick(random, ['洗涤服务', '洗染', '干洗', '织物护理'])}有限公司${size > 2 ? '' : `${district.name.replace(/[区县市]$/, '')}分公司`}`;

    const outletCount = size === 1 ? 1 : size + intBetween(random, 0, size);
    const seedOutlets: SeedOutlet[] = [];
    for (let k = 0; k < outletCount; k++) {
      const type: SeedOutlet['type'] =
        k === 0
          ? size >= 3 ? 'FACTORY' : weighted(random, [['STORE', 90], ['SELF_SERVICE', 10]] as const)
          : weighted(random, [['STORE', 45], ['COLLECTION_POINT', 35], ['SMART_LOCKER', 12], ['SELF_SERVICE', 8]] as const);
      const outletStatus = status === 'ACTIVE' ? (random() < 0.05 ? 'CLOSED' : 'OPEN') : random() < 0.15 ? 'OPEN' : 'CLOSED';
      const id = `${uscc}-${String(k + 1).padStart(2, '0')}`;
      const cleansOnSite = type === 'FACTORY' || type === 'SELF_SERVICE' || (type === 'STORE' && (k === 0 || random() < 0.3));
      seedOutlets.push({ id, district: district.code, type, status: outletStatus, cleansOnSite });
      outletRows.push({
        id,
        uscc,
        name: `${brand}${type === 'FACTORY' ? '洗衣工厂' : type === 'COLLECTION_POINT' ? '收衣点' : type === 'SMART_LOCKER' ? '智能柜' : type === 'SELF_SERVICE' ? '自助洗衣' : '门店'}${k + 1}`,
        type,
        address: `杭州市${district.name}${pick(random, ROADS)}${intBetween(random, 1, 999)}号`,
        district: district.code,
        // Within a few km of the district seat: (sum of uniforms) is a cheap bell curve.
        lng: Number((district.lng + (random() + random() - 1) * 0.04).toFixed(6)),
        lat: Number((district.lat + (random() + random() - 1) * 0.035).toFixed(6)),
        services: pick(random, SERVICES_BY_TYPE[type]),
        opened: [addDays(established, intBetween(random, 0, 600)), options.asOf].sort()[0]!,
        status: outletStatus,
        source,
        updatedAt,
      });
    }

    world.push({ uscc, name, district: district.code, status, established, deregistered, size, outlets: seedOutlets });
    operatorRows.push({
      uscc,
      usccCheckDigitValid: checkValid,
      name,
      entityKind,
      status,
      district: district.code,
      address: `杭州市${district.name}${pick(random, ROADS)}${intBetween(random, 1, 999)}号`,
      legalRepresentative: personName(random),
      established,
      deregistered,
      businessScope: pick(random, SCOPES),
      industryCode: '8030',
      abnormalList: random() < (status === 'ACTIVE' ? 0.03 : 0.2),
      source,
      updatedAt,
    });
  }
  return { world, operators: operatorRows, outlets: outletRows };
}

/** Replaces the subgraph's data with the seed, in one transaction. */
export async function insertRegistrationSeed(db: Database, seed: RegistrationSeed): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(outlets);
    await tx.delete(operators);
    await insertColumnar(tx, operators, seed.operators);
    await insertColumnar(tx, outlets, seed.outlets);
  });
}
