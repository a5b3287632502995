import { registeredDistricts, type DatasetDefinition, type IntakeOptions } from '@xiran/subgraph-kit';
import { changeLog, entityKind, importBatches, memberScope, operators, operatorStatus, outlets, outletStatus, outletType } from './db/schema';

/**
 * 市场监管局's datasets: what it uploads and refreshes. Both are full snapshots of the registry
 * (of the importer's district): an operator or outlet left out is marked no longer present.
 */
export const operatorsDataset: DatasetDefinition = {
  name: 'operators',
  department: 'market',
  group: 'registration',
  changeField: 'operators',
  description: { zh: '洗染经营者登记信息', en: 'registered operators' },
  table: operators,
  mode: 'SNAPSHOT',
  key: ['uscc'],
  columns: [
    { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' } },
    { key: 'name', headers: ['name', '企业名称'], type: { kind: 'text', maxLength: 200 } },
    {
      key: 'entityKind',
      headers: ['entity_kind', '主体类型'],
      type: { kind: 'enum', values: entityKind.enumValues, labels: { 企业: 'ENTERPRISE', 个体工商户: 'INDIVIDUAL_BUSINESS', 农民专业合作社: 'COOPERATIVE' } },
    },
    { key: 'status', headers: ['status', '登记状态'], type: { kind: 'enum', values: operatorStatus.enumValues, labels: { 存续: 'ACTIVE', 在业: 'ACTIVE', 吊销: 'REVOKED', 注销: 'DEREGISTERED', 迁出: 'MOVED_OUT' } } },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    { key: 'address', headers: ['address', '住所'], type: { kind: 'text', maxLength: 300 } },
    { key: 'legalRepresentative', headers: ['legal_representative', '法定代表人'], type: { kind: 'text', maxLength: 100 } },
    { key: 'established', headers: ['established', '成立日期'], type: { kind: 'date', notFuture: true } },
    { key: 'deregistered', headers: ['deregistered', '注销吊销日期'], type: { kind: 'date', notFuture: true }, optional: true },
    { key: 'businessScope', headers: ['business_scope', '经营范围'], type: { kind: 'text', maxLength: 2000 } },
    { key: 'industryCode', headers: ['industry_code', '行业代码'], type: { kind: 'text', maxLength: 4 }, optional: true },
    { key: 'abnormalList', headers: ['abnormal_list', '列入经营异常名录'], type: { kind: 'boolean' }, optional: true },
  ],
  check(record) {
    const problems: Array<{ column: string; reason: string }> = [];
    if (record.status === 'ACTIVE' && record.deregistered) problems.push({ column: 'deregistered', reason: 'an ACTIVE (存续) operator has no deregistration date' });
    if (record.status !== 'ACTIVE' && !record.deregistered) problems.push({ column: 'deregistered', reason: `a ${String(record.status)} operator needs the date it stopped` });
    if (record.deregistered && String(record.deregistered) < String(record.established)) problems.push({ column: 'deregistered', reason: 'is before the date of establishment' });
    if (record.industryCode && !/^\d{4}$/.test(String(record.industryCode))) problems.push({ column: 'industryCode', reason: 'must be a 4-digit GB/T 4754 code' });
    return problems;
  },
  // Writes refuse a failing check character (validated above), so the stored flag is true.
  derive: (record) => ({ usccCheckDigitValid: true, industryCode: record.industryCode ?? '8030', abnormalList: record.abnormalList ?? false }),
};

export const outletsDataset: DatasetDefinition = {
  name: 'outlets',
  department: 'market',
  group: 'outlets',
  changeField: 'outlets',
  description: { zh: '网点布局', en: 'outlets' },
  table: outlets,
  mode: 'SNAPSHOT',
  key: ['id'],
  columns: [
    { key: 'id', headers: ['id', '网点编号'], type: { kind: 'text', maxLength: 32 } },
    { key: 'uscc', headers: ['operator_uscc', '统一社会信用代码'], type: { kind: 'uscc' } },
    { key: 'name', headers: ['name', '网点名称'], type: { kind: 'text', maxLength: 200 } },
    {
      key: 'type',
      headers: ['type', '网点类型'],
      type: { kind: 'enum', values: outletType.enumValues, labels: { 门店: 'STORE', 收衣点: 'COLLECTION_POINT', 洗衣工厂: 'FACTORY', 自助洗衣: 'SELF_SERVICE', 智能柜: 'SMART_LOCKER' } },
    },
    { key: 'address', headers: ['address', '地址'], type: { kind: 'text', maxLength: 300 } },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    // Hangzhou's extent, with a margin: a point outside is a swapped or mistyped coordinate.
    { key: 'lng', headers: ['lng', '经度'], type: { kind: 'number', min: 118.2, max: 120.9 } },
    { key: 'lat', headers: ['lat', '纬度'], type: { kind: 'number', min: 29.1, max: 30.6 } },
    {
      key: 'services',
      headers: ['services', '服务项目'],
      type: {
        kind: 'enumList',
        values: ['DRY_CLEANING', 'WET_CLEANING', 'IRONING', 'LEATHER_CARE', 'MENDING', 'DYEING', 'PICKUP_DELIVERY'],
        labels: { 干洗: 'DRY_CLEANING', 水洗: 'WET_CLEANING', 熨烫: 'IRONING', 皮具护理: 'LEATHER_CARE', 织补改衣: 'MENDING', 染色: 'DYEING', 收送: 'PICKUP_DELIVERY' },
      },
    },
    { key: 'opened', headers: ['opened', '开业日期'], type: { kind: 'date', notFuture: true } },
    { key: 'status', headers: ['status', '经营状态'], type: { kind: 'enum', values: outletStatus.enumValues, labels: { 营业: 'OPEN', 关闭: 'CLOSED' } } },
  ],
  references: [{ key: 'uscc', table: operators, column: 'uscc', reason: 'no registered operator has this 统一社会信用代码' }],
};

export const DATASETS = [operatorsDataset, outletsDataset];

/** Everything the kit's intake needs of this department: its datasets and bookkeeping tables. */
// The registry is its own map: an outlet is written only for an operator registered in the writer's district.
export const INTAKE: IntakeOptions = { department: 'market', datasets: DATASETS, intake: { importBatches, changeLog, registeredDistricts: registeredDistricts(operators, operators) }, memberScope };
