/**
 * Document highlight: the name under the cursor, everywhere it stands in the file, with the
 * declaration marked as written (`Write`) and each use as read (`Read`), so that an engineer sees
 * at a glance where a deviation is declared and where it is raised.
 */
import type { ReferenceDescription } from 'langium';
import { DefaultDocumentHighlightProvider } from 'langium/lsp';
import { DocumentHighlight, DocumentHighlightKind } from 'vscode-languageserver';

export class CoilDocumentHighlightProvider extends DefaultDocumentHighlightProvider {
    protected override createDocumentHighlight(reference: ReferenceDescription): DocumentHighlight {
        return DocumentHighlight.create(reference.segment.range, isDeclaration(reference) ? DocumentHighlightKind.Write : DocumentHighlightKind.Read);
    }
}

/** Langium describes a declaration as a reference from the declared node to itself. */
function isDeclaration(reference: ReferenceDescription): boolean {
    return reference.sourcePath === reference.targetPath && reference.sourceUri.toString() === reference.targetUri.toString();
}
