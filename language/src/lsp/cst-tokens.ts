/**
 * The tokens a node is written with: the one for a property (its name, its unit) or a keyword.
 * Quick enough to call for every node of a large document, for the outline and the highlighting.
 */
import { GrammarAST, isCompositeCstNode, type AstNode, type CstNode } from 'langium';

/**
 * The token of a node's property. Only the node's own tokens are looked at, and the first that fits
 * is taken: Langium's `GrammarUtils.findNodeForProperty` looks at all of them, which costs too much
 * for the outline of a large workspace.
 */
export function propertyToken(node: AstNode, name: string): CstNode | undefined {
    return ownToken(node, source => assignmentOf(source)?.feature === name);
}

export function keywordToken(node: AstNode, word: string): CstNode | undefined {
    return ownToken(node, source => GrammarAST.isKeyword(source) && source.value === word);
}

/** The assignment a token is written for, if any: `name=ID`, `end=('sender' | 'receiver')`. */
function assignmentOf(source: AstNode | undefined): GrammarAST.Assignment | undefined {
    for (let s = source; s && !GrammarAST.isParserRule(s); s = s.$container) {
        if (GrammarAST.isAssignment(s)) return s;
    }
    return undefined;
}

function ownToken(node: AstNode, fits: (source: AstNode | undefined) => boolean, cst = node.$cstNode): CstNode | undefined {
    if (!isCompositeCstNode(cst)) return undefined;
    for (const child of cst.content) {
        // A rule called without assignment (`FlowElement: Step | ...`) wraps the node's own tokens.
        const found = fits(child.grammarSource) ? child : child.astNode === node ? ownToken(node, fits, child) : undefined;
        if (found) return found;
    }
    return undefined;
}
