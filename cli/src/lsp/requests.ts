/** Coil's own requests beside LSP, for the VS Code extension's commands (being written). */
import type { LangiumSharedServices } from 'langium/lsp';
import type { Connection } from 'vscode-languageserver';

export function registerCoilRequests(_connection: Connection, _shared: LangiumSharedServices): void {
    // Filled in by the extension's work.
}
