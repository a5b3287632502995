import { createHash } from 'node:crypto';

/** The fields of an audit entry that its hash covers (everything but the hash itself). */
export interface ChainedEntry {
  seq: number;
  at: string;
  kind: string;
  requestId: string;
  sub: string | null;
  agency: string | null;
  level: string | null;
  district: string | null;
  operationName: string | null;
  operationHash: string | null;
  disclosed: unknown;
  refused: unknown;
  detail: unknown;
  prevHash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 over the canonical entry, which includes the previous entry's hash: the chain link. */
export function entryHash(entry: ChainedEntry): string {
  return createHash('sha256')
    .update(canonicalJson({ ...entry, at: new Date(entry.at).toISOString() }))
    .digest('hex');
}

/** sha256 of an operation's text and variables: identifies what was asked without copying it. */
export function operationHash(source: string, variables: unknown): string {
  return createHash('sha256').update(source).update('\n').update(canonicalJson(variables ?? {})).digest('hex');
}
