import reference from './reference/hangzhou-districts.json' with { type: 'json' };

/**
 * Hangzhou's county-level divisions (GB/T 2260, after the 2021 adjustment) plus the 西湖风景名胜区
 * zone, which has no GB/T 2260 code but is a district-level body of its own.
 */
export interface District {
  code: string;
  name: string;
  lng: number;
  lat: number;
  /** Set for a zone: the division it lies in. */
  parent?: string;
}

const zoneCentres: Record<string, { lng: number; lat: number }> = {
  // The scenic-area committee's seat by the lake; the reference file gives no centre for zones.
  'HZ-XHFJ': { lng: 120.148, lat: 30.245 },
};

export const DISTRICTS: readonly District[] = [
  ...reference.districts.map((d) => ({ code: d.code, name: d.name, lng: d.lng, lat: d.lat })),
  ...reference.zones.map((z) => ({ code: z.code, name: z.name, parent: z.parent, ...zoneCentres[z.code]! })),
];

const byCode = new Map(DISTRICTS.map((d) => [d.code, d]));

export function isDistrictCode(code: string): boolean {
  return byCode.has(code);
}

export function district(code: string): District | undefined {
  return byCode.get(code);
}

/** Codes abolished in 2021 (下城区, 江干区): named in errors so an old export is easy to fix. */
export const ABOLISHED_DISTRICTS: ReadonlyMap<string, string> = new Map(
  reference.abolished.map((a) => [a.code, `${a.name} was abolished in 2021; merged into ${[a.mergedInto].flat().join(', ')}`]),
);
