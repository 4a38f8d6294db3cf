/** Quick fixes for Coil's diagnostics (being written). */
import type { LangiumDocument, MaybePromise } from 'langium';
import type { CodeActionProvider, LangiumSharedServices } from 'langium/lsp';
import type { CodeAction, CodeActionParams, Command, Connection } from 'vscode-languageserver';

export class CoilCodeActionProvider implements CodeActionProvider {
    getCodeActions(_document: LangiumDocument, _params: CodeActionParams): MaybePromise<Array<Command | CodeAction> | undefined> {
        return [];
    }
}

/** Answers codeAction/resolve on `connection`. */
export function registerCodeActionResolve(_connection: Connection, _shared: LangiumSharedServices): void {
    // Filled in by the quick fixes' work.
}
