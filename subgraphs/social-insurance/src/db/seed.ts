import { insertColumnar, intBetween, monthStart, rng, weighted, type Database, type SeedOperator, type SeedOptions } from '@xiran/subgraph-kit';
import {
  insuranceType,
  unitHeadcount,
  unitInsuranceStatus,
  type HeadcountBand,
  type InsuranceType,
  type NewUnitHeadcountRow,
  type NewUnitInsuranceStatusRow,
  type PaymentStatus,
} from './schema';


export interface SocialInsuranceSeed {
  insuranceStatus: NewUnitInsuranceStatusRow[];
  headcount: NewUnitHeadcountRow[];
}

const TYPES = insuranceType.enumValues;

/** YYYY-MM of a date or period. */
const periodOf = (date: string) => date.slice(0, 7);
/** The period `months` after `period` (negative for earlier). */
const addMonths = (period: string, months: number) => monthStart(`${period}-01`, -months).slice(0, 7);
const minPeriod = (a: string, b: string) => (a < b ? a : b);
/** Whole months from `from` to `to` (both YYYY-MM). */
function monthsBetween(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));
}

/** Months in arrears: mostly one or two, a tail up to a year. */
const ARREARS_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m, i) => [m, [30, 20, 12, 9, 7, 6, 4, 3, 3, 2, 2, 2][i]!] as const);

type Weights = ReadonlyArray<readonly [HeadcountBand, number]>;

/** 参保人数 band by operator size: a one-shop 个体户 often insures nobody but the owner's helper. */
const BANDS_INDIVIDUAL: Weights = [['NONE', 30], ['FROM_1_TO_5', 62], ['FROM_6_TO_20', 8]];
const BANDS_BY_SIZE: Record<number, Weights> = {
  1: [['NONE', 4], ['FROM_1_TO_5', 66], ['FROM_6_TO_20', 27], ['FROM_21_TO_50', 3]],
  2: [['NONE', 2], ['FROM_1_TO_5', 33], ['FROM_6_TO_20', 55], ['FROM_21_TO_50', 10]],
  3: [['NONE', 1], ['FROM_1_TO_5', 9], ['FROM_6_TO_20', 52], ['FROM_21_TO_50', 32], ['OVER_50', 6]],
  4: [['NONE', 1], ['FROM_6_TO_20', 34], ['FROM_21_TO_50', 45], ['OVER_50', 20]],
  5: [['FROM_6_TO_20', 15], ['FROM_21_TO_50', 45], ['OVER_50', 40]],
};

function bandFor(random: () => number, op: SeedOperator, allowNone: boolean): HeadcountBand {
  const individual = op.uscc.startsWith('92');
  const weights = individual ? BANDS_INDIVIDUAL : BANDS_BY_SIZE[Math.min(5, Math.max(1, op.size))]!;
  return weighted(random, allowNone ? weights : weights.filter(([band]) => band !== 'NONE'));
}

/**
 * About 1% of deregistered operators whose unit still pays (the bureau never processed the
 * 注销): spread evenly over the world's deregistered operators, at least one when there are any,
 * so a small world still carries the case a cross-check looks for.
 */
function stillPayingAfterDeregistration(world: SeedOperator[]): Set<string> {
  const deregistered = world.filter((op) => op.status === 'DEREGISTERED');
  if (deregistered.length === 0) return new Set();
  const count = Math.max(1, Math.round(deregistered.length * 0.01));
  return new Set(Array.from({ length: count }, (_, j) => deregistered[Math.floor(((j + 0.5) * deregistered.length) / count)]!.uscc));
}

/**
 * The bureau's unit records for the seed world: five insurance rows and a headcount band per
 * unit it knows. Deterministic per operator (`rng('social-insurance:<uscc>')`) and `asOf`; the
 * data is as of the last full month before `asOf`, a few units lagging a month or two.
 */
export function generateSocialInsuranceSeed(world: SeedOperator[], options: SeedOptions): SocialInsuranceSeed {
  const source = 'seed';
  const updatedAt = `${options.asOf}T00:00:00Z`;
  const currentPeriod = periodOf(monthStart(options.asOf, 1));
  const stillPaying = stillPayingAfterDeregistration(world);
  const insuranceStatus: NewUnitInsuranceStatusRow[] = [];
  const headcount: NewUnitHeadcountRow[] = [];

  for (const op of world) {
    const random = rng(`social-insurance:${op.uscc}`);
    const individual = op.uscc.startsWith('92');
    const anomaly = stillPaying.has(op.uscc);
    const noRecord = op.status === 'ACTIVE' ? (individual ? 0.05 : 0.03) : 0.12;
    if (!anomaly && random() < noRecord) continue;

    const asOfPeriod = random() < 0.03 ? addMonths(currentPeriod, -intBetween(random, 1, 2)) : currentPeriod;
    const firstPeriod = periodOf(op.established);
    /** A paid period, or null when it falls before the unit existed. */
    const paid = (period: string) => (period < firstPeriod ? null : minPeriod(period, asOfPeriod));
    const rows = new Map<InsuranceType, { paymentStatus: PaymentStatus; arrearsMonths: number; lastPaidPeriod: string | null }>();
    let band: HeadcountBand;

    if (op.status === 'ACTIVE' || anomaly) {
      band = bandFor(random, op, !anomaly);
      if (band === 'NONE') {
        // Nobody insured: contributions suspended, some units never paid at all.
        const lastPaidPeriod = random() < 0.3 ? null : paid(addMonths(asOfPeriod, -intBetween(random, 1, 18)));
        for (const type of TYPES) rows.set(type, { paymentStatus: 'SUSPENDED', arrearsMonths: 0, lastPaidPeriod });
      } else {
        const inArrears = !anomaly && random() < 0.09;
        const months = Math.min(weighted(random, ARREARS_MONTHS), Math.max(1, monthsBetween(firstPeriod, asOfPeriod) + 1));
        // Usually the whole 五险 bill is unpaid; sometimes only some types (工伤 is billed apart).
        const allTypes = random() < 0.8;
        const typesInArrears = new Set(allTypes ? TYPES : TYPES.filter(() => random() < 0.5));
        if (typesInArrears.size === 0) typesInArrears.add(TYPES[intBetween(random, 0, TYPES.length - 1)]!);
        const suspended = inArrears && months >= 6 && random() < 0.2;
        for (const type of TYPES) {
          const m = inArrears && typesInArrears.has(type) ? (allTypes ? months : intBetween(random, 1, months)) : 0;
          rows.set(type, { paymentStatus: suspended ? 'SUSPENDED' : 'PAYING', arrearsMonths: m, lastPaidPeriod: paid(addMonths(asOfPeriod, -m)) });
        }
      }
    } else {
      // 注销 / 吊销 / 迁出: mostly 终止缴费; a 吊销 unit is often simply abandoned (暂停, in arrears).
      // A type still owing cannot be terminated: it stays 暂停 until the arrears are settled.
      band = 'NONE';
      const closed = periodOf(op.deregistered ?? op.established);
      const [terminatedShare, arrearsShare, minArrears, maxArrears] =
        op.status === 'DEREGISTERED' ? [0.96, 0.05, 1, 6] : op.status === 'REVOKED' ? [0.8, 0.25, 3, 12] : [0.85, 0.05, 1, 6];
      const paymentStatus: PaymentStatus = random() < terminatedShare ? 'TERMINATED' : 'SUSPENDED';
      const months = random() < arrearsShare ? intBetween(random, minArrears, maxArrears) : 0;
      // Usually the whole bill is owed; otherwise 养老 (the largest share) and perhaps a few more.
      const owing = new Set<InsuranceType>(months === 0 ? [] : random() < 0.7 ? TYPES : TYPES.filter((t) => t === 'PENSION' || random() < 0.3));
      const stopped = addMonths(minPeriod(closed, asOfPeriod), -intBetween(random, 0, op.status === 'REVOKED' ? 6 : 2));
      for (const type of TYPES) {
        const m = owing.has(type) ? months : 0;
        rows.set(type, { paymentStatus: m > 0 ? 'SUSPENDED' : paymentStatus, arrearsMonths: m, lastPaidPeriod: paid(addMonths(stopped, -m)) });
      }
    }

    for (const [type, row] of rows) {
      insuranceStatus.push({
        uscc: op.uscc,
        district: op.district,
        type,
        paymentStatus: row.paymentStatus,
        inArrears: row.arrearsMonths > 0,
        arrearsMonths: row.arrearsMonths,
        lastPaidPeriod: row.lastPaidPeriod,
        asOfPeriod,
        source,
        updatedAt,
      });
    }
    headcount.push({ uscc: op.uscc, district: op.district, band, asOfPeriod, source, updatedAt });
  }
  return { insuranceStatus, headcount };
}

/** Replaces the subgraph's data with the seed, in one transaction. */
export async function insertSocialInsuranceSeed(db: Database, seed: SocialInsuranceSeed): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(unitInsuranceStatus);
    await tx.delete(unitHeadcount);
    await insertColumnar(tx, unitInsuranceStatus, seed.insuranceStatus);
    await insertColumnar(tx, unitHeadcount, seed.headcount);
  });
}
