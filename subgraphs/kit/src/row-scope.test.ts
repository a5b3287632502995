import { describe, expect, it } from 'vitest';
import { suppressComplements, type RowScope } from './row-scope';

const aggregate: RowScope = { district: null, handlerAgency: null, membersOnly: false, aggregate: true };
const full: RowScope = { ...aggregate, aggregate: false };

describe('complementary suppression', () => {
  it('suppresses the smallest other cell where one suppressed cell is the total minus the others', () => {
    expect(suppressComplements(20, [null, 12, 6], aggregate)).toEqual([null, 12, null]);
    expect(suppressComplements(20, [null, 4, 14], aggregate)).toEqual([null, null, 14]);
  });

  it('leaves the cells alone with the total suppressed, none or two suppressed, or a caller that is not AGGREGATE', () => {
    expect(suppressComplements(null, [null, 12, 6], aggregate)).toEqual([null, 12, 6]);
    expect(suppressComplements(20, [10, 10], aggregate)).toEqual([10, 10]);
    expect(suppressComplements(20, [null, null, 18], aggregate)).toEqual([null, null, 18]);
    expect(suppressComplements(20, [null, 12, 6], full)).toEqual([null, 12, 6]);
  });
});
