import { isAgency, LEVELS, ROLES, type Agency, type Level, type Role } from '@xiran/common';

/** Who is asking: the verified claims of a caller's token. */
export interface Principal {
  sub: string;
  agency: Agency;
  level: Level;
  /** Set exactly when level is `district`: the only district the caller may see. */
  district: string | null;
  roles: Role[];
}

export class InvalidClaims extends Error {}

/**
 * Checks the platform's claims of a verified token. `isDistrict` decides which district codes
 * exist (the kit's reference list); kept as a parameter so auth does not own geography.
 */
export function principalFromClaims(claims: Record<string, unknown>, isDistrict: (code: string) => boolean): Principal {
  const { sub, agency, level = 'city', district, roles = ['reader'] } = claims;
  if (typeof sub !== 'string' || sub.length === 0) throw new InvalidClaims('sub is required');
  if (!isAgency(agency)) throw new InvalidClaims(`agency must be one of the platform's agencies, got ${JSON.stringify(agency)}`);
  if (!LEVELS.includes(level as Level)) throw new InvalidClaims('level must be city or district');
  if (level === 'district') {
    if (typeof district !== 'string' || !isDistrict(district)) throw new InvalidClaims('a district-level caller must carry a valid district');
  } else if (district !== undefined && district !== null) {
    throw new InvalidClaims('a city-level caller carries no district');
  }
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
    throw new InvalidClaims(`roles must be a non-empty list of ${ROLES.join(', ')}`);
  }
  return {
    sub,
    agency,
    level: level as Level,
    district: level === 'district' ? (district as string) : null,
    roles: [...new Set(roles as Role[])],
  };
}

export function principalClaims(principal: Principal): Record<string, unknown> {
  return {
    agency: principal.agency,
    level: principal.level,
    ...(principal.district ? { district: principal.district } : {}),
    roles: principal.roles,
  };
}
