import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { isDistrictCode } from '@xiran/common';
import { loadCallerKeys } from './keys';
import { signCallerToken, TokenRejected, verifyCallerToken } from './tokens';

const claims = { agency: 'market', level: 'district', district: '330106', roles: ['reader', 'uploader'] };

async function signWith(privateKey: CryptoKey | Uint8Array, alg: string, over: { iss?: string; aud?: string; exp?: number; kid?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...(over.kid ? { kid: over.kid } : {}) })
    .setSubject('u-1')
    .setIssuer(over.iss ?? 'xiran-online')
    .setAudience(over.aud ?? 'xiran-gateway')
    .setExpirationTime(over.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(privateKey);
}

describe('caller tokens', () => {
  it('verify with the HS256 dev secret, and the dev default is flagged as such', async () => {
    const keys = await loadCallerKeys({});
    expect(keys.devDefault).toBe(true);
    const token = await signCallerToken({ sub: 'a', agency: 'hrss', level: 'city', district: null, roles: ['reader'] }, keys);
    expect(await verifyCallerToken(token, keys, isDistrictCode)).toMatchObject({ agency: 'hrss', level: 'city', district: null });
    await expect(verifyCallerToken(token, await loadCallerKeys({ JWT_SECRET: 'another-secret-of-at-least-32-characters!' }), isDistrictCode)).rejects.toBeInstanceOf(TokenRejected);
  });

  it.each(['ES256', 'RS256'] as const)('verify %s with a public key file, checking issuer, audience and expiry', async (alg) => {
    const pair = await generateKeyPair(alg);
    const dir = mkdtempSync(join(tmpdir(), 'xiran-jwt-'));
    writeFileSync(join(dir, 'pub.pem'), await exportSPKI(pair.publicKey));
    const keys = await loadCallerKeys({ JWT_PUBLIC_KEY_FILE: join(dir, 'pub.pem'), JWT_ALGORITHM: alg });
    expect(keys.devDefault).toBe(false);
    expect(await verifyCallerToken(await signWith(pair.privateKey, alg), keys, isDistrictCode)).toMatchObject({ sub: 'u-1', agency: 'market', district: '330106' });
    for (const bad of [{ iss: 'someone-else' }, { aud: 'another-api' }, { exp: Math.floor(Date.now() / 1000) - 10 }]) {
      await expect(verifyCallerToken(await signWith(pair.privateKey, alg, bad), keys, isDistrictCode)).rejects.toBeInstanceOf(TokenRejected);
    }
    // An HS256 token must not pass where the public key is configured (algorithm confusion).
    await expect(verifyCallerToken(await signWith(new TextEncoder().encode('x'.repeat(40)), 'HS256'), keys, isDistrictCode)).rejects.toBeInstanceOf(TokenRejected);
  });

  it('verify with a JWKS file, choosing the key by kid', async () => {
    const pair = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const dir = mkdtempSync(join(tmpdir(), 'xiran-jwks-'));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    const keys = await loadCallerKeys({ JWT_JWKS_FILE: join(dir, 'jwks.json') });
    expect(await verifyCallerToken(await signWith(pair.privateKey, 'ES256', { kid: 'k1' }), keys, isDistrictCode)).toMatchObject({ agency: 'market' });
    const stranger = await generateKeyPair('ES256');
    await expect(verifyCallerToken(await signWith(stranger.privateKey, 'ES256', { kid: 'k1' }), keys, isDistrictCode)).rejects.toBeInstanceOf(TokenRejected);
  });

  it('refuses claims outside the catalogue', async () => {
    const keys = await loadCallerKeys({});
    const sign = (extra: Record<string, unknown>) =>
      new SignJWT({ agency: 'market', roles: ['reader'], ...extra }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(keys.issuer).setAudience(keys.audience).setExpirationTime('5m').sign(keys.hmacSecret!);
    for (const extra of [{ agency: 'police' }, { level: 'district' }, { level: 'district', district: '330103' }, { district: '330106' }, { roles: ['root'] }]) {
      await expect(verifyCallerToken(await sign(extra), keys, isDistrictCode), JSON.stringify(extra)).rejects.toBeInstanceOf(TokenRejected);
    }
  });
});
