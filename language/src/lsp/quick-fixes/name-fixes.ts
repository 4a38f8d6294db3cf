/**
 * Fixes for names that do not resolve: take the name Coil suggests for a misspelt one, or declare
 * a missing role or qualification where the workspace keeps its shared ones (its library).
 */
import { URI, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Model } from '../../generated/ast.js';
import { lineBreakOf } from '../line-break.js';
import { insertLines, placeAfter } from './placement.js';
import { titleFromName, unresolvedName, type FixEdit, type FixSite, type QuickFix } from './quick-fix.js';

/** Every diagnostic for a name that did not resolve may carry a "Did you mean ...?". */
const changeToSuggestion: QuickFix = {
    id: 'change-to-suggestion',
    codes: ['COIL-R001', 'COIL-D001', 'COIL-Q001', 'COIL-S001', 'COIL-L002'],
    offer(site) {
        const name = unresolvedName(site.diagnostic);
        return name?.suggestion ? { title: `Change '${name.refText}' to '${name.suggestion}'`, preferred: true } : undefined;
    },
    edit(site) {
        const suggestion = unresolvedName(site.diagnostic)?.suggestion;
        return suggestion ? [{ range: site.diagnostic.range, newText: suggestion }] : undefined;
    },
};

/** The shared declarations this fix can write, by the AST type a reference expects. Both fit on one line. */
const KEYWORDS: Record<string, string> = { Role: 'role', Qualification: 'qualification' };

interface Library {
    readonly document: LangiumDocument;
    /** The last declaration of the kind there: the new one goes after it. */
    readonly last: AstNode;
}

/** The file that declares most of the workspace's shared declarations of `type` (ties: the first by path). */
function libraryOf(type: string, shared: LangiumSharedServices): Library | undefined {
    const counts = new Map<string, number>();
    for (const description of shared.workspace.IndexManager.allElements(type)) {
        const uri = description.documentUri.toString();
        counts.set(uri, (counts.get(uri) ?? 0) + 1);
    }
    const uri = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    const document = uri === undefined ? undefined : shared.workspace.LangiumDocuments.getDocument(URI.parse(uri));
    const last = (document?.parseResult.value as Model | undefined)?.elements.filter(e => e.$type === type).at(-1);
    return document && last ? { document, last } : undefined;
}

/** With no library yet, the declaration goes at the top of this file, above the process: still shared with the workspace. */
function aboveTopLevel(site: FixSite, declaration: string): FixEdit[] | undefined {
    let top = site.node;
    while (top?.$container?.$container) top = top.$container;
    const start = top?.$cstNode?.range.start;
    const eol = lineBreakOf(site.document.textDocument);
    return start && [{ range: { start, end: start }, newText: `${declaration}${eol}${eol}` }];
}

/** COIL-R001 for a role or qualification: declares it in the shared library, after the others of its kind. */
const declareInLibrary: QuickFix = {
    id: 'declare-in-library',
    codes: ['COIL-R001'],
    offer(site) {
        const name = unresolvedName(site.diagnostic);
        const keyword = name && KEYWORDS[name.referenceType];
        return keyword ? { title: `Declare ${keyword} ${name.refText} in the shared library`, preferred: !name.suggestion } : undefined;
    },
    edit(site, shared) {
        const name = unresolvedName(site.diagnostic);
        const keyword = name && KEYWORDS[name.referenceType];
        if (!keyword) return undefined;
        const declaration = `${keyword} ${name.refText} "${titleFromName(name.refText)}"`;
        const library = libraryOf(name.referenceType, shared);
        if (!library) return aboveTopLevel(site, declaration);
        const place = placeAfter(library.document, library.last);
        return place && [{ uri: library.document.uri.toString(), ...insertLines(library.document, place, [declaration]) }];
    },
};

export const nameFixes: readonly QuickFix[] = [changeToSuggestion, declareInLibrary];
