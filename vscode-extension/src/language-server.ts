/**
 * The Coil language server as the commands see it: one client, started for the workspace's
 * `.coil` files, restarted when `coil.server.path` names another server. The server is the one
 * bundled with the extension, or a project's own `coil` (run as `coil lsp --stdio`).
 */
import * as path from 'node:path';
import { commands, Location, Range, Uri, window, workspace, type Disposable, type ExtensionContext, type LogOutputChannel } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Location as LspLocation, Range as LspRange } from 'vscode-languageclient';
import { reportingFailures } from './coil-document.js';

export class CoilLanguageServer implements Disposable {
    private client: LanguageClient | undefined;
    /** The current client's start: requests sent while the server starts wait for it. */
    private starting: Promise<void> = Promise.resolve();
    private readonly output: LogOutputChannel;
    /** A change on disk (another editor, git) to a process, a shared library or a project file reaches the server. */
    private readonly watchers = [workspace.createFileSystemWatcher('**/*.coil'), workspace.createFileSystemWatcher('**/coil.json')];
    private readonly subscriptions: Disposable[] = [...this.watchers];

    constructor(private readonly context: ExtensionContext) {
        this.output = window.createOutputChannel('Coil Language Server', { log: true });
        this.subscriptions.push(
            this.output,
            commands.registerCommand('coil.restartServer', reportingFailures(() => this.restart())),
            workspace.onDidChangeConfiguration(e => {
                if (e.affectsConfiguration('coil.server.path')) void reportingFailures(() => this.restart())();
            }),
        );
    }

    async start(): Promise<void> {
        const client = new LanguageClient('coil', 'Coil Language Server', this.serverOptions(), this.clientOptions());
        this.client = client;
        this.starting = client.start();
        await this.starting;
    }

    async restart(): Promise<void> {
        await this.stop();
        await this.start();
    }

    async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (client?.needsStop()) await client.stop();
    }

    /** Sends one of Coil's own requests (see the server's protocol.ts). */
    async request<R>(method: string, params: object): Promise<R> {
        await this.starting;
        if (!this.client) throw new Error('the Coil language server is not running: run "Coil: Restart language server".');
        return this.client.sendRequest<R>(method, params);
    }

    range(range: LspRange): Range {
        return new Range(range.start.line, range.start.character, range.end.line, range.end.character);
    }

    location(location: LspLocation): Location {
        return new Location(Uri.parse(location.uri), this.range(location.range));
    }

    dispose(): void {
        void this.stop();
        this.subscriptions.forEach(s => s.dispose());
    }

    private serverOptions(): ServerOptions {
        const command = workspace.getConfiguration('coil').get<string>('server.path', '').trim();
        if (command) {
            // A relative path is the workspace's own (e.g. node_modules/.bin/coil); a bare name is looked up on PATH.
            const folder = workspace.workspaceFolders?.[0]?.uri.fsPath;
            const resolved = command.includes('/') || command.includes('\\') ? path.resolve(folder ?? '', command) : command;
            return { command: resolved, args: ['lsp', '--stdio'], transport: TransportKind.stdio, options: { shell: process.platform === 'win32' } };
        }
        const module = this.context.asAbsolutePath(path.join('dist', 'server.js'));
        return {
            run: { module, transport: TransportKind.ipc },
            debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
        };
    }

    private clientOptions(): LanguageClientOptions {
        return {
            documentSelector: [{ scheme: 'file', language: 'coil' }, { scheme: 'untitled', language: 'coil' }],
            synchronize: { fileEvents: this.watchers },
            outputChannel: this.output,
        };
    }
}
