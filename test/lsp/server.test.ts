/**
 * `coil lsp --stdio` over the real protocol: a JSON-RPC client spawns the server, opens a process
 * of a copied examples workspace, and checks diagnostics (the language's and the analyses'),
 * completion, go to definition, document symbols, and a clean shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
    CompletionRequest, DefinitionRequest, HoverRequest, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, DocumentSymbolRequest,
    ExitNotification, InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest,
    type CompletionItem, type CompletionList, type Diagnostic, type DocumentSymbol, type Location, type LocationLink, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';

const repository = path.resolve(__dirname, '../..');
let workspace: string;
let server: ChildProcess;
let client: MessageConnection;
let fresh: { uri: string; text: string };
const published = new Map<string, PublishDiagnosticsParams[]>();

/** Resolves with the first diagnostics published for `uri` (after `since` earlier ones) that satisfy `test`. */
function diagnosticsFor(uri: string, test: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri}: ${JSON.stringify(published.get(uri)?.at(-1))}`)), 30_000);
        const look = () => {
            const last = published.get(uri)?.at(-1);
            if (last && test(last.diagnostics)) {
                clearTimeout(timer);
                resolve(last.diagnostics);
                return true;
            }
            return false;
        };
        if (look()) return;
        const poll = setInterval(() => {
            if (look()) clearInterval(poll);
        }, 20);
    });
}

function positionOf(text: string, needle: string, offset = 0): { line: number; character: number } {
    const index = text.indexOf(needle);
    expect(index, `${needle} in the document`).toBeGreaterThanOrEqual(0);
    const before = text.slice(0, index + offset).split('\n');
    return { line: before.length - 1, character: before.at(-1)!.length };
}

beforeAll(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-lsp-'));
    fs.cpSync(path.join(repository, 'examples'), workspace, { recursive: true });
    server = spawn(process.execPath, [path.join(repository, 'cli/bin/coil.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    client = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    client.onNotification(PublishDiagnosticsNotification.type, params => {
        published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
    });
    client.listen();
    const root = pathToFileURL(workspace).toString();
    const initialized = await client.sendRequest(InitializeRequest.type, {
        processId: process.pid, rootUri: root, capabilities: {}, workspaceFolders: [{ uri: root, name: 'examples' }],
    });
    expect(initialized.capabilities.completionProvider).toBeDefined();
    expect(initialized.capabilities.definitionProvider).toBeTruthy();
    await client.sendNotification(InitializedNotification.type, {});
    const file = path.join(workspace, 'autologous-fresh.coil');
    fresh = { uri: pathToFileURL(file).toString(), text: fs.readFileSync(file, 'utf8') };
}, 60_000);

afterAll(async () => {
    client?.dispose();
    server?.kill();
    fs.rmSync(workspace, { recursive: true, force: true });
});

describe('coil lsp --stdio', () => {
    it('publishes the language\'s diagnostics with their codes, and clears them when fixed', async () => {
        const broken = fresh.text.replace('on out_of_range raise LowPurity\n', 'on out_of_range raise LowPurityy\n');
        await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: fresh.uri, languageId: 'coil', version: 1, text: broken } });
        const diagnostics = await diagnosticsFor(fresh.uri, d => d.length > 0);
        const unknown = diagnostics.find(d => d.code === 'COIL-D001');
        expect(unknown, JSON.stringify(diagnostics)).toBeDefined();
        expect(unknown!.message).toContain("Did you mean 'LowPurity'?");
        expect(unknown!.range.start).toEqual(positionOf(broken, 'LowPurityy'));
        // The code links to where it is documented.
        const href = unknown!.codeDescription?.href ?? '';
        expect(href).toMatch(/^file:.*\/docs\/diagnostics\.md#coil-d001$/);
        expect(fs.readFileSync(new URL(href.split('#')[0]), 'utf8')).toContain('### COIL-D001');
        await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: fresh.uri, version: 2 }, contentChanges: [{ text: fresh.text }] });
        expect(await diagnosticsFor(fresh.uri, d => d.length === 0)).toEqual([]);
    });

    it('publishes the compiler\'s whole-process analyses too', async () => {
        const squeezed = fresh.text.replace('vein_to_vein within 35 d', 'vein_to_vein within 10 d');
        await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: fresh.uri, version: 3 }, contentChanges: [{ text: squeezed }] });
        const diagnostics = await diagnosticsFor(fresh.uri, d => d.some(x => x.code === 'COIL-T006'));
        expect(diagnostics.find(d => d.code === 'COIL-T006')!.message).toContain('Even the fastest way through AutologousFresh');
        await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: fresh.uri, version: 4 }, contentChanges: [{ text: fresh.text }] });
        await diagnosticsFor(fresh.uri, d => d.length === 0);
    });

    it('completes the deviations in scope where one is raised', async () => {
        const at = positionOf(fresh.text, 'raise LowPurity', 'raise '.length);
        const result = await client.sendRequest(CompletionRequest.type, { textDocument: { uri: fresh.uri }, position: at });
        const items = (Array.isArray(result) ? result : (result as CompletionList | null)?.items ?? []) as CompletionItem[];
        const labels = items.map(i => i.label);
        expect(labels).toContain('LowPurity');
        expect(labels).toContain('HoldExceeded');
    });

    it('goes to a material declared in the shared library', async () => {
        const at = positionOf(fresh.text, 'produces Apheresis', 'produces '.length + 2);
        const result = await client.sendRequest(DefinitionRequest.type, { textDocument: { uri: fresh.uri }, position: at });
        const targets = (Array.isArray(result) ? result : result ? [result] : []) as Array<Location | LocationLink>;
        const uris = targets.map(t => ('targetUri' in t ? t.targetUri : t.uri));
        expect(uris.some(u => u.endsWith('/library/materials.coil')), JSON.stringify(targets)).toBe(true);
    });

    it('shows a role\'s qualifications, a material\'s storage and a deviation\'s declaration on hover', async () => {
        const hover = async (needle: string, offset: number) => {
            const result = await client.sendRequest(HoverRequest.type, { textDocument: { uri: fresh.uri }, position: positionOf(fresh.text, needle, offset) });
            const contents = result?.contents;
            return typeof contents === 'object' && contents !== null && 'value' in contents ? contents.value : JSON.stringify(contents);
        };
        const role = await hover('by Operator verified', 'by '.length + 1);
        expect(role).toContain('**role Operator**');
        expect(role).toMatch(/Requires: .*GMP/);
        const material = await hover('produces Apheresis', 'produces '.length + 1);
        expect(material).toContain('**material Apheresis**');
        expect(material).toMatch(/Storage: 2 °C \.\. 8 °C/);
        const deviation = await hover('raise HoldExceeded', 'raise '.length + 1);
        expect(deviation).toContain('**deviation HoldExceeded**');
        expect(deviation).toContain('disposition by QAReviewer options continue, reject');
    });

    it('outlines the process with its steps', async () => {
        const symbols = (await client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: fresh.uri } })) as DocumentSymbol[];
        const process = symbols.find(s => s.name === 'AutologousFresh');
        expect(process, JSON.stringify(symbols.map(s => s.name))).toBeDefined();
        expect(process!.children?.map(c => c.name)).toEqual(expect.arrayContaining(['Collect', 'ShipApheresis', 'Select', 'Infuse']));
    });

    it('shuts down and exits cleanly when asked', async () => {
        await client.sendRequest(ShutdownRequest.type);
        const exited = new Promise<number | null>(resolve => server.on('exit', code => resolve(code)));
        await client.sendNotification(ExitNotification.type);
        expect(await exited).toBe(0);
    });
});
