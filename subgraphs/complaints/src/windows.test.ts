import { describe, expect, it } from 'vitest';
import type { EffectiveGrant, GroupId, SubgraphAuth } from '@xiran/auth';
import { checkedWindow, isCalendarWindow, lastEndedQuarter } from './windows';

const auth = (scopes: Partial<Record<GroupId, EffectiveGrant['scope']>>): SubgraphAuth => ({
  principal: { sub: 't', agency: 'market', level: 'city', district: null, roles: ['reader'] },
  grants: new Map(Object.entries(scopes).map(([g, scope]) => [g as GroupId, { group: g as GroupId, scope: scope!, grantId: 'g' }])),
  requestId: 'r',
});

describe('complaint windows', () => {
  it('knows calendar months and quarters', () => {
    expect(isCalendarWindow('2024-02-01', '2024-02-29')).toBe(true);
    expect(isCalendarWindow('2026-07-01', '2026-09-30')).toBe(true);
    expect(isCalendarWindow('2026-08-01', '2026-10-31')).toBe(false);
    expect(isCalendarWindow('2026-07-02', '2026-07-31')).toBe(false);
    expect(isCalendarWindow('2026-07-01', '2026-07-30')).toBe(false);
  });

  it('defaults to the last ended quarter', () => {
    expect(lastEndedQuarter('2026-11-30')).toEqual({ from: '2026-07-01', to: '2026-09-30' });
    expect(lastEndedQuarter('2026-02-10')).toEqual({ from: '2025-10-01', to: '2025-12-31' });
  });

  it('lets only a caller holding the tickets in full choose any window', () => {
    const window = { from: '2026-01-07', to: '2026-02-13' };
    expect(checkedWindow(auth({ complaintSummary: 'FULL', complaintTickets: 'FULL' }), window, { defaultWindow: false })).toEqual(window);
    for (const scopes of [{ complaintSummary: 'FULL', complaintTickets: 'HANDLER' }, { complaintSummary: 'AGGREGATE' }, { complaintSummary: 'MEMBERS' }] as const) {
      expect(() => checkedWindow(auth(scopes), window, { defaultWindow: false })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
      expect(checkedWindow(auth(scopes), { from: '2025-04-01', to: '2025-06-30' }, { defaultWindow: false })).toEqual({ from: '2025-04-01', to: '2025-06-30' });
      expect(() => checkedWindow(auth(scopes), { from: '2025-04-01', to: null }, { defaultWindow: false })).toThrow();
      expect(() => checkedWindow(auth(scopes), { from: '2099-01-01', to: '2099-01-31' }, { defaultWindow: false })).toThrow();
    }
  });
});
