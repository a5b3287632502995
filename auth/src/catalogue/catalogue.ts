import { ALWAYS_READABLE, FIELD_GROUPS, type FieldGroup, type GroupId } from './groups';
import type { EffectiveGrant } from './grants';
import type { Principal } from '../principal';
import { mayWrite, WRITES_BY_COORDINATE } from './writes';

export type FieldDecision =
  | { allowed: true; group: GroupId | null; grant: EffectiveGrant | null }
  | { allowed: false; group: GroupId | null; reason: 'NOT_IN_CATALOGUE' | 'NO_GRANT' | 'AGGREGATE_ONLY' | 'NOT_UPLOADER' };

/** Field groups by id and by coordinate: the static half of the catalogue (grants are data). */
export class Catalogue {
  private readonly byCoordinate = new Map<string, FieldGroup>();
  private readonly byId = new Map<GroupId, FieldGroup>();

  constructor(readonly groups: readonly FieldGroup[] = FIELD_GROUPS) {
    for (const group of groups) {
      this.byId.set(group.id, group);
      for (const coordinate of group.coordinates) {
        const previous = this.byCoordinate.get(coordinate);
        if (previous) throw new Error(`${coordinate} is in two groups: ${previous.id} and ${group.id}`);
        this.byCoordinate.set(coordinate, group);
      }
      for (const coordinate of group.aggregates) {
        if (!group.coordinates.includes(coordinate)) throw new Error(`${group.id}: aggregate ${coordinate} is not one of its coordinates`);
      }
    }
  }

  group(id: GroupId): FieldGroup {
    const group = this.byId.get(id);
    if (!group) throw new Error(`Unknown field group ${id}`);
    return group;
  }

  groupOf(coordinate: string): FieldGroup | undefined {
    return this.byCoordinate.get(coordinate);
  }

  /**
   * Deny by default: a field is readable only through a live grant of its group, and a mutation
   * runs only for the writers writes.ts names (the owning agency's uploaders, as a rule).
   */
  decide(coordinate: string, grants: ReadonlyMap<GroupId, EffectiveGrant>, principal?: Principal): FieldDecision {
    const write = WRITES_BY_COORDINATE.get(coordinate);
    if (write) {
      return mayWrite(write, principal) ? { allowed: true, group: null, grant: null } : { allowed: false, group: null, reason: 'NOT_UPLOADER' };
    }
    if (coordinate.endsWith('.__typename') || ALWAYS_READABLE.has(coordinate)) return { allowed: true, group: null, grant: null };
    const group = this.byCoordinate.get(coordinate);
    if (!group) return { allowed: false, group: null, reason: 'NOT_IN_CATALOGUE' };
    const grant = grants.get(group.id);
    if (!grant) return { allowed: false, group: group.id, reason: 'NO_GRANT' };
    if (grant.scope === 'AGGREGATE' && !group.aggregates.includes(coordinate)) return { allowed: false, group: group.id, reason: 'AGGREGATE_ONLY' };
    return { allowed: true, group: group.id, grant };
  }
}

export const CATALOGUE = new Catalogue();
