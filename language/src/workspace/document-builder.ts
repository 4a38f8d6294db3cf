/**
 * Langium's document builder, with one repair: a document whose build a newer change interrupted
 * after it had begun linking is linked again when another document changes.
 *
 * Langium decides what to relink from the reference index, which a document's build fills only
 * after linking the whole document. A build cancelled by a newer change (an editor sends one per
 * keystroke) can leave a process linked, wholly or in part, with its references not yet indexed.
 * The next change of a shared file then finds no reference from that process to it, and the
 * process keeps pointing at the shared file's old declarations (Langium's linker links only the
 * references not yet linked): stale hovers, times and checks until the process itself is edited.
 */
import { DefaultDocumentBuilder, DocumentState, type LangiumDocument } from 'langium';

export class CoilDocumentBuilder extends DefaultDocumentBuilder {
    protected override shouldRelink(document: LangiumDocument, changedUris: Set<string>): boolean {
        const linkedButNotIndexed = document.state < DocumentState.IndexedReferences && document.references.length > 0;
        return linkedButNotIndexed || super.shouldRelink(document, changedUris);
    }
}
