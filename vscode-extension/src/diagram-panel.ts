/**
 * Coil: Show process diagram. One webview beside the editor per file, drawn from `coil/diagram`
 * (the document as it is in the editor), redrawn when a Coil file is saved
 * (`coil.diagram.updateOnSave`); a click on a step, transfer, site or deviation reveals where it
 * is declared.
 */
import * as path from 'node:path';
import { commands, ViewColumn, window, workspace, type Disposable, type TextDocument, type Uri, type WebviewPanel } from 'vscode';
import { DIAGRAM, type DiagramResult, type ProcessDiagram } from '@coil/cli/dist/lsp/protocol.js';
import { coilDocument, reportingFailures } from './coil-document.js';
import { diagramHtml, diagramUpdate, newNonce, type DiagramPageMessage } from './diagram-html.js';
import type { CoilLanguageServer } from './language-server.js';

interface OpenDiagram {
    readonly panel: WebviewPanel;
    readonly source: Uri;
    /** The column of the editor it was opened from, where revealed declarations open. */
    readonly column: ViewColumn;
    diagrams: readonly ProcessDiagram[];
}

export class DiagramPanels implements Disposable {
    /** By the source document's URI. */
    private readonly open = new Map<string, OpenDiagram>();
    private readonly subscriptions: Disposable[];

    constructor(private readonly server: CoilLanguageServer) {
        this.subscriptions = [
            commands.registerCommand('coil.showDiagram', reportingFailures((uri?: Uri) => this.show(uri))),
            workspace.onDidSaveTextDocument(document => this.saved(document)),
        ];
    }

    async show(uri?: Uri): Promise<void> {
        const document = await coilDocument(uri);
        if (!document) return;
        const key = document.uri.toString();
        const existing = this.open.get(key);
        if (existing) {
            existing.panel.reveal(undefined, true);
            return this.redraw(existing);
        }
        const column = window.activeTextEditor?.viewColumn ?? ViewColumn.One;
        const name = path.basename(document.uri.fsPath);
        const diagrams = await this.diagramsOf(document.uri);
        const panel = window.createWebviewPanel('coil.diagram', `Diagram: ${name}`, { viewColumn: ViewColumn.Beside, preserveFocus: true }, {
            enableScripts: true,
            localResourceRoots: [],
        });
        const entry: OpenDiagram = { panel, source: document.uri, column, diagrams };
        this.open.set(key, entry);
        panel.webview.html = diagramHtml({ title: `Diagram: ${name}`, diagrams, nonce: newNonce() });
        panel.webview.onDidReceiveMessage((message: DiagramPageMessage) => this.reveal(entry, message));
        panel.onDidDispose(() => this.open.delete(key));
    }

    dispose(): void {
        this.open.forEach(entry => entry.panel.dispose());
        this.subscriptions.forEach(s => s.dispose());
    }

    /** A saved file can be any process's shared library: every open diagram is redrawn. */
    private saved(document: TextDocument): void {
        if (document.languageId !== 'coil' || !workspace.getConfiguration('coil.diagram').get<boolean>('updateOnSave', true)) return;
        for (const entry of this.open.values()) void reportingFailures(() => this.redraw(entry))();
    }

    private async redraw(entry: OpenDiagram): Promise<void> {
        entry.diagrams = await this.diagramsOf(entry.source);
        await entry.panel.webview.postMessage(diagramUpdate(entry.diagrams));
    }

    private async diagramsOf(uri: Uri): Promise<readonly ProcessDiagram[]> {
        return (await this.server.request<DiagramResult>(DIAGRAM, { uri: uri.toString() })).diagrams;
    }

    private async reveal(entry: OpenDiagram, message: DiagramPageMessage): Promise<void> {
        if (message.command !== 'reveal') return;
        const declared = entry.diagrams.find(d => d.process === message.process)?.nodes[message.id];
        if (!declared) return;
        const location = this.server.location(declared);
        await window.showTextDocument(location.uri, { viewColumn: entry.column, selection: location.range });
    }
}
