import { loadCallerKeys, loadGatewayKeys, StaticGrantSource } from '@xiran/auth';
import { readGatewayConfig } from './config';
import { createGatewayServer } from './server';
import { describeSecurity } from './security-notice';

const config = readGatewayConfig();
const callerKeys = await loadCallerKeys();
const gatewayKeys = await loadGatewayKeys(process.env, { needPrivate: true });
console.log(describeSecurity(callerKeys, gatewayKeys));
const server = createGatewayServer(config, { callerKeys, gatewayKeys, grants: new StaticGrantSource() });
const url = await server.listen();
console.log(`洗染在线 gateway ready at ${url} (Apollo Sandbox), offline IDE at ${url.replace(/graphql$/, 'graphiql')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().finally(() => process.exit(0));
  });
}
