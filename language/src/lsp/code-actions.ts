/**
 * Quick fixes in the editor. `textDocument/codeAction` answers with light actions: a title in the
 * process engineer's words, the diagnostic fixed, and data naming the fix. The edit is computed
 * only when the editor resolves the chosen action (`codeAction/resolve`), so opening the light
 * bulb stays cheap. A client that cannot resolve actions gets the edits at once.
 */
import { DocumentState, isOperationCancelled, URI, type LangiumDocument } from 'langium';
import type { CodeActionProvider, LangiumServices, LangiumSharedServices } from 'langium/lsp';
import {
    CodeActionKind, ErrorCodes, LSPErrorCodes, ResponseError, TextDocumentEdit,
    type CodeAction, type CodeActionParams, type Connection, type Diagnostic, type Range, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver';
import { fixById, fixesFor, nodeOfDiagnostic, type FixEdit, type FixSite, type QuickFix } from './quick-fixes/index.js';

/** What an action carries from codeAction to resolve: the fix, and the diagnostic and document version it was offered for. */
interface QuickFixData {
    readonly uri: string;
    readonly version: number;
    readonly fix: string;
    readonly code: string;
    readonly range: Range;
}

/** Offers, for each diagnostic of a request that a fix of Coil's can mend, that fix as a light action. */
export class CoilCodeActionProvider implements CodeActionProvider {
    /** Set for clients that cannot resolve actions: fills in an action's edit, or drops it when none can be made. */
    private resolveAtOnce: ((action: CodeAction) => CodeAction | undefined) | undefined;

    getCodeActions(document: LangiumDocument, params: CodeActionParams): CodeAction[] {
        const only = params.context.only;
        if (only && !only.some(kind => kind === CodeActionKind.Empty || kind === CodeActionKind.QuickFix)) return [];
        const actions = params.context.diagnostics.flatMap(given => {
            const fixes = fixesFor(given.code);
            const site = fixes.length > 0 ? siteOf(document, given) : undefined;
            return site ? fixes.flatMap(fix => offered(site, given, fix)) : [];
        });
        const resolve = this.resolveAtOnce;
        return resolve ? actions.flatMap(action => resolve(action) ?? []) : actions;
    }

    /** For a client without `codeAction/resolve`: the actions then come with their edits. */
    resolveEagerly(resolve: (action: CodeAction) => CodeAction | undefined): void {
        this.resolveAtOnce = resolve;
    }
}

/**
 * The server's own copy of a diagnostic the client sent back (same code, same range), with the
 * node it marks. The client's copy may have lost its data; a diagnostic the server no longer
 * reports is out of date and has no fix.
 */
function siteOf(document: LangiumDocument, given: Pick<Diagnostic, 'code' | 'range'>): FixSite | undefined {
    const diagnostic = document.diagnostics?.find(d => d.code === given.code && sameRange(d.range, given.range));
    return diagnostic && { document, diagnostic, node: nodeOfDiagnostic(document, diagnostic) };
}

function sameRange(a: Range, b: Range): boolean {
    return a.start.line === b.start.line && a.start.character === b.start.character
        && a.end.line === b.end.line && a.end.character === b.end.character;
}

function offered(site: FixSite, given: Diagnostic, fix: QuickFix): CodeAction[] {
    const offer = fix.offer(site);
    if (!offer) return [];
    const data: QuickFixData = {
        uri: site.document.uri.toString(), version: site.document.textDocument.version, fix: fix.id,
        code: String(site.diagnostic.code), range: site.diagnostic.range,
    };
    return [{ title: offer.title, kind: CodeActionKind.QuickFix, diagnostics: [given], isPreferred: offer.preferred, data }];
}

/**
 * Answers codeAction/resolve on `connection`. An action for a document that changed since it was
 * offered fails with ContentModified (editors then ask again, silently); one Coil did not offer
 * fails with InvalidParams.
 */
export function registerCodeActionResolve(connection: Connection, shared: LangiumSharedServices): void {
    let documentChanges = false;
    shared.lsp.LanguageServer.onInitialize(({ capabilities }) => {
        documentChanges = capabilities.workspace?.workspaceEdit?.documentChanges === true;
        if (capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit')) return;
        for (const services of shared.ServiceRegistry.all) {
            const provider = (services as LangiumServices).lsp?.CodeActionProvider;
            if (provider instanceof CoilCodeActionProvider) provider.resolveEagerly(action => resolvedOrNone(action, shared, documentChanges));
        }
    });
    connection.onCodeActionResolve(async (action, token) => {
        const data = quickFixData(action.data);
        const fix = fixById(data?.fix);
        if (!data || !fix) throw new ResponseError(ErrorCodes.InvalidParams, `'${action.title}' is not a quick fix Coil offered, so there is nothing to apply.`);
        const uri = URI.parse(data.uri);
        if (shared.workspace.LangiumDocuments.getDocument(uri)?.textDocument.version !== data.version) throw outOfDate();
        await shared.workspace.DocumentBuilder.waitUntil(DocumentState.Validated, uri, token).catch(error => {
            throw isOperationCancelled(error) ? new ResponseError(LSPErrorCodes.RequestCancelled, 'The quick fix was cancelled.') : error;
        });
        return shared.workspace.WorkspaceLock.read(() => resolved(action, data, fix, shared, documentChanges));
    });
}

function quickFixData(data: unknown): QuickFixData | undefined {
    const d = data as Partial<QuickFixData> | undefined;
    const valid = typeof d?.uri === 'string' && typeof d.version === 'number' && typeof d.fix === 'string'
        && typeof d.code === 'string' && typeof d.range?.start?.line === 'number' && typeof d.range.end?.line === 'number';
    return valid ? d as QuickFixData : undefined;
}

function outOfDate(): ResponseError<void> {
    return new ResponseError(LSPErrorCodes.ContentModified, 'The process has changed since this quick fix was offered: ask for the quick fixes again.');
}

/** `action` with its edit, made on the document as it is now; fails when the document or its diagnostic moved on. */
function resolved(action: CodeAction, data: QuickFixData, fix: QuickFix, shared: LangiumSharedServices, documentChanges: boolean): CodeAction {
    const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(data.uri));
    if (!document || document.textDocument.version !== data.version) throw outOfDate();
    const site = siteOf(document, data);
    const edits = site && fix.offer(site) ? fix.edit(site, shared) : undefined;
    if (!edits) throw outOfDate();
    return { ...action, edit: workspaceEdit(document, edits, shared, documentChanges) };
}

function resolvedOrNone(action: CodeAction, shared: LangiumSharedServices, documentChanges: boolean): CodeAction | undefined {
    const data = quickFixData(action.data);
    const fix = fixById(data?.fix);
    try {
        return data && fix ? resolved(action, data, fix, shared, documentChanges) : undefined;
    } catch (error) {
        if (error instanceof ResponseError) return undefined;
        throw error;
    }
}

/**
 * The edits as a WorkspaceEdit: versioned `documentChanges` when the client supports them (a
 * library file the editor has not opened has version null: it is edited on disk), else `changes`.
 */
function workspaceEdit(document: LangiumDocument, edits: readonly FixEdit[], shared: LangiumSharedServices, documentChanges: boolean): WorkspaceEdit {
    const byUri = new Map<string, TextEdit[]>();
    for (const { uri, ...edit } of edits) {
        const key = uri ?? document.uri.toString();
        byUri.set(key, [...(byUri.get(key) ?? []), edit]);
    }
    if (!documentChanges) return { changes: Object.fromEntries(byUri) };
    const versionOf = (uri: string) => shared.workspace.TextDocuments?.get(uri)?.version ?? null;
    return { documentChanges: [...byUri].map(([uri, changes]) => TextDocumentEdit.create({ uri, version: versionOf(uri) }, changes)) };
}
