/**
 * The Coil language server: Langium's LSP services for the Coil grammar, with the language's own
 * checks and the compiler's whole-process analyses, so that an editor shows what `coil check`
 * reports. It lives in the CLI because it joins the language and the compiler (which depends on
 * the language). Any LSP client can start it with `coil lsp --stdio`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { addValidationModule, createCoilServices } from '@coil/language';
import { analysisModule } from '@coil/compiler';

/** Starts the server on the transport named in the command line (`--stdio`); resolves when the client says exit. */
export function startServer(): Promise<void> {
    const connection = createConnection(ProposedFeatures.all);
    const { shared, Coil } = createCoilServices({ connection, ...NodeFileSystem });
    addValidationModule(Coil, analysisModule());
    const exited = new Promise<void>(resolve => connection.onExit(() => resolve()));
    startLanguageServer(shared);
    return exited;
}
