/** The Coil formatter (being written). */
import type { AstNode } from 'langium';
import { AbstractFormatter } from 'langium/lsp';

export class CoilFormatter extends AbstractFormatter {
    protected format(_node: AstNode): void {
        // Filled in by the formatter's work.
    }
}
