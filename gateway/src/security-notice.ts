import { DEV_JWT_SECRET, type CallerKeys, type GatewayKeyPair } from '@xiran/auth';

/** Says at start-up which keys are in force, and loudly when they are dev defaults. */
export function describeSecurity(callerKeys: CallerKeys, gatewayKeys: GatewayKeyPair): string {
  const lines = [
    callerKeys.devDefault
      ? `Caller tokens: HS256 with the DEV DEFAULT secret "${DEV_JWT_SECRET}" (set JWT_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE outside a laptop; refused with NODE_ENV=production).`
      : `Caller tokens: ${callerKeys.algorithms.join('/')} (issuer ${callerKeys.issuer}, audience ${callerKeys.audience}).`,
    gatewayKeys.generatedAt
      ? `Subgraph signatures: ES256 with the DEV key pair in ${gatewayKeys.generatedAt} (set GATEWAY_SIGNING_KEY_FILE / GATEWAY_PUBLIC_KEY_FILE; refused with NODE_ENV=production).`
      : 'Subgraph signatures: ES256 with GATEWAY_SIGNING_KEY_FILE.',
  ];
  return lines.join('\n');
}
