/**
 * Which names are visible where. Langium's default makes a name visible inside its container;
 * Coil hoists the flow (steps, transfers, decisions written inside `parallel` branches) to the
 * process, so holds, QC, decisions and scenarios can refer to any activity of the process.
 */
import {
    AstUtils, DefaultScopeComputation, interruptAndCheck, MultiMap, type AstNode, type AstNodeDescription, type LangiumDocument, type LocalSymbols,
} from 'langium';
import { CancellationToken } from 'vscode-languageserver';
import { isBranch, isParallel, isProcess } from './generated/ast.js';
import { astIndex } from './workspace/ast-index.js';
import { pauseAt } from './workspace/indexed-phases.js';

export class CoilScopeComputation extends DefaultScopeComputation {
    /** Langium's, over the document's flat index (every node but the root) rather than a walk of its tree. */
    override async collectLocalSymbols(document: LangiumDocument, cancelToken = CancellationToken.None): Promise<LocalSymbols> {
        const symbols = new MultiMap<AstNode, AstNodeDescription>();
        const { nodes } = astIndex(document.parseResult.value);
        for (let i = 1; i < nodes.length; i++) {
            if (pauseAt(i)) await interruptAndCheck(cancelToken);
            this.addLocalSymbol(nodes[i], document, symbols);
        }
        return symbols;
    }

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
