import { ALWAYS_READABLE, FIELD_GROUPS, type DerivedCoordinate, type FieldGroup, type GroupId } from './groups';
import type { EffectiveGrant } from './grants';
import type { Principal } from '../principal';
import { mayWrite, WRITES_BY_COORDINATE } from './writes';

export type FieldDecision =
  | { allowed: true; group: GroupId | null; grant: EffectiveGrant | null }
  | { allowed: false; group: GroupId | null; reason: 'NOT_IN_CATALOGUE' | 'NO_GRANT' | 'AGGREGATE_ONLY' | 'NOT_UPLOADER' | 'REVEALS' };

/** Field groups by id and by coordinate: the static half of the catalogue (grants are data). */
export class Catalogue {
  private readonly byCoordinate = new Map<string, FieldGroup>();
  private readonly byId = new Map<GroupId, FieldGroup>();
  private readonly derivedBy = new Map<string, DerivedCoordinate>();

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
      for (const derived of group.derived ?? []) {
        if (!group.coordinates.includes(derived.coordinate)) throw new Error(`${group.id}: derived ${derived.coordinate} is not one of its coordinates`);
        if (derived.reveals.includes(group.id)) throw new Error(`${derived.coordinate} reveals its own group`);
        this.derivedBy.set(derived.coordinate, derived);
      }
    }
  }

  /** What a computed coordinate reveals beyond its own group; undefined for a coordinate that is not derived. */
  derivation(coordinate: string): DerivedCoordinate | undefined {
    return this.derivedBy.get(coordinate);
  }

  /** Every derived coordinate with its group, in catalogue order. */
  derivedCoordinates(): Array<DerivedCoordinate & { group: GroupId }> {
    return this.groups.flatMap((g) => (g.derived ?? []).map((d) => ({ ...d, group: g.id })));
  }

  /**
   * The groups of a mixed coordinate whose parts the caller may not see: those it holds no grant
   * of, only an AGGREGATE one where the coordinate is not a statistic, or one that does not cover
   * every row the coordinate's own grant opens (a MEMBERS grant of a part under a FULL grant of
   * the whole: the part would show for non-members too). The parts are computed over the rows of
   * the own grant's scope, so a part's grant covers them when it is OWNER or FULL, or the same
   * row-limited scope (MEMBERS under MEMBERS).
   */
  withheldParts(coordinate: string, grants: ReadonlyMap<GroupId, EffectiveGrant>): GroupId[] {
    const derived = this.derivedBy.get(coordinate);
    const group = this.byCoordinate.get(coordinate);
    if (!derived?.parts || !group) return [];
    const aggregate = group.aggregates.includes(coordinate);
    const own = grants.get(group.id);
    return derived.reveals.filter((g) => {
      const grant = grants.get(g);
      if (!opens(grant, aggregate)) return true;
      return !(grant!.scope === 'OWNER' || grant!.scope === 'FULL' || grant!.scope === own?.scope);
    });
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
    const aggregate = group.aggregates.includes(coordinate);
    if (grant.scope === 'AGGREGATE' && !aggregate) return { allowed: false, group: group.id, reason: 'AGGREGATE_ONLY' };
    // A derived value discloses its sources: every group it reveals must be held as well, at a
    // scope that opens this kind of coordinate (row scopes are applied in SQL by the subgraph). A
    // value made of parts is the exception: the subgraph drops the parts of groups not held.
    const derived = this.derivedBy.get(coordinate);
    if (derived && !derived.parts) {
      const missing = derived.reveals.find((g) => !opens(grants.get(g), aggregate));
      // The refusal names the group that is missing: that is what the caller would need.
      if (missing) return { allowed: false, group: missing, reason: 'REVEALS' };
    }
    return { allowed: true, group: group.id, grant };
  }
}

/** Whether a grant opens a coordinate's data: any scope for a statistic, any but AGGREGATE for a per-operator value. */
function opens(grant: EffectiveGrant | undefined, aggregate: boolean): boolean {
  return grant !== undefined && (aggregate || grant.scope !== 'AGGREGATE');
}

export const CATALOGUE = new Catalogue();
