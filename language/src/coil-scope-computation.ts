/**
 * Which names are visible where. Langium's default makes a name visible inside its container;
 * Coil hoists the flow (steps, transfers, decisions written inside `parallel` branches) to the
 * process, so holds, QC, decisions and scenarios can refer to any activity of the process.
 */
import { AstUtils, DefaultScopeComputation, type AstNode, type AstNodeDescription, type LangiumDocument, type MultiMap } from 'langium';
import { isBranch, isParallel, isProcess } from './generated/ast.js';

export class CoilScopeComputation extends DefaultScopeComputation {
    protected override addLocalSymbol(node: AstNode, document: LangiumDocument, symbols: MultiMap<AstNode, AstNodeDescription>): void {
        const container = node.$container;
        if (container && (isBranch(container) || isParallel(container))) {
            const name = this.nameProvider.getName(node);
            const process = AstUtils.getContainerOfType(container, isProcess);
            if (name && process) {
                symbols.add(process, this.descriptions.createDescription(node, name, document));
                return;
            }
        }
        super.addLocalSymbol(node, document, symbols);
    }
}
