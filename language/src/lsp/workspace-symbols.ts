/**
 * Workspace symbols: every declaration of every file of the workspace, steps, transfers and
 * deviations of each process included (Langium's default lists only what a file exports), found by
 * a partial name (`Ship` finds `ShipApheresis`, `Apher` finds it too). Each file's symbols are
 * computed once per parse, so a query over a large workspace only matches names.
 */
import type { AstNode, LangiumDocuments } from 'langium';
import type { FuzzyMatcher, LangiumSharedServices, WorkspaceSymbolProvider } from 'langium/lsp';
import type { DocumentSymbol, WorkspaceSymbol, WorkspaceSymbolParams } from 'vscode-languageserver';
import { outlineOf } from './document-symbols.js';

export class CoilWorkspaceSymbolProvider implements WorkspaceSymbolProvider {
    private readonly documents: LangiumDocuments;
    private readonly matcher: FuzzyMatcher;
    /** Keyed by a parse's root: a new parse of a file makes a new root, so nothing stale is ever found. */
    private readonly symbolsByRoot = new WeakMap<AstNode, WorkspaceSymbol[]>();

    constructor(services: LangiumSharedServices) {
        this.documents = services.workspace.LangiumDocuments;
        this.matcher = services.lsp.FuzzyMatcher;
    }

    getSymbols(params: WorkspaceSymbolParams): WorkspaceSymbol[] {
        const found: WorkspaceSymbol[] = [];
        for (const document of this.documents.all) {
            const root = document.parseResult.value;
            let symbols = this.symbolsByRoot.get(root);
            if (!symbols) {
                symbols = flatten(outlineOf(root), document.uri.toString());
                this.symbolsByRoot.set(root, symbols);
            }
            for (const symbol of symbols) if (this.matcher.match(params.query, symbol.name)) found.push(symbol);
        }
        return found;
    }
}

/** The outline as a list, each symbol with what contains it (`Collect` in `AutologousFresh`). */
function flatten(outline: DocumentSymbol[], uri: string, container?: string): WorkspaceSymbol[] {
    return outline.flatMap(symbol => [
        {
            name: symbol.name,
            kind: symbol.kind,
            location: { uri, range: symbol.selectionRange },
            ...(container ? { containerName: container } : {}),
        },
        ...flatten(symbol.children ?? [], uri, symbol.name),
    ]);
}
