import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import vectors from './reference/uscc-test-vectors.json' with { type: 'json' };
import { checkUscc, completeUscc, organisationCheckCharacter, usccCheckCharacter } from './uscc';

/**
 * shared/ (the platform's spec and reference data) sits beside the repository on the team's
 * machines and in CI, where `.ci/run` sets XIRAN_REQUIRE_SHARED=1 so that the comparison cannot
 * be skipped; a fresh clone without it skips the comparison (and says so in vitest's report).
 */
const COMPARE_WITH_SHARED = existsSync(fileURLToPath(new URL('../../../shared/', import.meta.url))) || process.env.XIRAN_REQUIRE_SHARED === '1';

describe('统一社会信用代码 (GB 32100)', () => {
  it.each(vectors.valid)('accepts %s with a valid check character', (code) => {
    expect(checkUscc(code)).toEqual({ ok: true, checkDigitValid: true });
  });

  it.each(vectors.issuedButFailingCheck)('accepts the issued code %s but flags its failing check', (code) => {
    expect(checkUscc(code)).toEqual({ ok: true, checkDigitValid: false });
  });

  it.each([
    ['', 'must be 18 characters'],
    ['91350100M000100Y4', 'must be 18 characters'],
    ['91350100M000100Y433', 'must be 18 characters'],
    ['91350100M000100YI3', 'letters of GB 32100'],
    ['91350100M000100YO3', 'letters of GB 32100'],
    ['913501A0M000100Y43', 'digits in positions 3-8'],
    ['91350100m000100Y43', 'letters of GB 32100'],
  ])('refuses the malformed %j', (code, reason) => {
    const result = checkUscc(code);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('computes the check characters the seed relies on', () => {
    for (const code of vectors.valid) expect(usccCheckCharacter(code.slice(0, 17))).toBe(code[17]);
    expect(completeUscc('91350100M000100Y4')).toBe('91350100M000100Y43');
    // GB 11714 over positions 9-16: the organisation code's own check at position 17.
    expect(organisationCheckCharacter('59169385')).toBe('6');
  });

  it.runIf(COMPARE_WITH_SHARED)('keeps its reference copies identical to shared/reference', () => {
    for (const [file, local] of [
      ['uscc-test-vectors.json', new URL('./reference/uscc-test-vectors.json', import.meta.url)],
      ['hangzhou-districts.json', new URL('./reference/hangzhou-districts.json', import.meta.url)],
    ] as const) {
      const shared = fileURLToPath(new URL(`../../../shared/reference/${file}`, import.meta.url));
      expect(existsSync(shared), `${shared} (shared/ sits beside the repository)`).toBe(true);
      expect(JSON.parse(readFileSync(local, 'utf8'))).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
    }
  });
});
