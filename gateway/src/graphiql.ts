import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express from 'express';

const require = createRequire(import.meta.url);

/** Files of the offline IDE, served from the installed packages (no CDN on an intranet). */
const ASSETS: Record<string, string> = {
  'react.js': join(dirname(require.resolve('react/package.json')), 'umd/react.production.min.js'),
  'react-dom.js': join(dirname(require.resolve('react-dom/package.json')), 'umd/react-dom.production.min.js'),
  'graphiql.js': join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'),
  'graphiql.css': join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.css'),
};

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8" />
  <title>洗染在线 GraphiQL (offline)</title>
  <link rel="stylesheet" href="./graphiql/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="./graphiql/react.js"></script>
  <script src="./graphiql/react-dom.js"></script>
  <script src="./graphiql/graphiql.js"></script>
  <script>
    // Paste {"Authorization": "Bearer <token>"} into the Headers tab (npm run token prints one).
    const fetcher = GraphiQL.createFetcher({ url: new URL('./graphql', window.location.href).toString() });
    const root = ReactDOM.createRoot(document.getElementById('graphiql'));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
      defaultQuery: '# 洗染在线: one operator across five departments\\nquery Operators {\\n  operators(first: 5) {\\n    totalCount\\n    nodes { uscc name districtName status }\\n  }\\n}\\n',
    }));
  </script>
</body>
</html>`;

/** `GET /graphiql`: GraphiQL from the installed packages, for networks that cannot reach a CDN. */
export function graphiqlRouter(): express.Router {
  const router = express.Router();
  router.get('/graphiql', (_req, res) => {
    res.type('html').send(PAGE);
  });
  for (const [name, path] of Object.entries(ASSETS)) {
    router.get(`/graphiql/${name}`, (_req, res) => {
      res.sendFile(path, { maxAge: '1d' });
    });
  }
  return router;
}
