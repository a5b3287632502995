// The offline IDE at /graphiql: GraphiQL with the Explorer plugin, one token for every tab (kept in
// this browser's local storage), the README's operations as tabs and a "What may I read" button.
// Plain browser script over the UMD globals (React, ReactDOM, GraphiQL, GraphiQLPluginExplorer).
(function () {
  'use strict';
  const h = React.createElement;
  const { useEditorContext, useExecutionContext, useSchemaContext } = GraphiQL.React;
  const config = JSON.parse(document.getElementById('xiran-ide-config').textContent);
  const TOKEN_KEY = 'xiran:token';

  /** The pasted token without a "Bearer " prefix or surrounding blanks. */
  function cleanToken(text) {
    return text.trim().replace(/^bearer\s+/i, '');
  }

  /** Who the token says the caller is, for the bar (the gateway verifies it; this only reads it). */
  function describeToken(token) {
    if (!token) return '未登录 · no token';
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      const where = claims.level === 'district' ? `${claims.district}` : 'city';
      const expired = typeof claims.exp === 'number' && claims.exp * 1000 < Date.now() ? ' · EXPIRED' : '';
      return `${claims.agency} · ${where} · ${(claims.roles || []).join(',')}${expired}`;
    } catch {
      return 'not a JWT';
    }
  }

  let token = localStorage.getItem(TOKEN_KEY) || '';
  /** The token GraphiQL's schema was last fetched with (it fetches once by itself, on load). */
  let introspectedWith = token;
  const baseFetcher = GraphiQL.createFetcher({ url: new URL('./graphql', window.location.href).toString() });
  /** Every request carries the bar's token; an Authorization header typed in a tab's Headers wins. */
  const fetcher = (params, options) => {
    const typed = (options && options.headers) || {};
    const ownAuthorization = Object.keys(typed).some((name) => name.toLowerCase() === 'authorization');
    const headers = token && !ownAuthorization ? { ...typed, Authorization: `Bearer ${token}` } : typed;
    return baseFetcher(withOwnOperationName(params), { ...options, headers });
  };

  /**
   * GraphiQL can send the operation name of the tab it just left (a run right after a tab switch).
   * The gateway refuses a name the document does not hold (400), so name the document's own
   * operation when it has exactly one, and none otherwise.
   */
  function withOwnOperationName(params) {
    if (!params || !params.operationName || typeof params.query !== 'string') return params;
    const names = [...params.query.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)].map((m) => m[1]);
    if (names.includes(params.operationName)) return params;
    return { ...params, operationName: names.length === 1 ? names[0] : undefined };
  }

  function TokenInput() {
    const [value, setValue] = React.useState(token);
    const schema = useSchemaContext({ nonNull: true });
    // The schema (Docs, completion) is fetched with the token: fetch it again when the token changes.
    React.useEffect(() => {
      if (value === introspectedWith) return;
      const timer = setTimeout(() => {
        introspectedWith = value;
        schema.introspect();
      }, 300);
      return () => clearTimeout(timer);
    }, [value]);
    const save = (text) => {
      token = cleanToken(text);
      if (token) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
      setValue(token);
    };
    return h(React.Fragment, null,
      h('input', {
        type: 'password',
        'aria-label': 'Token',
        placeholder: 'Token (npm run token)',
        value,
        onChange: (event) => save(event.target.value),
        title: 'Paste a token from `npm run token` or your identity provider; kept in this browser.',
      }),
      h('span', { className: 'xiran-ide-caller', 'data-testid': 'caller' }, describeToken(value)),
      value ? h('button', { type: 'button', onClick: () => save(''), title: 'Clear: forget the token in this browser' }, '清除') : null,
    );
  }

  /** Opens the MyAccess tab (adding it back if it was closed) and runs it. */
  function WhatMayIRead() {
    const editor = useEditorContext({ nonNull: true });
    const execution = useExecutionContext({ nonNull: true });
    const [pending, setPending] = React.useState(false);
    const isMyAccess = (tab) => /\bmyAccess\b/.test(tab.query || '');

    React.useEffect(() => {
      if (!pending || !editor.queryEditor) return;
      setPending(false);
      if (!isMyAccess(editor.tabs[editor.activeTabIndex])) editor.queryEditor.setValue(config.myAccess);
      execution.run();
    }, [pending, editor.activeTabIndex, editor.queryEditor]);

    const open = () => {
      const index = editor.tabs.findIndex(isMyAccess);
      if (index === -1) editor.addTab();
      else if (index !== editor.activeTabIndex) editor.changeTab(index);
      setPending(true);
    };
    return h('button', { type: 'button', onClick: open, title: 'Run myAccess: the field groups your token may read' }, '我能读什么? What may I read');
  }

  function Bar() {
    return h('div', { className: 'xiran-ide-bar' }, h(TokenInput), h(WhatMayIRead));
  }

  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    h(GraphiQL, {
      fetcher,
      plugins: [explorer],
      defaultTabs: config.tabs,
      defaultQuery: '# A new tab: write an operation (Ctrl-Space completes), then Ctrl-Enter.\n',
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
    }, h(GraphiQL.Logo, null, h(Bar))),
  );
})();
