import { badUserInput } from '@xiran/common';

/** The largest page any list query returns; larger `first` is refused, never silently cut. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  nodes: T[];
  totalCount: number;
  pageInfo: PageInfo;
}

export function encodeCursor(key: string): string {
  return Buffer.from(`k:${key}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('k:') || text.length < 3) throw badUserInput('after', 'is not a cursor returned by this API');
  return text.slice(2);
}

/** Validates `first` / `after` and returns the keyset page to read (one extra row tells hasNextPage). */
export function pageWindow(first: number | null | undefined, after: string | null | undefined): { limit: number; afterKey: string | null } {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw badUserInput('first', `must be between 1 and ${MAX_PAGE_SIZE}`, { max: MAX_PAGE_SIZE });
  }
  return { limit, afterKey: after ? decodeCursor(after) : null };
}

/** Builds a connection from `limit + 1` rows read after the cursor. */
export function toConnection<T>(rows: T[], limit: number, keyOf: (row: T) => string, totalCount: number): Connection<T> {
  const nodes = rows.slice(0, limit);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    totalCount,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: last ? encodeCursor(keyOf(last)) : null },
  };
}
