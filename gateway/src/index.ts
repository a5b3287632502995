import { readGatewayConfig } from './config';
import { createGatewayServer } from './server';

const config = readGatewayConfig();
const server = createGatewayServer(config);
const url = await server.listen();
console.log(`洗染在线 gateway ready at ${url} (Apollo Sandbox), offline IDE at ${url.replace(/graphql$/, 'graphiql')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().finally(() => process.exit(0));
  });
}
