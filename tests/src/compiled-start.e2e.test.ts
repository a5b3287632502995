import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabases, type TestDatabases } from '@xiran/subgraph-kit';
import { bundleService } from '@xiran/tools/build';
import { graphql } from './support/http';
import { bearer, testSecurity } from './support/security';

/**
 * Production runs the compiled services: `npm run build` bundles each into its dist/index.js, and
 * `node dist/index.js` starts it alone, without tsx. Here the emissions subgraph and the gateway
 * are built (only these two, to keep the suite quick) and started as plain node processes against
 * fresh databases; a caller's query goes through the compiled gateway to the compiled subgraph.
 * This fails when a file read beside the sources (migrations, SDLs, the IDE's script, the dev
 * keys) does not resolve from dist.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
let databases: TestDatabases;
let dataDir: string;
const children: ChildProcess[] = [];

/** Starts `node <entry>` and resolves with the URL its ready line names. */
function start(entry: string, env: Record<string, string>): Promise<string> {
  // From a folder outside the checkout: nothing may depend on the working directory.
  const child = spawn(process.execPath, ['--enable-source-maps', entry], { cwd: dataDir, env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready in 90 s:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready at (http:\/\/\S+\/graphql)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

function databaseEnv(service: string): Record<string, string> {
  const target = databases.config(service).database;
  // On PostgreSQL a database per service under the test prefix; else each process's own PGlite.
  return target.kind === 'server' ? { DATABASE_URL: target.serverUrl } : { XIRAN_DATA_DIR: dataDir };
}

let emissionsUrl: string;
let gatewayUrl: string;

beforeAll(async () => {
  databases = await startTestDatabases();
  dataDir = mkdtempSync(join(tmpdir(), 'xiran-compiled-'));
  const [emissions, gateway] = await Promise.all([bundleService(join(REPO, 'subgraphs/emissions')), bundleService(join(REPO, 'gateway'))]);
  emissionsUrl = await start(emissions, { ...databaseEnv('emissions'), EMISSIONS_PORT: '0' });
  gatewayUrl = await start(gateway, { ...databaseEnv('gateway'), PORT: '0', EMISSIONS_URL: emissionsUrl });
});

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  await databases?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the services start alone from their compiled output', () => {
  it('answers a caller through the compiled gateway and the compiled emissions subgraph', async () => {
    const security = await testSecurity();
    const result = await graphql(gatewayUrl, '{ emissionStatistics(district: "330106") { district operators } }', {}, await bearer(security, { agency: 'environment' }));
    expect(result.errors ?? []).toEqual([]);
    expect(result.data?.emissionStatistics).toEqual([{ district: '330106', operators: 0 }]);
  });

  it('serves the offline IDE and its script, files found beside the gateway sources', async () => {
    const ide = await fetch(gatewayUrl.replace(/graphql$/, 'graphiql'));
    expect(ide.status).toBe(200);
    expect(await ide.text()).toContain('洗染在线 GraphiQL');
    const script = await fetch(gatewayUrl.replace(/graphql$/, 'graphiql/ide.js'));
    expect(script.status).toBe(200);
  });
});
