import { sql } from 'drizzle-orm';
import { registeredDistricts, type DatasetDefinition, type IntakeOptions } from '@xiran/subgraph-kit';
import { changeLog, creditGrade, importBatches, leads, leadStatus, leadType, memberships, membershipStatus, operatorDistricts } from './db/schema';
import { ROUTED_AGENCIES } from './lead-routing';
import { recordImportedStatuses } from './db/lead-history';
import { widenImportedLeadGroups } from './db/lead-groups';
import { leadCondition, leadScopeOf, restricts } from './db/lead-scope';

type Problems = Array<{ column: string; reason: string }>;

/** 会员编号 such as HZXR-2019-00123: the association's own numbering, letters, digits and hyphens. */
const MEMBER_NUMBER = /^[A-Z0-9]+(-[A-Z0-9]+)*$/;

/**
 * 杭州洗染行业协会's datasets. The member list is a full snapshot (of the importer's district):
 * a member left out of the file is marked no longer present. Leads are added and updated only:
 * a file of this month's leads says nothing about last year's.
 */
export const membershipsDataset: DatasetDefinition = {
  name: 'memberships',
  department: 'association',
  group: 'creditGrade',
  changeField: 'memberships',
  description: { zh: '会员名单及信用等级', en: 'members and their credit grades' },
  table: memberships,
  mode: 'SNAPSHOT',
  key: ['uscc'],
  columns: [
    { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' } },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    { key: 'memberNumber', headers: ['member_number', '会员编号'], type: { kind: 'text', maxLength: 20 } },
    { key: 'name', headers: ['name', '会员名称'], type: { kind: 'text', maxLength: 200 }, optional: true },
    { key: 'since', headers: ['since', '入会日期'], type: { kind: 'date', notFuture: true } },
    {
      key: 'status',
      headers: ['status', '会籍状态'],
      type: { kind: 'enum', values: membershipStatus.enumValues, labels: { 正常: 'ACTIVE', 暂停: 'SUSPENDED', 暂停会籍: 'SUSPENDED', 退会: 'LAPSED', 失效: 'LAPSED', 未续会: 'LAPSED' } },
    },
    {
      key: 'grade',
      headers: ['grade', '信用等级'],
      type: { kind: 'enum', values: creditGrade.enumValues, labels: { AAA级: 'AAA', AA级: 'AA', A级: 'A', B级: 'B', C级: 'C' } },
      optional: true,
    },
    // A grade is announced before the round it applies to starts: validity may lie in the future.
    { key: 'gradeValidFrom', headers: ['grade_valid_from', '等级有效期起'], type: { kind: 'date' }, optional: true },
    { key: 'gradeValidTo', headers: ['grade_valid_to', '等级有效期止'], type: { kind: 'date' }, optional: true },
  ],
  check(record) {
    const problems: Problems = [];
    if (!MEMBER_NUMBER.test(String(record.memberNumber).toUpperCase())) problems.push({ column: 'memberNumber', reason: 'must be letters, digits and hyphens, e.g. HZXR-2019-00123' });
    // A grade means nothing without the period it applies to, and a period nothing without a grade.
    if (record.grade) {
      if (!record.gradeValidFrom) problems.push({ column: 'gradeValidFrom', reason: 'is required with a grade' });
      if (!record.gradeValidTo) problems.push({ column: 'gradeValidTo', reason: 'is required with a grade' });
    } else {
      if (record.gradeValidFrom) problems.push({ column: 'gradeValidFrom', reason: 'is given without a grade' });
      if (record.gradeValidTo) problems.push({ column: 'gradeValidTo', reason: 'is given without a grade' });
    }
    if (record.gradeValidFrom && record.gradeValidTo && String(record.gradeValidTo) <= String(record.gradeValidFrom)) {
      problems.push({ column: 'gradeValidTo', reason: 'must be after the first day of validity' });
    }
    return problems;
  },
  // Member numbers are printed on certificates in upper case; a lower-case entry is the same number.
  derive: (record) => ({ memberNumber: String(record.memberNumber).toUpperCase() }),
};

export const leadsDataset: DatasetDefinition = {
  // A lead's changes are seen by whoever may see the lead now (a reporter too): the lead decides.
  changeScope: (auth, recordKey) => {
    const scope = leadScopeOf(auth);
    return restricts(scope) ? sql`exists (select 1 from ${leads} where ${leads.id} = ${recordKey} and ${leadCondition(scope)})` : undefined;
  },
  // A file's new and changed leads join the 办理记录 at the status it gives them, in the import's transaction.
  afterImport: async (tx, batch) => {
    await recordImportedStatuses(tx, batch.id, batch.writer, batch.at);
    await widenImportedLeadGroups(tx, batch.id);
  },
  // A leads file is the association's record of its own reports: it may add leads and correct
  // what it observed (type, operator, facts, evidence, day reported), never what the platform and
  // the regulator decided. On a stored lead the routing, copy and deadline stay as first set, and
  // once a regulator has acted (no longer REPORTED) its status, feedback and feedback day too.
  importKeeps: [
    { columns: ['routedAgency', 'routedDistrict', 'copyToCommerce', 'feedbackDue'] },
    { columns: ['status', 'feedback', 'feedbackOn'], when: (stored) => sql`${stored('status')} <> 'REPORTED'` },
  ],
  // Another agency's report is its own words: the association's files never rewrite it.
  importOwnerColumn: 'reportedByAgency',
  name: 'leads',
  department: 'association',
  group: 'leads',
  changeField: 'leads',
  description: { zh: '违规线索', en: 'violation leads' },
  table: leads,
  mode: 'INCREMENTAL',
  key: ['id'],
  handlerKey: 'routedAgency',
  columns: [
    { key: 'id', headers: ['id', '线索编号'], type: { kind: 'text', maxLength: 32 } },
    { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' } },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    {
      key: 'type',
      headers: ['type', '线索类型'],
      type: {
        kind: 'enum',
        values: leadType.enumValues,
        labels: {
          侵害消费者权益: 'CONSUMER_RIGHTS',
          消费者权益: 'CONSUMER_RIGHTS',
          价格违法: 'PRICE',
          预付卡: 'PREPAID_CARD',
          预付卡违规: 'PREPAID_CARD',
          无照经营: 'UNLICENSED',
          挥发性有机物: 'VOC',
          VOCs: 'VOC',
          危险废物: 'HAZARDOUS_WASTE',
          危险废物处置: 'HAZARDOUS_WASTE',
          社会保险: 'SOCIAL_INSURANCE',
          社保: 'SOCIAL_INSURANCE',
          其他: 'OTHER',
        },
      },
    },
    { key: 'facts', headers: ['facts', '线索事实'], type: { kind: 'text', maxLength: 2000 } },
    { key: 'evidence', headers: ['evidence', '证据说明'], type: { kind: 'text', maxLength: 2000 } },
    {
      key: 'routedAgency',
      headers: ['routed_agency', '承办部门'],
      type: {
        kind: 'enum',
        values: ROUTED_AGENCIES,
        labels: { 市场监管局: 'market', 市场监管: 'market', 生态环境局: 'environment', 生态环境: 'environment', 人力社保局: 'hrss', 人力社保: 'hrss' },
      },
    },
    { key: 'routedDistrict', headers: ['routed_district', '承办区县'], type: { kind: 'district' } },
    { key: 'copyToCommerce', headers: ['copy_to_commerce', '抄送商务局'], type: { kind: 'boolean' }, optional: true },
    { key: 'reportedOn', headers: ['reported_on', '报送日期'], type: { kind: 'date', notFuture: true } },
    { key: 'feedbackDue', headers: ['feedback_due', '反馈期限'], type: { kind: 'date' } },
    {
      key: 'status',
      headers: ['status', '办理状态'],
      type: { kind: 'enum', values: leadStatus.enumValues, labels: { 已报送: 'REPORTED', 已受理: 'ACCEPTED', 调查中: 'INVESTIGATING', 已办结: 'CLOSED' } },
    },
    { key: 'feedback', headers: ['feedback', '处理结果'], type: { kind: 'text', maxLength: 2000 }, optional: true },
    { key: 'feedbackOn', headers: ['feedback_on', '反馈日期'], type: { kind: 'date', notFuture: true }, optional: true },
  ],
  check(record) {
    const problems: Problems = [];
    const reportedOn = String(record.reportedOn);
    if (String(record.feedbackDue) <= reportedOn) problems.push({ column: 'feedbackDue', reason: 'must be after the day reported' });
    if (record.feedbackOn && String(record.feedbackOn) < reportedOn) problems.push({ column: 'feedbackOn', reason: 'is before the day reported' });
    // Feedback is the regulator's answer on a day: one without the other is half a record.
    if (record.feedback && !record.feedbackOn) problems.push({ column: 'feedbackOn', reason: 'is required with feedback' });
    if (record.feedbackOn && !record.feedback) problems.push({ column: 'feedback', reason: 'is required with a feedback date' });
    if (record.status === 'CLOSED' && !record.feedback) problems.push({ column: 'feedback', reason: 'a CLOSED (已办结) lead needs the regulator’s feedback' });
    return problems;
  },
  // Every lead is copied to 商务局 unless the file says otherwise.
  derive: (record) => ({ copyToCommerce: record.copyToCommerce ?? true }),
};

export const DATASETS = [membershipsDataset, leadsDataset];

/** Everything the kit's intake needs of this department: its datasets and bookkeeping tables. */
export const INTAKE: IntakeOptions = { department: 'association', datasets: DATASETS, intake: { importBatches, changeLog, registeredDistricts: registeredDistricts(operatorDistricts, operatorDistricts) } };
