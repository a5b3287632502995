import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { IDE_TABS, MY_ACCESS } from './ide-tabs';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/**
 * Files of the offline IDE, served from the installed packages (no CDN on an intranet). The
 * Explorer plugin's UMD build takes React, @graphiql/react and graphql from the `GraphiQL` global,
 * so its version must match graphiql's @graphiql/react (3.2.5 for graphiql 3.8's 0.28).
 */
const ASSETS: Record<string, string> = {
  'react.js': join(packageDir('react'), 'umd/react.production.min.js'),
  'react-dom.js': join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
  'graphiql.js': join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.css': join(packageDir('graphiql'), 'graphiql.min.css'),
  'explorer.js': join(packageDir('@graphiql/plugin-explorer'), 'dist/index.umd.js'),
  'explorer.css': join(packageDir('@graphiql/plugin-explorer'), 'dist/style.css'),
  'ide.js': fileURLToPath(new URL('./graphiql-ide.js', import.meta.url)),
};

/** JSON inside a <script> element: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8" />
  <title>洗染在线 GraphiQL</title>
  <link rel="stylesheet" href="./graphiql/graphiql.css" />
  <link rel="stylesheet" href="./graphiql/explorer.css" />
  <style>
    body { margin: 0; height: 100vh; }
    #graphiql { height: 100vh; }
    .xiran-ide-bar { display: flex; gap: 0.4em; align-items: center; font-size: 13px; white-space: nowrap; }
    .xiran-ide-bar input { width: 9em; font: inherit; padding: 0.2em 0.4em; }
    .xiran-ide-bar button { font: inherit; padding: 0.2em 0.5em; cursor: pointer; }
    .xiran-ide-caller { max-width: 14em; overflow: hidden; text-overflow: ellipsis; opacity: 0.75; }
  </style>
</head>
<body>
  <div id="graphiql">Loading… (GraphiQL needs JavaScript)</div>
  <script type="application/json" id="xiran-ide-config">${scriptJson({ tabs: IDE_TABS, myAccess: MY_ACCESS })}</script>
  <script src="./graphiql/react.js"></script>
  <script src="./graphiql/react-dom.js"></script>
  <script src="./graphiql/graphiql.js"></script>
  <script src="./graphiql/explorer.js"></script>
  <script src="./graphiql/ide.js"></script>
</body>
</html>`;

/** `GET /graphiql`: GraphiQL from the installed packages, for networks that cannot reach a CDN. */
export function graphiqlRouter(): express.Router {
  const router = express.Router();
  router.get('/graphiql', (req, res) => {
    // The page's URLs are relative (the gateway may sit under a prefix): /graphiql/ would break them.
    if (req.path.endsWith('/')) return res.redirect(301, req.originalUrl.replace(/\/+(\?|$)/, '$1'));
    res.type('html').send(PAGE);
  });
  for (const [name, path] of Object.entries(ASSETS)) {
    router.get(`/graphiql/${name}`, (_req, res) => {
      res.sendFile(path, { maxAge: name === 'ide.js' ? 0 : '1d' });
    });
  }
  return router;
}
