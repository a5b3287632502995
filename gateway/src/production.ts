import { DEV_JWT_SECRET, isProduction } from '@xiran/auth';
import { GatewayConfigError } from './config';

/**
 * In production the gateway starts only on keys and a database of its operator's own: not the dev
 * secret committed in the repository (anyone could mint an admin token of any agency with it), not
 * the dev key pair generated under .data, not the embedded store. Checked before anything is
 * loaded or generated; every problem is named by its variable. `databaseVariables`: the variables
 * any one of which gives this process a real database (the gateway alone also reads
 * GATEWAY_DATABASE_URL; `npm start` needs DATABASE_URL for its subgraphs).
 */
export function productionProblems(env: NodeJS.ProcessEnv, databaseVariables: readonly string[]): string[] {
  if (!isProduction(env)) return [];
  const problems: string[] = [];
  if (!env.JWT_SECRET && !env.JWT_PUBLIC_KEY_FILE && !env.JWT_JWKS_FILE) {
    problems.push('JWT_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE must be set: no caller-key configuration (the dev secret is refused in production)');
  } else if (env.JWT_SECRET === DEV_JWT_SECRET) {
    problems.push('JWT_SECRET is the dev secret committed in the repository');
  }
  if (!env.GATEWAY_SIGNING_KEY_FILE) problems.push('GATEWAY_SIGNING_KEY_FILE must be set: the dev key pair is refused in production');
  if (!env.GATEWAY_PUBLIC_KEY_FILE) problems.push('GATEWAY_PUBLIC_KEY_FILE must be set: the dev key pair is refused in production');
  if (!databaseVariables.some((name) => env[name])) problems.push(`${databaseVariables.join(' or ')} must be set: the embedded store is refused in production`);
  return problems;
}

/** Throws a GatewayConfigError listing every problem (see productionProblems). */
export function assertProductionReady(env: NodeJS.ProcessEnv, databaseVariables: readonly string[]): void {
  const problems = productionProblems(env, databaseVariables);
  if (problems.length) throw new GatewayConfigError(`Refusing to start in production (NODE_ENV/XIRAN_ENV=production):\n  - ${problems.join('\n  - ')}`);
}

/** For the entry points: a configuration error ends the process with its message and exit code 1. */
export function exitOnConfigError(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
