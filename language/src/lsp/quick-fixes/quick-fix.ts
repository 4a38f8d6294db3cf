/**
 * What a quick fix is: an offer made for one diagnostic (a title in the process engineer's words),
 * and the edits that carry it out, computed only when the editor asks for them (codeAction/resolve).
 */
import { AstUtils, CstUtils, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Diagnostic, TextEdit } from 'vscode-languageserver';
import type { Code } from '../../diagnostics/codes.js';

/** Where a fix applies: the document, the server's own copy of the diagnostic, and the node it marks. */
export interface FixSite {
    readonly document: LangiumDocument;
    readonly diagnostic: Diagnostic;
    /** The node at the start of the diagnostic's range (undefined on an empty document). */
    readonly node: AstNode | undefined;
}

/** How a fix presents itself in the editor's light-bulb menu. */
export interface Offer {
    readonly title: string;
    /** The one obvious fix for its diagnostic: editors list it first and apply it with their "auto fix" command. */
    readonly preferred: boolean;
}

/** A text edit, in the diagnostic's document unless it names another one (a shared library file). */
export interface FixEdit extends TextEdit {
    readonly uri?: string;
}

/**
 * A fix for the diagnostics of some codes. It is offered in two steps, as the editor asks: the
 * offer when the light bulb opens, the edits only for the action the process engineer picks.
 */
export interface QuickFix {
    /** Stable name of the fix, carried in the action's data so that resolve finds it again. */
    readonly id: string;
    /** The diagnostics it fixes. */
    readonly codes: readonly Code[];
    /** The offer for this diagnostic, or undefined when the fix does not apply to it. Cheap: no edits, no workspace look-ups. */
    offer(site: FixSite): Offer | undefined;
    /** The edits, or undefined when they cannot be made (the offer no longer applies). */
    edit(site: FixSite, shared: LangiumSharedServices): FixEdit[] | undefined;
}

/** One edit as a fix's edits, or none when the place for it could not be found. */
export function editOrNone(edit: FixEdit | undefined): FixEdit[] | undefined {
    return edit && [edit];
}

/** The node of type `T` the diagnostic is on, or the nearest such node around it. */
export function nodeAt<T extends AstNode>(site: FixSite, is: (node: unknown) => node is T): T | undefined {
    return site.node ? AstUtils.getContainerOfType(site.node, is) : undefined;
}

/** The AST node at the start of `diagnostic`'s range: the one that owns the token found there. */
export function nodeOfDiagnostic(document: LangiumDocument, diagnostic: Diagnostic): AstNode | undefined {
    const root = document.parseResult.value.$cstNode;
    if (!root) return undefined;
    const offset = document.textDocument.offsetAt(diagnostic.range.start);
    return CstUtils.findLeafNodeAtOffset(root, offset)?.astNode;
}

/** What the language's validator puts in the data of a name that did not resolve. */
export interface UnresolvedName {
    readonly refText: string;
    readonly referenceType: string;
    /** The known name closest to it ("Did you mean ...?"), if one is close enough. */
    readonly suggestion?: string;
}

/** The unresolved name a diagnostic is about, if it is one (see CoilDocumentValidator.processLinkingErrors). */
export function unresolvedName(diagnostic: Diagnostic): UnresolvedName | undefined {
    const data = diagnostic.data as Partial<UnresolvedName> | undefined;
    return typeof data?.refText === 'string' && typeof data.referenceType === 'string' ? data as UnresolvedName : undefined;
}

/** A first title for a new declaration, from its name: `HospitalPharmacist` is "Hospital pharmacist", `QCHold` "QC hold". */
export function titleFromName(name: string): string {
    const words = name.replace(/_/g, ' ').split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|\s+/).filter(Boolean);
    return words.map((word, i) => (i === 0 || /^[A-Z0-9]{2,}$/.test(word) ? word : word.toLowerCase())).join(' ');
}
