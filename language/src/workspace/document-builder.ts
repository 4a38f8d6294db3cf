/**
 * Langium's document builder, with one repair: a document whose build was interrupted between
 * linking and indexing its references is relinked when another document changes.
 *
 * Langium decides what to relink from the reference index. A build cancelled by a newer change (an
 * editor sends one per keystroke) can leave a process linked but with its references not yet
 * indexed; the next change of a shared file then finds no reference from that process to it, and
 * the process keeps pointing at the shared file's old declarations: stale hovers, times and checks
 * until the process itself is edited.
 */
import { DefaultDocumentBuilder, DocumentState, type LangiumDocument } from 'langium';

export class CoilDocumentBuilder extends DefaultDocumentBuilder {
    protected override shouldRelink(document: LangiumDocument, changedUris: Set<string>): boolean {
        const unindexed = document.state >= DocumentState.Linked && document.state < DocumentState.IndexedReferences;
        return unindexed || super.shouldRelink(document, changedUris);
    }
}
