/** Inlay hints for Coil (being written). */
import type { AstNode } from 'langium';
import { AbstractInlayHintProvider, type InlayHintAcceptor, type LangiumServices } from 'langium/lsp';

export class CoilInlayHintProvider extends AbstractInlayHintProvider {
    constructor(protected readonly services: LangiumServices) {
        super();
    }

    computeInlayHint(_node: AstNode, _acceptor: InlayHintAcceptor): void {
        // Filled in by the inlay hints' work.
    }
}
