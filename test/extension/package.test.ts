/**
 * The packaged extension, as `code --install-extension` would get it: the real `npm run package`
 * once, then the .vsix read with yauzl. Its manifest contributes the language, grammar, commands
 * and settings the code uses; it holds the bundles and nothing of the sources, tests or
 * node_modules; and its language server, unpacked alone in a temporary folder, runs on this
 * Node 20 with no node_modules around it: it checks a process, links each code to the
 * documentation shipped inside the extension, and answers Coil's own requests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
    DidOpenTextDocumentNotification, ExitNotification, InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest,
    type InitializeResult, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import yauzl from 'yauzl';
import type { CompileResult, DiagramResult, RunScenarioResult } from '../../cli/src/lsp/protocol.js';
import { CAPABILITIES, repository } from '../lsp/harness.js';

const extensionFolder = path.join(repository, 'vscode-extension');
const manifest = JSON.parse(fs.readFileSync(path.join(extensionFolder, 'package.json'), 'utf8')) as Manifest;
const vsixFile = path.join(extensionFolder, `${manifest.name}-${manifest.version}.vsix`);
const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-vsix-'));
let entries: Map<string, Buffer>;

interface Manifest {
    name: string;
    version: string;
    main: string;
    engines: { vscode: string };
    activationEvents: string[];
    contributes: {
        languages: Array<{ id: string; aliases: string[]; extensions: string[]; configuration: string }>;
        grammars: Array<{ language: string; scopeName: string; path: string }>;
        commands: Array<{ command: string; title: string; category: string }>;
        menus: Record<string, Array<{ command: string; when: string }>>;
        configuration: { properties: Record<string, { default: unknown }> };
        configurationDefaults: Record<string, Record<string, unknown>>;
    };
}

/** Every entry of a zip file, by name. (yauzl ships no types: these are the calls used.) */
function readZip(file: string): Promise<Map<string, Buffer>> {
    return new Promise((resolve, reject) => {
        yauzl.open(file, { lazyEntries: true }, (error: Error | null, zip: yauzl.ZipFile) => {
            if (error) return reject(error);
            const result = new Map<string, Buffer>();
            zip.on('error', reject);
            zip.on('end', () => resolve(result));
            zip.on('entry', (entry: yauzl.Entry) => {
                zip.openReadStream(entry, (streamError: Error | null, stream: NodeJS.ReadableStream) => {
                    if (streamError) return reject(streamError);
                    const chunks: Buffer[] = [];
                    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
                    stream.on('end', () => {
                        result.set(entry.fileName, Buffer.concat(chunks));
                        zip.readEntry();
                    });
                });
            });
            zip.readEntry();
        });
    });
}

beforeAll(async () => {
    fs.rmSync(vsixFile, { force: true });
    execFileSync('npm', ['run', 'package'], { cwd: repository, stdio: 'pipe' });
    entries = await readZip(vsixFile);
    for (const [name, bytes] of entries) {
        if (name.endsWith('/')) continue;
        fs.mkdirSync(path.dirname(path.join(unpacked, name)), { recursive: true });
        fs.writeFileSync(path.join(unpacked, name), bytes);
    }
}, 300_000);

afterAll(() => {
    fs.rmSync(unpacked, { recursive: true, force: true });
});

const names = () => [...entries.keys()];
const shipped = (file: string) => entries.get(`extension/${path.posix.normalize(file)}`);
const extensionSource = () => fs.readdirSync(path.join(extensionFolder, 'src')).map(f => fs.readFileSync(path.join(extensionFolder, 'src', f), 'utf8')).join('\n');

describe('the .vsix', () => {
    it('contributes the Coil language, its grammar and language configuration, and activates on them', () => {
        const packaged = JSON.parse(shipped('package.json')!.toString('utf8')) as Manifest;
        expect(packaged.contributes).toEqual(manifest.contributes);
        const [language] = packaged.contributes.languages;
        expect(language).toMatchObject({ id: 'coil', extensions: ['.coil'] });
        expect(language.aliases).toContain('Coil');
        expect(packaged.contributes.grammars).toEqual([{ language: 'coil', scopeName: 'source.coil', path: './syntaxes/coil.tmLanguage.json' }]);
        const grammar = JSON.parse(shipped(packaged.contributes.grammars[0].path)!.toString('utf8')) as { scopeName: string };
        expect(grammar.scopeName).toBe('source.coil');
        expect(JSON.parse(shipped(language.configuration)!.toString('utf8'))).toHaveProperty('comments');
        expect(packaged.activationEvents).toEqual(['onLanguage:coil', 'workspaceContains:**/*.coil']);
        expect(packaged.engines.vscode).toBe('^1.91.0');
        // The formatter's layout (two spaces) is the editor's, whatever the user's default tab size.
        expect(packaged.contributes.configurationDefaults['[coil]']).toMatchObject({ 'editor.tabSize': 2, 'editor.insertSpaces': true });
        expect(shipped(packaged.main)).toBeDefined();
    });

    it('contributes the commands in the Coil category, registered by the code and offered for .coil files', () => {
        const { commands, menus } = manifest.contributes;
        expect(commands.map(c => c.command).sort()).toEqual(['coil.compile', 'coil.restartServer', 'coil.runScenarios', 'coil.showDiagram']);
        expect(commands.every(c => c.category === 'Coil')).toBe(true);
        const registered = [...extensionSource().matchAll(/registerCommand\('([\w.]+)'/g)].map(m => m[1]).sort();
        expect(registered).toEqual(commands.map(c => c.command).sort());
        for (const command of ['coil.compile', 'coil.showDiagram', 'coil.runScenarios']) {
            const where = Object.entries(menus).filter(([, items]) => items.some(i => i.command === command && /LangId == coil/.test(i.when))).map(([menu]) => menu);
            expect(where, command).toEqual(expect.arrayContaining(['commandPalette', 'editor/context', 'editor/title/context']));
        }
        expect(menus['editor/title'].map(i => i.command)).toEqual(['coil.showDiagram']);
    });

    it('declares only settings the code reads', () => {
        const settings = Object.keys(manifest.contributes.configuration.properties).sort();
        expect(settings).toEqual(['coil.compile.outputDirectory', 'coil.diagram.updateOnSave', 'coil.server.path', 'coil.trace.server']);
        const source = extensionSource();
        expect(source).toContain("getConfiguration('coil').get<string>('server.path'");
        expect(source).toContain("getConfiguration('coil.compile', uri).get<string>('outputDirectory'");
        expect(source).toContain("getConfiguration('coil.diagram').get<boolean>('updateOnSave'");
        // vscode-languageclient reads `<client id>.trace.server` itself.
        expect(source).toContain("new LanguageClient('coil',");
    });

    it('holds the bundles and what they read, and nothing of the sources, tests or node_modules', () => {
        const files = names().filter(n => !n.endsWith('/'));
        expect(files).toEqual(expect.arrayContaining([
            'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/docs/diagnostics.md',
            'extension/dist/compiler/schema/coil-ir-1.schema.json', 'extension/syntaxes/coil.tmLanguage.json',
            'extension/language-configuration.json', 'extension/readme.md', 'extension/changelog.md',
        ]));
        expect(files.filter(n => /node_modules|\/src\/|\.ts$|\.map$|test|tsconfig|scripts\/|\.vsix$/i.test(n))).toEqual([]);
        // The bundles are what the build made, not left over from an earlier one.
        for (const bundle of ['extension.js', 'server.js']) {
            expect(shipped(`dist/${bundle}`)!.equals(fs.readFileSync(path.join(extensionFolder, 'dist', bundle))), bundle).toBe(true);
        }
        const size = [...entries.values()].reduce((total, b) => total + b.length, 0);
        expect(size).toBeLessThan(8 * 1024 * 1024);
        expect(fs.statSync(vsixFile).size).toBeLessThan(3 * 1024 * 1024);
        const server = shipped('dist/server.js')!.toString('utf8');
        // No native module (the SQL stores') is in the server, and the client leaves `vscode` to VS Code.
        expect(server).not.toMatch(/better-sqlite3|require\("pg"\)|\.node"\)/);
        expect(shipped('dist/extension.js')!.toString('utf8')).toContain('require("vscode")');
    });
});

describe('the bundled language server, unpacked on its own', () => {
    let server: ChildProcess;
    let client: MessageConnection;
    let initialized: InitializeResult;
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-bundled-'));
    const published: PublishDiagnosticsParams[] = [];
    const uriOf = (file: string) => pathToFileURL(path.join(workspace, file)).toString();

    beforeAll(async () => {
        fs.cpSync(path.join(repository, 'examples'), workspace, { recursive: true });
        // No node_modules above the unpacked extension: everything must be in the bundle.
        expect(fs.existsSync(path.join(os.tmpdir(), 'node_modules'))).toBe(false);
        server = spawn(process.execPath, [path.join(unpacked, 'extension/dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
        client = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
        client.onNotification(PublishDiagnosticsNotification.type, params => published.push(params));
        client.listen();
        const root = pathToFileURL(workspace).toString();
        initialized = await client.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: root, capabilities: CAPABILITIES, workspaceFolders: [{ uri: root, name: 'examples' }] });
        await client.sendNotification(InitializedNotification.type, {});
    }, 60_000);

    afterAll(async () => {
        if (server.exitCode === null) {
            const exited = new Promise(resolve => server.on('exit', resolve));
            await client.sendRequest(ShutdownRequest.type);
            await client.sendNotification(ExitNotification.type);
            await exited;
        }
        client.dispose();
        fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('runs on Node 20, the Node inside VS Code 1.91', () => {
        expect(process.versions.node.split('.')[0]).toBe('20');
        expect(initialized.capabilities.completionProvider).toBeDefined();
        expect(initialized.capabilities.definitionProvider).toBeTruthy();
    });

    it('publishes diagnostics whose codes link to the documentation inside the extension', async () => {
        const text = fs.readFileSync(path.join(workspace, 'autologous-fresh.coil'), 'utf8').replace('on out_of_range raise LowPurity\n', 'on out_of_range raise LowPurityy\n');
        const uri = uriOf('autologous-fresh.coil');
        await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'coil', version: 1, text } });
        const diagnostics = await new Promise<PublishDiagnosticsParams['diagnostics']>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no diagnostics: ${JSON.stringify(published)}`)), 30_000);
            const poll = setInterval(() => {
                const found = published.filter(p => p.uri === uri && p.diagnostics.length > 0).at(-1);
                if (found) {
                    clearInterval(poll);
                    clearTimeout(timer);
                    resolve(found.diagnostics);
                }
            }, 20);
        });
        const unknown = diagnostics.find(d => d.code === 'COIL-D001');
        expect(unknown, JSON.stringify(diagnostics)).toBeDefined();
        const href = unknown!.codeDescription!.href;
        expect(href).toBe(`${pathToFileURL(path.join(unpacked, 'extension/dist/docs/diagnostics.md')).toString()}#coil-d001`);
        expect(fs.readFileSync(new URL(href.split('#')[0]), 'utf8')).toContain('### COIL-D001');
    });

    it('compiles, draws and runs scenarios with the compiler and runtime it bundles', async () => {
        const uri = uriOf('short-cycle.coil');
        const compiled = await client.sendRequest<CompileResult>('coil/compile', { uri });
        expect(compiled.compiled.map(c => c.process)).toEqual(['ShortCycle']);
        const written = JSON.parse(fs.readFileSync(path.join(workspace, 'ShortCycle.workflow.json'), 'utf8')) as { digest: string };
        expect(written.digest).toBe(compiled.compiled[0].digest);
        const { diagrams } = await client.sendRequest<DiagramResult>('coil/diagram', { uri });
        expect(diagrams[0].svg).toContain('data-id="step:Collect"');
        const run = await client.sendRequest<RunScenarioResult>('coil/runScenario', { uri, name: 'harvest before 20 h of transduction is refused' });
        expect(run.outcome, run.report).toBe('passed');
    });
});
