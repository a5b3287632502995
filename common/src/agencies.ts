/** The agencies of the mechanism (claim `agency`), with what they are called at home. */
export const AGENCIES = {
  commerce: '商务局',
  market: '市场监管局',
  environment: '生态环境局',
  hrss: '人社局',
  petition: '信访局',
  statistics: '统计局',
  ndrc: '发改委',
  data: '数据局',
  association: '杭州洗染行业协会',
} as const;

export type Agency = keyof typeof AGENCIES;
export const AGENCY_CODES = Object.keys(AGENCIES) as Agency[];

export const LEVELS = ['city', 'district'] as const;
export type Level = (typeof LEVELS)[number];

/** reader: reads within its grants; uploader: writes its own agency's data; admin: manages its agency's grants. */
export const ROLES = ['reader', 'uploader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isAgency(value: unknown): value is Agency {
  return typeof value === 'string' && Object.hasOwn(AGENCIES, value);
}
