/**
 * A language client for tests: spawns the real `coil lsp --stdio`, talks JSON-RPC to it over its
 * standard streams, and keeps what it publishes. Each test file starts its own server on its own
 * copy of the examples, so that edits in one file never leak into another's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
    DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification, InitializedNotification, InitializeRequest,
    PublishDiagnosticsNotification, ShutdownRequest,
    type ClientCapabilities, type Diagnostic, type InitializeResult, type Position, type PublishDiagnosticsParams, type Range, type TextEdit,
} from 'vscode-languageserver-protocol';

export const repository = path.resolve(__dirname, '../..');

export interface LspSession {
    client: MessageConnection;
    server: ChildProcess;
    /** The copy of the examples the server works in. */
    workspace: string;
    initialized: InitializeResult;
    /** Every publishDiagnostics notification, by document URI, oldest first. */
    published: Map<string, PublishDiagnosticsParams[]>;
    /** Opens a workspace file (relative path) with its text on disk, or with `text`; returns its URI and text. */
    open(file: string, text?: string): Promise<{ uri: string; text: string }>;
    /** Replaces a document's whole text (a new version each time). */
    change(uri: string, text: string): Promise<void>;
    /** Resolves with the first diagnostics published for `uri` that satisfy `test` (the newest are looked at). */
    diagnosticsFor(uri: string, test: (d: Diagnostic[]) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
    uriOf(file: string): string;
    /** Shuts the server down and resolves with its exit code; removes the workspace. */
    stop(): Promise<number | null>;
}

/** The full client capabilities a test would want the server to use (snippets, resolve, markdown, …). */
export const CAPABILITIES: ClientCapabilities = {
    workspace: { workspaceEdit: { documentChanges: true }, symbol: {}, applyEdit: true },
    textDocument: {
        completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } },
            resolveSupport: { properties: ['edit'] }, dataSupport: true, isPreferredSupport: true,
        },
        rename: { prepareSupport: true },
        semanticTokens: {
            requests: { full: true, range: true }, tokenTypes: [], tokenModifiers: [], formats: ['relative'],
        },
        inlayHint: {},
        documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
    },
};

/** `nodeOptions`: for Node itself, before the server's script (e.g. `--expose-gc`). */
export async function startLsp(options: { capabilities?: ClientCapabilities; nodeOptions?: string[] } = {}): Promise<LspSession> {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-lsp-'));
    fs.cpSync(path.join(repository, 'examples'), workspace, { recursive: true });
    const server = spawn(process.execPath, [...options.nodeOptions ?? [], path.join(repository, 'cli/bin/coil.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const client = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    const published = new Map<string, PublishDiagnosticsParams[]>();
    client.onNotification(PublishDiagnosticsNotification.type, params => {
        published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
    });
    client.listen();
    const root = pathToFileURL(workspace).toString();
    const initialized = await client.sendRequest(InitializeRequest.type, {
        processId: process.pid, rootUri: root, capabilities: options.capabilities ?? CAPABILITIES, workspaceFolders: [{ uri: root, name: 'examples' }],
    });
    await client.sendNotification(InitializedNotification.type, {});
    const versions = new Map<string, number>();
    const uriOf = (file: string) => pathToFileURL(path.join(workspace, file)).toString();
    const exited = new Promise<number | null>(resolve => server.on('exit', code => resolve(code)));
    return {
        client, server, workspace, initialized, published, uriOf,
        async open(file, text) {
            const uri = uriOf(file);
            const content = text ?? fs.readFileSync(path.join(workspace, file), 'utf8');
            versions.set(uri, 1);
            await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'coil', version: 1, text: content } });
            return { uri, text: content };
        },
        async change(uri, text) {
            const version = (versions.get(uri) ?? 1) + 1;
            versions.set(uri, version);
            await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
        },
        diagnosticsFor(uri, test, timeoutMs = 30_000) {
            return new Promise((resolve, reject) => {
                const look = () => {
                    const last = published.get(uri)?.at(-1);
                    return last && test(last.diagnostics) ? last.diagnostics : undefined;
                };
                const now = look();
                if (now) return resolve(now);
                const timer = setTimeout(() => {
                    clearInterval(poll);
                    reject(new Error(`no matching diagnostics for ${uri}: ${JSON.stringify(published.get(uri)?.at(-1))}`));
                }, timeoutMs);
                const poll = setInterval(() => {
                    const found = look();
                    if (found) {
                        clearInterval(poll);
                        clearTimeout(timer);
                        resolve(found);
                    }
                }, 20);
            });
        },
        async stop() {
            if (server.exitCode === null) {
                await client.sendRequest(ShutdownRequest.type);
                await client.sendNotification(ExitNotification.type);
            }
            const code = await exited;
            client.dispose();
            fs.rmSync(workspace, { recursive: true, force: true });
            return code;
        },
    };
}

/** The position of `needle` in `text` (its first occurrence, or the `occurrence`-th), moved on by `offset` characters. */
export function positionOf(text: string, needle: string, offset = 0, occurrence = 0): Position {
    let index = -1;
    for (let i = 0; i <= occurrence; i++) index = text.indexOf(needle, index + 1);
    expect(index, `${needle} in the document`).toBeGreaterThanOrEqual(0);
    const before = text.slice(0, index + offset).split('\n');
    return { line: before.length - 1, character: before.at(-1)!.length };
}

/** The offset in `text` of an LSP position. */
export function offsetAt(text: string, position: Position): number {
    const lines = text.split('\n');
    let offset = 0;
    for (let i = 0; i < position.line; i++) offset += lines[i].length + 1;
    return offset + position.character;
}

/** `text` with the edits applied (LSP semantics: all ranges refer to the original text). */
export function applyEdits(text: string, edits: TextEdit[]): string {
    const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
    let result = text;
    for (const edit of sorted) {
        result = result.slice(0, offsetAt(text, edit.range.start)) + edit.newText + result.slice(offsetAt(text, edit.range.end));
    }
    return result;
}

/** The text a range covers. */
export function textIn(text: string, range: Range): string {
    return text.slice(offsetAt(text, range.start), offsetAt(text, range.end));
}
