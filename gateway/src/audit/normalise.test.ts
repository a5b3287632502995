import { describe, expect, it } from 'vitest';
import { MAX_AUDIT_TEXT, normaliseEntry, normaliseText } from './normalise';

describe('what the audit trail keeps of caller-supplied strings', () => {
  it('replaces NUL and other control characters, and lone surrogates, keeping valid pairs', () => {
    expect(normaliseText('a\u0000b\u0007c\u009fd')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(normaliseText('x\ud800y\udfffz')).toBe('x\uFFFDy\uFFFDz');
    expect(normaliseText('洗染😀')).toBe('洗染😀');
  });

  it('bounds the length and says how long the original was', () => {
    const long = normaliseText('q'.repeat(1024 * 1024));
    expect(long.length).toBeLessThanOrEqual(MAX_AUDIT_TEXT);
    expect(long).toMatch(/^q+…\[1048576 chars\]$/);
    // A cut through a surrogate pair leaves no lone half.
    const pairs = normaliseText('😀'.repeat(1000));
    expect(pairs).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('fits every fixed-width column and every string inside the JSON parts', () => {
    const entry = normaliseEntry({
      kind: 'READ',
      requestId: 'r'.repeat(500),
      sub: 's\u0000',
      agency: 'a'.repeat(50),
      level: 'city',
      district: '330106\u0000\u0000\u0000',
      operationName: null,
      operationHash: null,
      disclosed: [{ group: 'g\u0000', operators: ['\ud800'] }],
      refused: [],
      detail: { ['k\u0000']: 'v'.repeat(5000) },
    });
    expect(entry.requestId).toHaveLength(64);
    expect(entry.agency).toHaveLength(20);
    expect(entry.district).toHaveLength(8);
    expect(entry.sub).toBe('s\uFFFD');
    expect(entry.disclosed).toEqual([{ group: 'g\uFFFD', operators: ['\uFFFD'] }]);
    expect(Object.keys(entry.detail as object)).toEqual(['k\uFFFD']);
    expect(JSON.stringify(entry)).not.toMatch(/\\u0000/);
  });
});
