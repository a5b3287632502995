import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { InvalidClaims, loadCallerKeys, principalFromClaims, signCallerToken } from '@xiran/auth';
import { AGENCY_CODES, LEVELS, ROLES, isAgency, isDistrictCode, type Role } from '@xiran/common';

/**
 * `npm run -s token -- --agency market --level district --district 330106 --roles reader,uploader`
 * prints a signed dev token (HS256, JWT_SECRET or the dev default) and nothing else on stdout.
 */
function fail(message: string): never {
  console.error(`token: ${message}`);
  console.error(`usage: npm run -s token -- --agency <${AGENCY_CODES.join('|')}> [--level city|district] [--district <code>] [--roles ${ROLES.join(',')}] [--sub <id>] [--expires 8h]`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      agency: { type: 'string' },
      level: { type: 'string', default: 'city' },
      district: { type: 'string' },
      roles: { type: 'string', default: 'reader' },
      sub: { type: 'string' },
      expires: { type: 'string', default: '8h' },
    },
    strict: true,
  }) as { values: Record<string, string | undefined> });
} catch (error) {
  fail((error as Error).message);
}

if (!isAgency(values.agency)) fail(`--agency must be one of ${AGENCY_CODES.join(', ')}`);
if (!LEVELS.includes(values.level as never)) fail('--level must be city or district');
if (values.level === 'district' && !values.district) fail('--level district needs --district <code> (GB/T 2260, or HZ-XHFJ)');
if (values.level === 'city' && values.district) fail('--district is only for --level district');
if (!/^\d+[smhd]$/.test(values.expires!)) fail('--expires takes a duration like 30m, 8h or 7d');
const roles = values.roles!.split(',').map((r) => r.trim()) as Role[];

try {
  const principal = principalFromClaims(
    { sub: values.sub ?? `dev-${values.agency}-${randomUUID().slice(0, 8)}`, agency: values.agency, level: values.level, district: values.district, roles },
    isDistrictCode,
  );
  const keys = await loadCallerKeys();
  if (keys.devDefault) console.error('token: signed with the DEV DEFAULT secret (set JWT_SECRET for anything but a laptop)');
  process.stdout.write(`${await signCallerToken(principal, keys, { expiresIn: values.expires! })}\n`);
} catch (error) {
  fail(error instanceof InvalidClaims ? error.message : (error as Error).message);
}
