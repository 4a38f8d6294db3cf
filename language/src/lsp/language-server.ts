/**
 * The language server's capabilities: Langium's, plus what Coil adds. Code actions are quick
 * fixes only, and are resolved: the edit of a fix is computed when the editor picks it.
 */
import { DefaultLanguageServer } from 'langium/lsp';
import { CodeActionKind, type InitializeParams, type InitializeResult } from 'vscode-languageserver';

/** Langium's server, announcing Coil's resolvable quick fixes in place of Langium's plain code actions. */
export class CoilLanguageServer extends DefaultLanguageServer {
    protected override buildInitializeResult(params: InitializeParams): InitializeResult {
        const result = super.buildInitializeResult(params);
        result.capabilities.codeActionProvider = { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true };
        return result;
    }
}
