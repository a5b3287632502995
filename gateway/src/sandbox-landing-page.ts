import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

/**
 * Apollo Sandbox at `/graphql` (embedded from Apollo's CDN), with a plain link to the offline IDE
 * at the top of the page. The link is HTML before any script, so it shows when the CDN cannot be
 * reached (an intranet), where Sandbox alone leaves a blank page.
 */
export function sandboxWithOfflineLink<T extends BaseContext>(): ApolloServerPlugin<T> {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) as ApolloServerPlugin<T>;
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (!listener || !render) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const page = await render.call(listener);
          const html = page.html;
          return { html: async () => withIdeLink(typeof html === 'string' ? html : await html()) };
        },
      };
    },
  };
}

export const IDE_LINK_ID = 'xiran-offline-ide';

/**
 * The page with a bar linking to `/graphiql` right after `<body>`. Sandbox's own frame is moved
 * below the bar. The page's CSP allows only styles with its nonce, so the bar's style reuses it.
 */
export function withIdeLink(html: string): string {
  const nonce = /'nonce-([0-9a-f]+)'/.exec(html)?.[1];
  const style = nonce
    ? `<style nonce="${nonce}">
  #${IDE_LINK_ID} { margin: 0; height: 28px; line-height: 28px; padding: 0 1em; font-family: sans-serif; font-size: 14px; background: #f4f6f8; border-bottom: 1px solid #d9dee3; }
  body #embeddableSandbox { top: 29px; height: calc(100vh - 29px); }
</style>`
    : '';
  const bar = `${style}
<p id="${IDE_LINK_ID}">离线 IDE · Offline IDE: <a href="./graphiql">GraphiQL at /graphiql</a> — works without internet (Apollo Sandbox below needs Apollo's CDN).</p>`;
  return html.replace(/<body>/, (body) => `${body}${bar}`);
}
