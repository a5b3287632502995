import type { InsuranceType, UnitInsuranceStatusRow } from '../db/schema';

/** 险种代码 of each insurance type. */
export const INSURANCE_CODES: Record<InsuranceType, string> = {
  PENSION: '110',
  UNEMPLOYMENT: '210',
  MEDICAL: '310',
  WORK_INJURY: '410',
  MATERNITY: '510',
};

export const InsuranceStatus = {
  code: (status: Pick<UnitInsuranceStatusRow, 'type'>) => INSURANCE_CODES[status.type],
};
