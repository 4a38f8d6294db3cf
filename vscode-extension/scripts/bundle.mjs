/**
 * Bundles the extension for its .vsix (vsce runs this as `vscode:prepublish`): the client
 * (src/extension.ts, `vscode` left to VS Code) and the language server (src/server.ts: the CLI's
 * `coil lsp` with the language, compiler and scenario runner) into dist/, for the Node 20 inside
 * VS Code, with no node_modules to ship. Run after `tsc -b`: the server is bundled from the
 * packages' dist/.
 *
 * Some modules read files beside themselves through `import.meta.url` (the compiler its IR
 * schemas, the server the diagnostics page). In the bundle each such module sees the URL it
 * would have under dist/ with the repository's layout, and those files are copied there.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const extension = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repository = path.dirname(extension);
const dist = path.join(extension, 'dist');

/** The files bundled modules read (the CLI its version from its package.json), relative to the repository and to dist/. */
const ASSETS = ['docs/diagnostics.md', 'cli/package.json', 'compiler/schema/coil-ir-1.schema.json', 'compiler/schema/coil-sourcemap-1.schema.json'];

/** Native modules (the SQL stores') cannot be bundled, and the editor never needs them. */
const NATIVE = /[\\/]node_modules[\\/](better-sqlite3|bindings|pg|pg-native)[\\/]/;

/** Gives each of the repository's own modules its `import.meta.url` as it would be under dist/. */
const moduleUrls = {
    name: 'coil-module-urls',
    setup(build) {
        build.onLoad({ filter: /\.js$/ }, async args => {
            const relative = path.relative(repository, args.path);
            if (relative.startsWith('..') || relative.split(path.sep).includes('node_modules')) return undefined;
            const text = await fs.promises.readFile(args.path, 'utf8');
            if (!text.includes('import.meta.url')) return undefined;
            return { contents: text.replaceAll('import.meta.url', `__coilModuleUrl(${JSON.stringify(relative.split(path.sep).join('/'))})`), loader: 'js' };
        });
    },
};

const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    keepNames: true,
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
    // A module of a dependency reading import.meta would find nothing in a CommonJS bundle: refuse it.
    logOverride: { 'empty-import-meta': 'error' },
};

fs.rmSync(dist, { recursive: true, force: true });
const results = await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(extension, 'src/extension.ts')], outfile: path.join(dist, 'extension.js'), external: ['vscode'] }),
    esbuild.build({
        ...common,
        entryPoints: [path.join(extension, 'src/server.ts')],
        outfile: path.join(dist, 'server.js'),
        plugins: [moduleUrls],
        banner: { js: 'const __coilModuleUrl = p => require("node:url").pathToFileURL(require("node:path").join(__dirname, p)).href;' },
    }),
]);
const native = results.flatMap(r => Object.keys(r.metafile.inputs)).filter(input => NATIVE.test(path.resolve(input)));
if (native.length > 0) throw new Error(`the bundle must not hold native modules, but it pulls in: ${native.join(', ')}`);
for (const asset of ASSETS) {
    fs.mkdirSync(path.dirname(path.join(dist, asset)), { recursive: true });
    fs.copyFileSync(path.join(repository, asset), path.join(dist, asset));
}
