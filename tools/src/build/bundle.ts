import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * A service's compiled form: its entry and every workspace module it imports (@xiran/*, exported
 * as TypeScript sources) bundled into one ES module, `dist/index.js`, which plain `node` runs.
 * Packages from node_modules stay imports, resolved at run time as they are under tsx.
 *
 * Why a bundle rather than `tsc -b` emitting a file per module: the sources import each other
 * without extensions (moduleResolution "Bundler"), which Node's ESM loader does not resolve, and
 * the workspace packages export their .ts sources. Types are still checked by `tsc` (the build
 * task depends on typecheck); esbuild only strips them.
 */

const EXTERNAL = /^(?!@xiran\/)(?:@[^/]+\/)?[^./][^:]*$/;

/** Bare imports outside the workspace (npm packages, node: builtins) stay imports. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') || EXTERNAL.test(args.path) ? { path: args.path, external: true } : undefined));
  },
};

/**
 * Each module's `import.meta.url` as if it ran from its source file. Modules find files beside
 * their sources by it (migrations, SDLs, the IDE's script, the crosscheck thresholds, packages
 * through createRequire): in a bundle every module would otherwise share the bundle's URL. The
 * URL is made relative to the bundle, so the checkout can move.
 */
function sourceUrls(outdir: string): Plugin {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const fromBundle = relative(outdir, args.path).split('\\').join('/');
        return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Bundles `<packageDir>/<entry>` into `<packageDir>/dist/index.js`. */
export async function bundleService(packageDir: string, entry = 'src/index.ts'): Promise<string> {
  const outdir = resolve(packageDir, 'dist');
  const outfile = resolve(outdir, 'index.js');
  await build({
    entryPoints: [resolve(packageDir, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // The error registry and the principal's checks name classes and functions in messages.
    keepNames: true,
    logLevel: 'warning',
    plugins: [externalPackages, sourceUrls(outdir)],
  });
  return outfile;
}
