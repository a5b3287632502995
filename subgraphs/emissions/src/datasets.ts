import { registeredDistricts, type DatasetDefinition, type IntakeOptions } from '@xiran/subgraph-kit';
import {
  changeLog,
  importBatches,
  inspectionKind,
  inspectionResult,
  inspections,
  machineEnclosure,
  machines,
  machineStatus,
  memberScope,
  operatorDistricts,
  penalties,
  permitKind,
  permits,
  solvent,
  solventLedger,
} from './db/schema';

/**
 * 生态环境局's datasets: what it uploads (即时上传, the record* mutations) and refreshes (定期更新,
 * importEmissionsData). Machines and permits are the department's registers, refreshed as full
 * snapshots (a machine or document left out is marked no longer present); inspections, the
 * solvent ledger and penalties are events and monthly returns, only ever added or corrected.
 */

type Problem = { column: string; reason: string };

const SOLVENT_LABELS = { 四氯乙烯: 'PCE', 碳氢溶剂: 'HYDROCARBON', 石油溶剂: 'HYDROCARBON', 十甲基环五硅氧烷: 'D5', 乙二醇醚: 'GLYCOL_ETHER', 液态二氧化碳: 'CO2', 湿洗: 'WET_CLEANING', 水洗: 'WET_CLEANING' };

const uscc = { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' } } as const;
const district = { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } } as const;

export const machinesDataset: DatasetDefinition = {
  name: 'machines',
  department: 'environment',
  group: 'machinesAndPermits',
  changeField: 'machines',
  description: { zh: '干洗机登记', en: 'dry-cleaning machines' },
  table: machines,
  mode: 'SNAPSHOT',
  key: ['id'],
  columns: [
    { key: 'id', headers: ['id', '设备编号'], type: { kind: 'text', maxLength: 40 } },
    uscc,
    district,
    { key: 'outletId', headers: ['outlet_id', '网点编号'], type: { kind: 'text', maxLength: 32 } },
    { key: 'solvent', headers: ['solvent', '溶剂类型'], type: { kind: 'enum', values: solvent.enumValues, labels: SOLVENT_LABELS } },
    {
      key: 'enclosure',
      headers: ['enclosure', '机型'],
      type: { kind: 'enum', values: machineEnclosure.enumValues, labels: { 全封闭式: 'FULLY_ENCLOSED', 开启式: 'OPEN', 开启式已改装: 'OPEN_RETROFITTED', 开启式改装: 'OPEN_RETROFITTED' } },
    },
    // A shop machine loads 6-20 kg, a laundry factory's up to 100 kg or so: beyond 200 is a typing error.
    { key: 'capacityKg', headers: ['capacity_kg', '额定容量'], type: { kind: 'number', min: 1, max: 200 } },
    { key: 'installed', headers: ['installed', '安装日期'], type: { kind: 'date', notFuture: true } },
    { key: 'status', headers: ['status', '使用状态'], type: { kind: 'enum', values: machineStatus.enumValues, labels: { 在用: 'IN_USE', 已淘汰: 'RETIRED', 淘汰: 'RETIRED' } } },
  ],
  check(record) {
    const problems: Problem[] = [];
    // Water washers and liquid-CO2 machines are closed vessels by construction; only solvent machines come open.
    if ((record.solvent === 'WET_CLEANING' || record.solvent === 'CO2') && record.enclosure !== 'FULLY_ENCLOSED') {
      problems.push({ column: 'enclosure', reason: `a ${String(record.solvent)} machine is FULLY_ENCLOSED (全封闭式)` });
    }
    return problems;
  },
};

export const permitsDataset: DatasetDefinition = {
  name: 'permits',
  department: 'environment',
  group: 'machinesAndPermits',
  changeField: 'permits',
  description: { zh: '环评及排污登记', en: 'EIA documents and discharge registrations' },
  table: permits,
  mode: 'SNAPSHOT',
  key: ['id'],
  columns: [
    { key: 'id', headers: ['id', '文件编号'], type: { kind: 'text', maxLength: 40 } },
    uscc,
    district,
    {
      key: 'kind',
      headers: ['kind', '文件类型'],
      type: { kind: 'enum', values: permitKind.enumValues, labels: { 环评批复: 'EIA_APPROVAL', 环评登记表: 'EIA_REGISTRATION_FORM', 环评备案: 'EIA_REGISTRATION_FORM', 排污登记: 'DISCHARGE_REGISTRATION' } },
    },
    { key: 'documentNumber', headers: ['document_number', '文号'], type: { kind: 'text', maxLength: 100 } },
    { key: 'issued', headers: ['issued', '发文日期'], type: { kind: 'date', notFuture: true } },
    { key: 'validUntil', headers: ['valid_until', '有效期至'], type: { kind: 'date' }, optional: true },
  ],
  check(record) {
    const problems: Problem[] = [];
    // 固定污染源排污登记 is valid for five years; EIA documents do not expire.
    if (record.kind === 'DISCHARGE_REGISTRATION' && !record.validUntil) problems.push({ column: 'validUntil', reason: 'a DISCHARGE_REGISTRATION (排污登记) needs its expiry date' });
    if (record.validUntil && String(record.validUntil) < String(record.issued)) problems.push({ column: 'validUntil', reason: 'is before the date of issue' });
    return problems;
  },
};

export const inspectionsDataset: DatasetDefinition = {
  name: 'inspections',
  department: 'environment',
  group: 'inspections',
  changeField: 'inspections',
  description: { zh: '现场检查记录', en: 'on-site inspections' },
  table: inspections,
  mode: 'INCREMENTAL',
  key: ['id'],
  columns: [
    { key: 'id', headers: ['id', '检查编号'], type: { kind: 'text', maxLength: 40 } },
    uscc,
    district,
    { key: 'date', headers: ['date', '检查日期'], type: { kind: 'date', notFuture: true } },
    {
      key: 'kind',
      headers: ['kind', '检查类型'],
      type: { kind: 'enum', values: inspectionKind.enumValues, labels: { 日常检查: 'ROUTINE', 投诉核查: 'COMPLAINT', 专项行动: 'SPECIAL_CAMPAIGN', 复查: 'FOLLOW_UP' } },
    },
    { key: 'result', headers: ['result', '检查结果'], type: { kind: 'enum', values: inspectionResult.enumValues, labels: { 合格: 'PASS', 责令整改: 'RECTIFY', 违法: 'VIOLATION' } } },
    { key: 'issues', headers: ['issues', '发现问题'], type: { kind: 'text', maxLength: 1000 }, optional: true },
    // The deadline may lie ahead: it is set on the day of the inspection.
    { key: 'rectificationDue', headers: ['rectification_due', '整改期限'], type: { kind: 'date' }, optional: true },
  ],
  check(record) {
    const problems: Problem[] = [];
    if (record.result !== 'PASS' && !record.issues) problems.push({ column: 'issues', reason: `a ${String(record.result)} inspection names the problems found (发现问题)` });
    if (record.result === 'RECTIFY' && !record.rectificationDue) problems.push({ column: 'rectificationDue', reason: 'a RECTIFY (责令整改) inspection needs the deadline' });
    if (record.result === 'PASS' && record.rectificationDue) problems.push({ column: 'rectificationDue', reason: 'a PASS (合格) inspection orders no rectification' });
    if (record.rectificationDue && String(record.rectificationDue) < String(record.date)) problems.push({ column: 'rectificationDue', reason: 'is before the inspection' });
    return problems;
  },
};

export const solventLedgerDataset: DatasetDefinition = {
  name: 'solvent-ledger',
  department: 'environment',
  group: 'inspections',
  changeField: 'solventLedger',
  description: { zh: '溶剂使用台账', en: 'monthly solvent ledger' },
  table: solventLedger,
  mode: 'INCREMENTAL',
  key: ['uscc', 'month', 'solvent'],
  columns: [
    uscc,
    district,
    // A ledger month cannot be reported before it begins.
    { key: 'month', headers: ['month', '月份'], type: { kind: 'month', as: 'date', notFuture: true } },
    { key: 'solvent', headers: ['solvent', '溶剂类型'], type: { kind: 'enum', values: solvent.enumValues, labels: SOLVENT_LABELS } },
    // Per operator and month: a large laundry factory buys a few tonnes of solvent at most and
    // cleans a few hundred tonnes of garments; more is a unit error (g for kg).
    { key: 'purchasedKg', headers: ['purchased_kg', '购入量'], type: { kind: 'number', min: 0, max: 5000 } },
    { key: 'consumedKg', headers: ['consumed_kg', '使用量'], type: { kind: 'number', min: 0, max: 5000 } },
    { key: 'garmentsKg', headers: ['garments_kg', '洗涤衣物量'], type: { kind: 'number', min: 0, max: 500000 } },
    { key: 'residueKg', headers: ['residue_kg', '残渣产生量'], type: { kind: 'number', min: 0, max: 5000 } },
    { key: 'manifestNumber', headers: ['manifest_number', '危废转移联单号'], type: { kind: 'text', maxLength: 40 }, optional: true },
  ],
  check(record) {
    const problems: Problem[] = [];
    // Wet cleaning uses water and detergent: there is no solvent to keep a ledger of.
    if (record.solvent === 'WET_CLEANING') problems.push({ column: 'solvent', reason: 'WET_CLEANING (水洗) keeps no solvent ledger' });
    return problems;
  },
  // A ledger is kept for the solvent machines on file: a month of an operator without any is a mistyped code.
  references: [{ key: 'uscc', table: machines, column: 'uscc', reason: 'no dry-cleaning machine of this operator is on file (record its machines first)' }],
};

export const penaltiesDataset: DatasetDefinition = {
  name: 'penalties',
  department: 'environment',
  group: 'penalties',
  changeField: 'penalties',
  description: { zh: '行政处罚决定', en: 'penalty decisions' },
  table: penalties,
  mode: 'INCREMENTAL',
  key: ['id'],
  columns: [
    { key: 'id', headers: ['id', '处罚编号'], type: { kind: 'text', maxLength: 40 } },
    uscc,
    district,
    { key: 'decisionNumber', headers: ['decision_number', '处罚决定书文号'], type: { kind: 'text', maxLength: 100 } },
    { key: 'decided', headers: ['decided', '处罚决定日期'], type: { kind: 'date', notFuture: true } },
    { key: 'violation', headers: ['violation', '违法行为'], type: { kind: 'text', maxLength: 1000 } },
    // 0 for a warning (警告) without a fine; the air and solid-waste laws cap a dry cleaner's fine well below 5 million.
    { key: 'fineYuan', headers: ['fine_yuan', '罚款金额'], type: { kind: 'integer', min: 0, max: 5_000_000 } },
    // Publicity is announced with the decision, so it may begin and end after today.
    { key: 'publicityFrom', headers: ['publicity_from', '公示开始日期'], type: { kind: 'date' } },
    { key: 'publicityUntil', headers: ['publicity_until', '公示截止日期'], type: { kind: 'date' } },
  ],
  check(record) {
    const problems: Problem[] = [];
    if (String(record.publicityFrom) < String(record.decided)) problems.push({ column: 'publicityFrom', reason: 'is before the decision' });
    if (String(record.publicityUntil) < String(record.publicityFrom)) problems.push({ column: 'publicityUntil', reason: 'is before the start of publicity' });
    return problems;
  },
};

export const DATASETS = [machinesDataset, permitsDataset, inspectionsDataset, solventLedgerDataset, penaltiesDataset];

/** Everything the kit's intake needs of this department: its datasets and bookkeeping tables. */
export const INTAKE: IntakeOptions = { department: 'environment', datasets: DATASETS, intake: { importBatches, changeLog, registeredDistricts: registeredDistricts(operatorDistricts, operatorDistricts) }, memberScope };
