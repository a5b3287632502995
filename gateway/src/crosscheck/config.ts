import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The thresholds of the 相互比对 rules (gateway/crosscheck.config.json; CROSSCHECK_CONFIG_FILE overrides). */
export interface Thresholds {
  UNREGISTERED_OPERATION: { complaintWindowDays: number };
  DEREGISTERED_STILL_ACTIVE: { purchaseWindowMonths: number };
  OPEN_MACHINE_IN_USE: { ledgerActivityMonths: number };
  SOLVENT_OVERUSE: { windowMonths: number; maxGramsPerKg: number };
  NO_INSURED_STAFF: Record<string, never>;
  /** Complaints are the complaint summary's: the last 90 days. */
  ARREARS_WITH_COMPLAINTS: { minArrearsMonths: number; minComplaints: number };
  GRADE_CONTRADICTS_RECORD: { grades: string[]; worstShare: number; complaintWindowDays: number };
  PREPAID_CARD_RISK: { windowDays: number; minRecent: number; minArrearsMonths: number };
}

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../crosscheck.config.json', import.meta.url));

export class InvalidCrossCheckConfig extends Error {}

/** Reads the defaults, then the override file's values over them; every number must be positive. */
export function loadThresholds(env: NodeJS.ProcessEnv = process.env): Thresholds {
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
  const defaults = read(DEFAULT_CONFIG_PATH);
  const override = env.CROSSCHECK_CONFIG_FILE ? read(env.CROSSCHECK_CONFIG_FILE) : {};
  const merged: Record<string, Record<string, unknown>> = {};
  for (const [rule, values] of Object.entries(defaults)) {
    if (rule.startsWith('$')) continue;
    merged[rule] = { ...values, ...(override[rule] ?? {}) };
  }
  for (const rule of Object.keys(override)) {
    if (!rule.startsWith('$') && !(rule in merged)) throw new InvalidCrossCheckConfig(`${env.CROSSCHECK_CONFIG_FILE}: unknown rule ${rule}`);
  }
  for (const [rule, values] of Object.entries(merged)) {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'number' && !(value > 0)) throw new InvalidCrossCheckConfig(`${rule}.${key} must be a positive number`);
    }
  }
  return merged as unknown as Thresholds;
}

/** Minutes between scheduled runs (CROSSCHECK_INTERVAL_MINUTES, default 60; 0 turns the schedule off). */
export function crossCheckInterval(env: NodeJS.ProcessEnv = process.env): number {
  const minutes = Number(env.CROSSCHECK_INTERVAL_MINUTES ?? 60);
  if (!Number.isFinite(minutes) || minutes < 0) throw new InvalidCrossCheckConfig('CROSSCHECK_INTERVAL_MINUTES must be a number of minutes (0: off)');
  return minutes;
}
