import { AGENCIES } from '@xiran/common';
import { registeredDistricts, type DatasetDefinition, type IntakeOptions } from '@xiran/subgraph-kit';
import { agency, changeLog, complaintCategory, complaintChannel, complaintSatisfaction, complaintStatus, importBatches, memberScope, operatorDistricts, tickets } from './db/schema';
import { containsPhoneNumber } from './phone';
import { syncComplainantCopies } from './db/complainants';
import { CHANNEL_PREFIX, isFinal } from './workflow';

/** `12345-2026-0001234`: the channel's prefix, the year received, a 7-digit serial. */
const TICKET_ID = /^(12345|12315|XF|WS)-(\d{4})-\d{7}$/;

/**
 * 信访局's dataset: complaint tickets from the 12345 and 12315 hotlines, 信访 and the online
 * channel. Incremental: an export lists the tickets received or changed since the last one, so a
 * ticket left out of a file is not gone. Each change is logged under the agency the ticket is
 * routed to (handlerKey), so a HANDLER-scoped reader follows only its own tickets. The complainant's
 * identity is not part of the dataset: it arrives only with openComplaint, into its own table.
 */
export const complaintsDataset: DatasetDefinition = {
  // A file that corrects a ticket's operator or district carries it to the complainant's copies, in the same transaction.
  afterImport: async (tx) => {
    await syncComplainantCopies(tx);
  },
  name: 'complaints',
  department: 'petition',
  group: 'complaintTickets',
  changeField: 'complaintTickets',
  description: { zh: '投诉举报工单', en: 'complaint tickets' },
  table: tickets,
  mode: 'INCREMENTAL',
  key: ['id'],
  handlerKey: 'handlingAgency',
  columns: [
    { key: 'id', headers: ['id', '工单编号'], type: { kind: 'text', maxLength: 24 } },
    {
      key: 'channel',
      headers: ['channel', '来源渠道'],
      type: {
        kind: 'enum',
        values: complaintChannel.enumValues,
        labels: { '12345': 'HOTLINE_12345', '12345热线': 'HOTLINE_12345', '12315': 'HOTLINE_12315', '12315热线': 'HOTLINE_12315', 信访: 'PETITION', 网上投诉: 'ONLINE', 网上: 'ONLINE' },
      },
    },
    { key: 'receivedOn', headers: ['received_on', '受理日期'], type: { kind: 'date', notFuture: true } },
    {
      key: 'category',
      headers: ['category', '投诉类别'],
      type: {
        kind: 'enum',
        values: complaintCategory.enumValues,
        labels: {
          衣物损坏: 'GARMENT_DAMAGE',
          丢失调换: 'LOST_OR_SWAPPED',
          '丢失/调换': 'LOST_OR_SWAPPED',
          价格: 'PRICE',
          预付卡: 'PREPAID_CARD',
          水洗冒充干洗: 'FAKE_DRY_CLEANING',
          污染扰民: 'POLLUTION_NUISANCE',
          无照经营: 'UNLICENSED',
          其他: 'OTHER',
        },
      },
    },
    {
      key: 'status',
      headers: ['status', '办理状态'],
      type: { kind: 'enum', values: complaintStatus.enumValues, labels: { 受理: 'RECEIVED', 转办: 'TRANSFERRED', 办理中: 'IN_PROGRESS', 答复: 'REPLIED', 办结: 'CLOSED', 不予受理: 'REJECTED' } },
    },
    {
      key: 'handlingAgency',
      headers: ['handling_agency', '承办单位'],
      type: { kind: 'enum', values: agency.enumValues, labels: Object.fromEntries(agency.enumValues.map((code) => [AGENCIES[code], code])) },
    },
    { key: 'handlingDistrict', headers: ['handling_district', '承办区县'], type: { kind: 'district' } },
    // A deadline lies ahead of an open ticket: only its lower bound (the received date) is checked.
    { key: 'dueOn', headers: ['due_on', '办理时限'], type: { kind: 'date' } },
    { key: 'closedOn', headers: ['closed_on', '办结日期'], type: { kind: 'date', notFuture: true }, optional: true },
    {
      key: 'satisfaction',
      headers: ['satisfaction', '满意度'],
      type: { kind: 'enum', values: complaintSatisfaction.enumValues, labels: { 满意: 'SATISFIED', 基本满意: 'BASICALLY_SATISFIED', 不满意: 'DISSATISFIED' } },
      optional: true,
    },
    { key: 'respondentName', headers: ['respondent_name', '被投诉对象'], type: { kind: 'text', maxLength: 200 } },
    // A complaint may name a business that is not registered: then there is no code to give.
    { key: 'uscc', headers: ['uscc', '统一社会信用代码'], type: { kind: 'uscc' }, optional: true },
    { key: 'district', headers: ['district', '所属区县'], type: { kind: 'district' } },
    { key: 'text', headers: ['text', '投诉内容'], type: { kind: 'text', maxLength: 4000 } },
  ],
  check(record) {
    const problems: Array<{ column: string; reason: string }> = [];
    const id = TICKET_ID.exec(String(record.id));
    const received = String(record.receivedOn);
    if (!id) problems.push({ column: 'id', reason: `${JSON.stringify(record.id)} is not a ticket number (12345-, 12315-, XF- or WS-, the year, a 7-digit serial)` });
    else {
      const channel = record.channel as keyof typeof CHANNEL_PREFIX;
      if (id[1] !== CHANNEL_PREFIX[channel]) problems.push({ column: 'id', reason: `a ${channel} ticket's number starts with ${CHANNEL_PREFIX[channel]}-` });
      if (id[2] !== received.slice(0, 4)) problems.push({ column: 'id', reason: `the year in the number (${id[2]}) is not the year received (${received.slice(0, 4)})` });
    }
    if (String(record.dueOn) < received) problems.push({ column: 'dueOn', reason: `is before the date received (${received})` });
    const final = isFinal(record.status);
    if (record.closedOn && String(record.closedOn) < received) problems.push({ column: 'closedOn', reason: `is before the date received (${received})` });
    if (final && !record.closedOn) problems.push({ column: 'closedOn', reason: `a ${String(record.status)} ticket needs the date it was closed or refused` });
    if (!final && record.closedOn) problems.push({ column: 'closedOn', reason: `a ${String(record.status)} ticket is still open: it has no closing date` });
    if (record.satisfaction && record.status !== 'CLOSED') problems.push({ column: 'satisfaction', reason: 'only a CLOSED (办结) ticket carries an evaluation' });
    // The text is shared with every agency the ticket reaches: personal data stays in complainants.
    if (containsPhoneNumber(String(record.text))) problems.push({ column: 'text', reason: 'contains a phone number; the complaint text must be redacted' });
    return problems;
  },
};

export const DATASETS = [complaintsDataset];

/** Everything the kit's intake needs of this department: its datasets and bookkeeping tables. */
export const INTAKE: IntakeOptions = { department: 'petition', datasets: DATASETS, intake: { importBatches, changeLog, registeredDistricts: registeredDistricts(operatorDistricts, operatorDistricts) }, memberScope };
