import { registeredDistricts, type DatasetDefinition, type IntakeOptions } from '@xiran/subgraph-kit';
import { changeLog, headcountBand, importBatches, insuranceType, memberScope, operatorDistricts, paymentStatus, unitHeadcount, unitInsuranceStatus } from './db/schema';

/**
 * 人社局's datasets: what it uploads and refreshes. Both are full snapshots of the bureau's unit
 * records (of the importer's district): a unit or insurance left out is marked no longer present.
 * Unit-level facts only: no column names a person, an identity number or a contribution base.
 */

type Problem = { column: string; reason: string };

export const insuranceStatusDataset: DatasetDefinition = {
  name: 'insurance-status',
  department: 'hrss',
  group: 'socialInsuranceStatus',
  changeField: 'insuranceStatus',
  description: { zh: '单位参保缴费状态', en: "units' social-insurance payment status per insurance type" },
  table: unitInsuranceStatus,
  mode: 'SNAPSHOT',
  key: ['uscc', 'type'],
  columns: [
    { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' } },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    {
      key: 'type',
      headers: ['type', '险种'],
      // Exports name the 险种 in full, in short, or by its 险种代码.
      type: {
        kind: 'enum',
        values: insuranceType.enumValues,
        labels: {
          养老保险: 'PENSION',
          失业保险: 'UNEMPLOYMENT',
          医疗保险: 'MEDICAL',
          工伤保险: 'WORK_INJURY',
          生育保险: 'MATERNITY',
          养老: 'PENSION',
          失业: 'UNEMPLOYMENT',
          医疗: 'MEDICAL',
          工伤: 'WORK_INJURY',
          生育: 'MATERNITY',
          '110': 'PENSION',
          '210': 'UNEMPLOYMENT',
          '310': 'MEDICAL',
          '410': 'WORK_INJURY',
          '510': 'MATERNITY',
        },
      },
    },
    {
      key: 'paymentStatus',
      headers: ['payment_status', '缴费状态'],
      type: { kind: 'enum', values: paymentStatus.enumValues, labels: { 正常缴费: 'PAYING', 参保缴费: 'PAYING', 暂停缴费: 'SUSPENDED', 终止缴费: 'TERMINATED' } },
    },
    // 240 months (20 years) is beyond any arrears a bureau carries on its books.
    { key: 'arrearsMonths', headers: ['arrears_months', '欠费月数'], type: { kind: 'integer', min: 0, max: 240 } },
    { key: 'lastPaidPeriod', headers: ['last_paid_period', '最后缴费所属期'], type: { kind: 'month', as: 'period' }, optional: true },
    // A status "as of" a month not yet begun is a typing error.
    { key: 'asOfPeriod', headers: ['as_of_period', '数据所属期'], type: { kind: 'month', as: 'period', notFuture: true } },
  ],
  check(record) {
    const problems: Problem[] = [];
    if (record.lastPaidPeriod && String(record.lastPaidPeriod) > String(record.asOfPeriod)) {
      problems.push({ column: 'lastPaidPeriod', reason: `${String(record.lastPaidPeriod)} is after the period the status is as of (${String(record.asOfPeriod)})` });
    }
    // A unit cannot 终止 an insurance it still owes: the type stays 暂停 until the arrears are settled.
    if (record.paymentStatus === 'TERMINATED' && Number(record.arrearsMonths) > 0) {
      problems.push({ column: 'arrearsMonths', reason: 'a TERMINATED (终止缴费) insurance has no arrears: it stays SUSPENDED (暂停缴费) until they are settled' });
    }
    return problems;
  },
  derive: (record) => ({ inArrears: Number(record.arrearsMonths) > 0 }),
};

export const insuredHeadcountDataset: DatasetDefinition = {
  name: 'insured-headcount',
  department: 'hrss',
  group: 'insuredHeadcount',
  changeField: 'insuredHeadcount',
  description: { zh: '单位参保人数区间', en: "units' insured headcount band" },
  table: unitHeadcount,
  mode: 'SNAPSHOT',
  key: ['uscc'],
  columns: [
    { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' } },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    {
      key: 'band',
      headers: ['headcount_band', '参保人数区间'],
      // A band, never a count: the bureau's export gives the band label, not the number.
      type: {
        kind: 'enum',
        values: headcountBand.enumValues,
        labels: { 无: 'NONE', 无参保人员: 'NONE', '1-5人': 'FROM_1_TO_5', '6-20人': 'FROM_6_TO_20', '21-50人': 'FROM_21_TO_50', '50人以上': 'OVER_50', '51人以上': 'OVER_50' },
      },
    },
    // A status "as of" a month not yet begun is a typing error.
    { key: 'asOfPeriod', headers: ['as_of_period', '数据所属期'], type: { kind: 'month', as: 'period', notFuture: true } },
  ],
};

export const DATASETS = [insuranceStatusDataset, insuredHeadcountDataset];

/** Everything the kit's intake needs of this department: its datasets and bookkeeping tables. */
export const INTAKE: IntakeOptions = { department: 'hrss', datasets: DATASETS, intake: { importBatches, changeLog, registeredDistricts: registeredDistricts(operatorDistricts, operatorDistricts) }, memberScope };
