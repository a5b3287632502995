import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestDatabases } from '@xiran/subgraph-kit';
import type { Stack } from '@xiran/tools/stack';
import { startTestStack, stopTestStack } from './support/test-stack';
import { graphql } from './support/http';
import { bearer, tokenFor, type TestKeys } from './support/security';

/**
 * The offline IDE in a real browser: the system Chromium (Debian package `chromium`; `.ci/run`
 * installs it) opens /graphiql with every request to another host refused, as on an intranet.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let databases: TestDatabases;
let stack: Stack;
let security: TestKeys;
let browser: Browser;
let page: Page;
let origin: string;
/** Requests the page tried to send anywhere but the gateway. */
const external: string[] = [];

beforeAll(async () => {
  // No silent skip: without the browser this test fails and says how to get one.
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM_PATH)`);
  ({ stack, keys: security, databases } = await startTestStack(200));
  origin = new URL(stack.gatewayUrl).origin;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    external.push(url);
    return route.abort('internetdisconnected');
  });
  page = await context.newPage();
});

// What the browser showed when a step failed, kept beside the other screenshots.
afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail' || !page) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}failed-${task.name.replace(/\W+/g, '-')}.png` });
});

afterAll(async () => {
  await browser?.close();
  await stopTestStack({ stack, databases });
});

/** The text of a GraphiQL editor (CodeMirror 5) inside `selector` (run in the page, hence `globalThis`). */
const editorText = (selector: string) =>
  page.evaluate((s) => (globalThis as any).document.querySelector(`${s} .CodeMirror`)?.CodeMirror.getValue() as string | undefined, selector);

/** The result pane once it holds a response (GraphiQL shows nothing there while it waits). */
async function result(): Promise<any> {
  await page.waitForFunction(() => /"(data|errors)"/.test((globalThis as any).document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() ?? ''));
  return JSON.parse((await editorText('.result-window'))!);
}

describe('GraphiQL at /graphiql, in Chromium', () => {
  it('opens offline with the README operations as tabs', async () => {
    // With a trailing slash the page's relative URLs would miss: it redirects to /graphiql.
    await page.goto(`${origin}/graphiql/`);
    expect(new URL(page.url()).pathname).toBe('/graphiql');
    await page.locator('.graphiql-container').waitFor();
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    expect(tabs.map((t) => t.trim())).toEqual(['OneOperator', 'Operators', 'Statistics', 'MyAccess', 'Catalogue']);
    expect(await editorText('.graphiql-query-editor')).toContain('query OneOperator($uscc: ID!)');
    // The Explorer plugin is there (its button in the sidebar).
    await expect(page.getByRole('button', { name: /GraphiQL Explorer/i }).count()).resolves.toBe(1);
  });

  it('runs the five-department operator query with a pasted token and shows the values', async () => {
    const commerce = await bearer(security, { agency: 'commerce' });
    // An operator every department knows, found the way an analyst would (a page of operators).
    const page1 = await graphql(stack.gatewayUrl, `{ operators(first: 200) { nodes { uscc emissionSummary { compliant } socialInsuranceStatus { inArrears } complaintSummary { total } membership { memberNumber } } } }`, {}, commerce);
    const known = (page1.data!.operators.nodes as any[]).find((n) => n.emissionSummary && n.socialInsuranceStatus && n.complaintSummary?.total > 0 && n.membership);
    expect(known, 'an operator known to all five departments').toBeDefined();

    await page.getByLabel('Token').fill(`Bearer ${await tokenFor(security, { agency: 'commerce' })}`);
    await expect(page.getByTestId('caller').innerText()).resolves.toContain('commerce');

    // The Variables editor (CodeMirror): select all, then insert the variables as typed text.
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify({ uscc: known.uscc }));
    await page.getByRole('button', { name: /Execute query/i }).click();
    const shown = await result();

    // The result pane shows what the API answers for the same operation, all five departments.
    const query = (await editorText('.graphiql-query-editor'))!;
    const direct = await graphql(stack.gatewayUrl, query, { uscc: known.uscc }, commerce);
    expect(shown.errors).toBeUndefined();
    expect(shown.data).toEqual(direct.data);
    const op = shown.data.operator;
    expect(op.uscc).toBe(known.uscc);
    expect(op.name).toBeTruthy(); // registration
    expect(op.emissionSummary).not.toBeNull(); // emissions
    expect(op.socialInsuranceStatus.insurances.length).toBeGreaterThan(0); // social insurance
    expect(op.complaintSummary.total).toBeGreaterThan(0); // complaints
    expect(op.membership.memberNumber).toBeTruthy(); // association
    await expect(page.locator('.result-window').innerText()).resolves.toContain(op.name);
  });

  it('shows the schema in Docs, Operator included', async () => {
    await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
    // The schema's types, listed once GraphiQL has fetched the schema with the pasted token.
    await page.locator('.graphiql-doc-explorer-type-name', { hasText: /^Operator$/ }).first().click();
    await expect(page.locator('.graphiql-doc-explorer-title').innerText()).resolves.toBe('Operator');
    await expect(page.locator('.graphiql-doc-explorer').innerText()).resolves.toContain('emissionSummary');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}graphiql.png` });
  });

  it('keeps the token across a reload, and "What may I read" runs myAccess', async () => {
    await page.reload();
    await page.locator('.graphiql-container').waitFor();
    await expect(page.getByTestId('caller').innerText()).resolves.toContain('commerce');
    await page.getByRole('button', { name: /What may I read/ }).click();
    const shown = await result();
    expect(await editorText('.graphiql-query-editor')).toContain('myAccess');
    expect(shown.errors).toBeUndefined();
    const groups = shown.data.myAccess.groups as Array<{ id: string; scope: string }>;
    // Commerce holds a grant on every group but the complainants' identity.
    expect(groups.map((g) => g.id)).toContain('emissionSummary');
    expect(groups.map((g) => g.id)).not.toContain('complainantIdentity');
    await page.screenshot({ path: `${ARTIFACTS}graphiql-my-access.png` });
  });

  it('asked no other host for anything', () => {
    expect(external).toEqual([]);
  });
});

describe('Apollo Sandbox at /graphql without Apollo\'s CDN', () => {
  it('shows a link to /graphiql that leads to the IDE', async () => {
    await page.goto(`${origin}/graphql`, { waitUntil: 'domcontentloaded' });
    const link = page.getByRole('link', { name: /graphiql/i });
    await expect(link.isVisible()).resolves.toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}sandbox-offline.png` });
    await link.click();
    await page.locator('.graphiql-container').waitFor();
    expect(new URL(page.url()).pathname).toBe('/graphiql');
    // Sandbox itself is from the CDN: refused here, which is the case the link is for.
    expect(external.some((url) => url.includes('apollographql.com'))).toBe(true);
  });
});
