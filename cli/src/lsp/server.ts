/**
 * The Coil language server: Langium's LSP services for the Coil grammar, with the language's own
 * checks and the compiler's whole-process analyses, so that an editor shows what `coil check`
 * reports. It lives in the CLI because it joins the language and the compiler (which depends on
 * the language). Any LSP client can start it with `coil lsp --stdio`.
 */
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createConnection, LSPErrorCodes, ProposedFeatures, ResponseError } from 'vscode-languageserver/node';
import { startLanguageServer, type LangiumSharedServices } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { addValidationModule, createCoilServices, docsPath, isCode, type CoilServices } from '@coil/language';
import { analysisModule, FindingCache } from '@coil/compiler';
import { registerCodeActionResolve } from '@coil/language/lsp';
import { CoilInlayHintProvider } from './inlay-hints.js';
import { registerCoilRequests } from './requests.js';

/** Starts the server on the transport named in the command line (`--stdio`); resolves when the client says exit. */
export function startServer(): Promise<void> {
    const connection = createConnection(ProposedFeatures.all);
    const { shared, Coil } = createCoilServices({ connection, ...NodeFileSystem }, {
        lsp: { InlayHintProvider: services => new CoilInlayHintProvider(services) },
    });
    // An edit re-analyses the processes it touched; any other change (a shared file) all of a file's.
    const reuse = new FindingCache();
    shared.workspace.DocumentBuilder.onUpdate((changed, deleted) => reuse.changed([...changed, ...deleted].map(uri => uri.toString())));
    addValidationModule(Coil, analysisModule({ reuse }));
    linkCodesToDocs(Coil);
    refuseUnknownDocuments(shared);
    registerCodeActionResolve(connection, shared);
    registerCoilRequests(connection, shared);
    const exited = new Promise<void>(resolve => connection.onExit(() => resolve()));
    startLanguageServer(shared);
    return exited;
}

/**
 * A request about a document that is neither open nor a file of the workspace (a mistyped URI, a
 * file deleted meanwhile) is refused with RequestFailed and a reason, not an internal error: Langium
 * reads such a document from disk and would pass the file system's error on as a crash.
 */
function refuseUnknownDocuments(shared: LangiumSharedServices): void {
    const documents = shared.workspace.LangiumDocuments;
    const getOrCreate = documents.getOrCreateDocument.bind(documents);
    documents.getOrCreateDocument = async (uri, ...rest) => {
        try {
            return await getOrCreate(uri, ...rest);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
            throw new ResponseError(LSPErrorCodes.RequestFailed, `${uri.toString()} is neither open in the editor nor a file of the workspace.`);
        }
    };
}

/** The diagnostics page beside this package (the repository's docs/), if it is there. */
const DOCS_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Gives each diagnostic with a Coil code a link to where the code is documented (the editor shows
 * the code as a link). The validator is wrapped rather than changed: the links are the server's
 * concern, and `coil check` prints the code alone.
 */
function linkCodesToDocs(services: CoilServices): void {
    if (!fs.existsSync(`${DOCS_ROOT}docs/diagnostics.md`)) return;
    const validator = services.validation.DocumentValidator;
    const validate = validator.validateDocument.bind(validator);
    validator.validateDocument = async (...args) => {
        const diagnostics = await validate(...args);
        for (const d of diagnostics) {
            if (isCode(d.code)) {
                const [file, anchor] = docsPath(d.code).split('#');
                d.codeDescription = { href: `${pathToFileURL(DOCS_ROOT + file).toString()}#${anchor}` };
            }
        }
        return diagnostics;
    };
}
