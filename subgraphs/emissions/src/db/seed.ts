import {
  intBetween,
  monthStart,
  pick,
  rng,
  weighted,
  type Database,
  type SeedOperator,
  type SeedOptions,
  type SeedOutlet,
  insertColumnar,
} from '@xiran/subgraph-kit';
import { district as districtOf } from '@xiran/common';
import {
  inspections,
  machines,
  penalties,
  permits,
  solventLedger,
  type MachineRow,
  type NewInspectionRow,
  type NewMachineRow,
  type NewPenaltyRow,
  type NewPermitRow,
  type NewSolventLedgerRow,
  type Solvent,
} from './schema';


export interface EmissionsSeed {
  machines: NewMachineRow[];
  permits: NewPermitRow[];
  inspections: NewInspectionRow[];
  solventLedger: NewSolventLedgerRow[];
  penalties: NewPenaltyRow[];
}

type Enclosure = MachineRow['enclosure'];

/** A machine while generating: the stored row plus the day it stopped working (not stored). */
interface SeedMachine {
  row: NewMachineRow & { solvent: Solvent; enclosure: Enclosure; capacityKg: number; installed: string };
  /** Last working day; null while in use. */
  retiredOn: string | null;
  /** Garment loads per month at full season, and grams of solvent lost per kg of garments. */
  loadsPerMonth: number;
  gramsPerKg: number;
}

/**
 * Day arithmetic over cached day numbers. The kit's addDays builds a Date per call, which is too slow
 * for the hundreds of date steps per operator of a 50,000-operator seed; these agree with it.
 */
const DAY_MS = 86_400_000;
const dayNumbers = new Map<string, number>();
const dayStrings = new Map<number, string>();
function dayNumber(date: string): number {
  let n = dayNumbers.get(date);
  if (n === undefined) dayNumbers.set(date, (n = Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS)));
  return n;
}
function dayString(n: number): string {
  let date = dayStrings.get(n);
  if (date === undefined) dayStrings.set(n, (date = new Date(n * DAY_MS).toISOString().slice(0, 10)));
  return date;
}
function addDays(date: string, days: number): string {
  return dayString(dayNumber(date) + days);
}
function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}
function later(a: string, b: string): string {
  return a > b ? a : b;
}
function earlier(a: string, b: string): string {
  return a < b ? a : b;
}
/** A day between `from` and `to` (inclusive); `from` when the range is empty. */
function dayBetween(random: () => number, from: string, to: string): string {
  const span = daysBetween(from, to);
  return span <= 0 ? from : addDays(from, intBetween(random, 0, span));
}
function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Solvents of dry-cleaning machines in Hangzhou: PCE and hydrocarbon dominate; a few newer solvents. */
const STORE_SOLVENTS = [['PCE', 42], ['HYDROCARBON', 43], ['D5', 3], ['GLYCOL_ETHER', 2], ['CO2', 1], ['WET_CLEANING', 9]] as const;
const FACTORY_SOLVENTS = [['PCE', 45], ['HYDROCARBON', 45], ['D5', 2], ['GLYCOL_ETHER', 2], ['CO2', 1], ['WET_CLEANING', 5]] as const;
/** Solvent sold in 20 L pails (kg per pail). */
const PAIL_KG: Record<Solvent, number> = { PCE: 32, HYDROCARBON: 15, D5: 19, GLYCOL_ETHER: 18, CO2: 25, WET_CLEANING: 0 };
/** Busy months (winter coats) and quiet ones (summer, Spring Festival), by calendar month. */
const SEASON = [1.25, 0.9, 1.15, 1.05, 0.95, 0.85, 0.8, 0.8, 0.95, 1.1, 1.2, 1.3];

const INSPECTION_ISSUES = [
  '干洗机门封老化，作业时有明显溶剂异味',
  '未建立溶剂购买和使用台账',
  '溶剂使用台账记录不完整',
  '蒸馏残渣等危险废物未规范贮存，未设置危险废物标识',
  '危险废物未按规定委托有资质单位处置',
  '活性炭吸附装置未按期更换',
  '溶剂储存未设置防渗漏托盘',
  '废气收集装置未正常运行',
];
const OPEN_MACHINE_ISSUE = '使用开启式干洗机，未配套溶剂回收装置';
const VIOLATIONS = [
  { text: '使用开启式干洗机，挥发性有机物无组织排放未采取有效控制措施（《中华人民共和国大气污染防治法》第一百零八条）', min: 20, max: 200 },
  { text: '未按规定建立溶剂使用台账（《中华人民共和国大气污染防治法》第一百一十七条）', min: 20, max: 100 },
  { text: '干洗残渣等危险废物未按规定贮存、转移（《中华人民共和国固体废物污染环境防治法》第一百一十二条）', min: 100, max: 300 },
  { text: '未依法进行排污登记（《排污许可管理条例》第四十三条）', min: 5, max: 30 },
] as const;

/** The 6-digit area code of a district (the 西湖风景名胜区 uses its parent's). */
function areaCode(code: string): string {
  return districtOf(code)?.parent ?? code;
}
/** The sub-bureau's abbreviation in document numbers: 杭环萧罚, 杭环滨评批, ... */
function bureau(code: string): string {
  const name = districtOf(code)?.name ?? '';
  return name.startsWith('西湖风景') ? '风' : name.slice(0, 1);
}

/**
 * The department's rows for the seed world, derived deterministically from each operator (one PRNG
 * per uscc) and laid out relative to `options.asOf`.
 */
export function generateEmissionsSeed(world: SeedOperator[], options: SeedOptions): EmissionsSeed {
  const asOf = options.asOf;
  const source = 'seed';
  const updatedAt = `${asOf}T00:00:00Z`;
  const seed: EmissionsSeed = { machines: [], permits: [], inspections: [], solventLedger: [], penalties: [] };
  const ledgerMonths = Array.from({ length: 12 }, (_, i) => monthStart(asOf, 12 - i)); // oldest first
  const ledgerMonthEnds = ledgerMonths.map((_, i) => addDays(monthStart(asOf, 11 - i), -1));

  for (const op of world) {
    const random = rng(`emissions:${op.uscc}`);
    // A few operators never filed with the department nor were inspected: no record at all.
    if (random() < 0.04) continue;
    const active = op.status === 'ACTIVE';
    const lastDay = op.deregistered ? earlier(op.deregistered, asOf) : asOf;
    // A deregistered operator that still buys solvent (what a cross-check rule looks for).
    const keepsBuying = !active && random() < 0.12;
    const overuser = random() < 0.03;
    const base = { uscc: op.uscc, district: op.district, source, updatedAt };

    // Machines, at outlets that clean on site.
    const opMachines: SeedMachine[] = [];
    for (const outlet of op.outlets) {
      if (!outlet.cleansOnSite) continue;
      let n = 0;
      const add = (solvent: Solvent, enclosure: Enclosure, capacityKg: number, installed: string, retiredOn: string | null, outletType: SeedOutlet['type']) => {
        n++;
        const loadsPerMonth = outletType === 'FACTORY' ? intBetween(random, 80, 150) : outletType === 'SELF_SERVICE' ? intBetween(random, 40, 120) : intBetween(random, 35, 70);
        const gramsPerKg =
          (enclosure === 'OPEN' ? 20 + random() * 20 : enclosure === 'OPEN_RETROFITTED' ? 10 + random() * 8 : 5 + random() * 10) * (overuser ? 2 + random() * 1.5 : 1);
        opMachines.push({
          row: { ...base, id: `${outlet.id}-M${n}`, outletId: outlet.id, solvent, enclosure, capacityKg, installed, status: retiredOn ? 'RETIRED' : 'IN_USE' },
          retiredOn,
          loadsPerMonth,
          gramsPerKg,
        });
      };
      // An outlet closed in registration has retired its machines: when the operator stopped, or some time back.
      const closedOn = outlet.status === 'OPEN' || keepsBuying ? null : op.deregistered ? lastDay : dayBetween(random, addDays(asOf, -900), addDays(asOf, -30));
      const span = [op.established, closedOn ?? lastDay] as const;

      if (outlet.type === 'SELF_SERVICE') {
        const installed = dayBetween(random, span[0], addDays(span[1], -30));
        const count = intBetween(random, 2, 6);
        for (let i = 0; i < count; i++) add('WET_CLEANING', 'FULLY_ENCLOSED', pick(random, [8, 10, 10, 12, 15]), installed, closedOn, outlet.type);
        continue;
      }
      const count = outlet.type === 'FACTORY' ? intBetween(random, 2, 4) : random() < 0.12 ? 2 : 1;
      for (let i = 0; i < count; i++) {
        const solvent = weighted(random, outlet.type === 'FACTORY' ? FACTORY_SOLVENTS : STORE_SOLVENTS);
        const enclosure: Enclosure =
          solvent === 'WET_CLEANING' || solvent === 'CO2' ? 'FULLY_ENCLOSED' : weighted(random, [['FULLY_ENCLOSED', 80], ['OPEN', 10], ['OPEN_RETROFITTED', 10]] as const);
        // Open machines are the old ones: installed early in the operator's life.
        const installed =
          enclosure === 'FULLY_ENCLOSED'
            ? dayBetween(random, span[0], addDays(span[1], -30))
            : dayBetween(random, span[0], earlier(addDays(span[0], 500), span[1]));
        const capacityKg = outlet.type === 'FACTORY' ? pick(random, [25, 30, 35, 50, 60]) : pick(random, [8, 10, 12, 12, 15, 18]);
        add(solvent, enclosure, capacityKg, installed, closedOn, outlet.type);
      }
      // Some outlets replaced an old machine: it stays on file as retired.
      const newest = opMachines[opMachines.length - 1]!;
      if (daysBetween(span[0], newest.row.installed) > 1500 && random() < 0.35) {
        const installed = dayBetween(random, span[0], addDays(span[0], 400));
        const replaced = weighted(random, [['PCE', 70], ['HYDROCARBON', 30]] as const);
        add(replaced, random() < 0.6 ? 'OPEN' : 'FULLY_ENCLOSED', newest.row.capacityKg, installed, addDays(newest.row.installed, -1), outlet.type);
      }
    }
    seed.machines.push(...opMachines.map((m) => m.row));

    const solventMachines = opMachines.filter((m) => m.row.solvent !== 'WET_CLEANING');
    const openInUse = opMachines.some((m) => m.row.enclosure === 'OPEN' && !m.retiredOn);
    const area = areaCode(op.district);
    const bureauName = bureau(op.district);

    // Environmental documents.
    const documents: NewPermitRow[] = [];
    if (solventMachines.length > 0 ? random() < 0.9 : opMachines.length > 0 && random() < 0.3) {
      const firstInstalled = opMachines.map((m) => m.row.installed).sort()[0]!;
      const issued = dayBetween(random, later(addDays(firstInstalled, -90), op.established), earlier(addDays(firstInstalled, 30), lastDay));
      const large = op.size >= 3 || solventMachines.some((m) => m.row.capacityKg >= 25);
      documents.push({
        ...base,
        id: '',
        kind: large ? 'EIA_APPROVAL' : 'EIA_REGISTRATION_FORM',
        documentNumber: large
          ? `杭环${bureauName}评批〔${issued.slice(0, 4)}〕${intBetween(random, 1, 400)}号`
          : `${issued.slice(0, 4)}${area}${String(intBetween(random, 1, 99999)).padStart(8, '0')}`,
        issued,
        validUntil: null,
      });
    }
    // 固定污染源排污登记 (since mid-2020), five years; renewed once expired, unless the operator stopped.
    if (solventMachines.length > 0 && random() < 0.72 && lastDay > '2020-07-01') {
      let issued = dayBetween(random, later('2020-07-01', op.established), earlier(later('2021-06-30', op.established), lastDay));
      for (let serial = 1; issued <= lastDay; serial++) {
        const validUntil = addDays(addDays(issued, 5 * 365 + 1), -1);
        documents.push({ ...base, id: '', kind: 'DISCHARGE_REGISTRATION', documentNumber: `${op.uscc}${String(serial).padStart(3, '0')}W`, issued, validUntil });
        if (validUntil >= lastDay || random() < 0.2) break;
        issued = addDays(validUntil, intBetween(random, -30, 60));
      }
    }
    documents.sort((a, b) => a.issued.localeCompare(b.issued));
    documents.forEach((d, i) => (d.id = `${op.uscc}-P${i + 1}`));
    seed.permits.push(...documents);

    // Inspections, 0-4 in the two years before the as-of day (or before the operator stopped).
    const visits: NewInspectionRow[] = [];
    if (opMachines.length > 0) {
      const planned = weighted(random, [[0, 28], [1, 32], [2, 22], [3, 12], [4, 6]] as const) + (openInUse && random() < 0.5 ? 1 : 0);
      const from = later(addDays(asOf, -730), op.established);
      const dates = Array.from({ length: Math.min(planned, 4) }, () => dayBetween(random, from, lastDay)).sort();
      for (const date of dates) {
        if (visits.length >= 4 || (visits.length > 0 && date <= visits[visits.length - 1]!.date)) continue;
        const kind = weighted(random, [['ROUTINE', 60], ['SPECIAL_CAMPAIGN', 25], ['COMPLAINT', 15]] as const);
        const result = weighted(random, openInUse ? ([['PASS', 35], ['RECTIFY', 40], ['VIOLATION', 25]] as const) : ([['PASS', 82], ['RECTIFY', 14], ['VIOLATION', 4]] as const));
        const issues = result === 'PASS' ? null : openInUse && random() < 0.7 ? OPEN_MACHINE_ISSUE : pick(random, INSPECTION_ISSUES);
        const rectificationDue = result === 'PASS' ? null : addDays(date, result === 'RECTIFY' ? 30 : intBetween(random, 15, 60));
        visits.push({ ...base, id: '', date, kind, result, issues, rectificationDue });
        // Most orders are checked again once the deadline has passed.
        if (rectificationDue && visits.length < 4 && random() < 0.75) {
          const followUp = addDays(rectificationDue, intBetween(random, 0, 20));
          if (followUp <= lastDay) {
            const passed = random() < 0.85;
            visits.push({
              ...base,
              id: '',
              date: followUp,
              kind: 'FOLLOW_UP',
              result: passed ? 'PASS' : 'RECTIFY',
              issues: passed ? null : issues,
              rectificationDue: passed ? null : addDays(followUp, 30),
            });
          }
        }
      }
    }
    visits.forEach((v, i) => (v.id = `${op.uscc}-I${i + 1}`));
    seed.inspections.push(...visits);

    // Penalties: most follow a violation found on inspection; a few are older decisions.
    const decisions: { decided: string; violation: (typeof VIOLATIONS)[number] }[] = [];
    for (const visit of visits) {
      if (visit.result === 'VIOLATION' && random() < 0.2) {
        const decided = addDays(visit.date, intBetween(random, 20, 60));
        if (decided <= asOf) decisions.push({ decided, violation: openInUse && random() < 0.7 ? VIOLATIONS[0] : pick(random, VIOLATIONS) });
      }
    }
    if (solventMachines.length > 0 && random() < 0.006) {
      decisions.push({ decided: dayBetween(random, later(addDays(asOf, -1100), op.established), lastDay), violation: pick(random, VIOLATIONS) });
    }
    decisions.sort((a, b) => a.decided.localeCompare(b.decided));
    decisions.forEach(({ decided, violation }, i) => {
      const publicityFrom = addDays(decided, intBetween(random, 3, 7));
      seed.penalties.push({
        ...base,
        id: `${op.uscc}-X${i + 1}`,
        decisionNumber: `杭环${bureauName}罚〔${decided.slice(0, 4)}〕${intBetween(random, 1, 300)}号`,
        decided,
        violation: violation.text,
        fineYuan: intBetween(random, violation.min, violation.max) * 1000,
        publicityFrom,
        // 公示期: three months to three years by severity.
        publicityUntil: addDays(publicityFrom, pick(random, [90, 180, 365, 365, 1095])),
      });
    });

    // Solvent ledger: the twelve months before the as-of month, per solvent of machines working that month.
    if (solventMachines.length > 0) {
      const stoppedMonth = `${lastDay.slice(0, 7)}-01`;
      const lastMonth = keepsBuying ? ledgerMonths[11]! : stoppedMonth;
      const manifestEvery = random() < 0.08 ? 0 : pick(random, [1, 3, 3, 6]);
      const manifestPhase = intBetween(random, 0, 5);
      const bySolvent = new Map<Solvent, SeedMachine[]>();
      for (const m of solventMachines) {
        const group = bySolvent.get(m.row.solvent);
        if (group) group.push(m);
        else bySolvent.set(m.row.solvent, [m]);
      }
      for (const [solventName, group] of bySolvent) {
        let stock = PAIL_KG[solventName] * (0.5 + random() * 1.5);
        ledgerMonths.forEach((month, index) => {
          if (month > lastMonth) return;
          const monthEnd = ledgerMonthEnds[index]!;
          // (A deregistered operator that keeps buying has its machines in use: they run on past the deregistration.)
          const running = group.filter((m) => m.row.installed <= monthEnd && (m.retiredOn === null || m.retiredOn >= month));
          if (running.length === 0) return;
          const season = SEASON[Number(month.slice(5, 7)) - 1]!;
          let garments = 0;
          let consumed = 0;
          for (const m of running) {
            const kg = m.row.capacityKg * m.loadsPerMonth * (0.6 + random() * 0.3) * season;
            garments += kg;
            consumed += (kg * m.gramsPerKg) / 1000;
          }
          stock -= consumed;
          // Buy whole pails when the stock would not last into next month.
          let purchased = 0;
          if (stock < consumed * 1.2 || (keepsBuying && month > stoppedMonth)) {
            const pails = Math.max(1, Math.ceil((consumed * 2 - stock) / PAIL_KG[solventName]));
            purchased = pails * PAIL_KG[solventName];
            stock += purchased;
          }
          const handover = manifestEvery > 0 && (index + manifestPhase) % manifestEvery === 0;
          seed.solventLedger.push({
            uscc: op.uscc,
            district: op.district,
            month,
            solvent: solventName,
            purchasedKg: purchased,
            consumedKg: round1(consumed),
            garmentsKg: Math.round(garments),
            residueKg: round1((garments * (2 + random() * 3)) / 1000),
            manifestNumber: handover ? `${month.slice(0, 4)}${area}${String(intBetween(random, 1, 999999)).padStart(6, '0')}` : null,
            source,
            updatedAt,
          });
        });
      }
    }
  }
  return seed;
}

/** Replaces the subgraph's data with the seed, in one transaction. */
export async function insertEmissionsSeed(db: Database, seed: EmissionsSeed): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(machines);
    await tx.delete(permits);
    await tx.delete(inspections);
    await tx.delete(solventLedger);
    await tx.delete(penalties);
    await insertColumnar(tx, machines, seed.machines);
    await insertColumnar(tx, permits, seed.permits);
    await insertColumnar(tx, inspections, seed.inspections);
    await insertColumnar(tx, solventLedger, seed.solventLedger);
    await insertColumnar(tx, penalties, seed.penalties);
  });
}
