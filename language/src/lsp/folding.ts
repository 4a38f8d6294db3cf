/**
 * Folding: every block (`{ ... }`: a process, a step, a site, a `parallel` branch, a deviation, a
 * scenario) folds to its first line, and so do comments: block comments and runs of `//` lines,
 * such as the header of a file or the reasons written above a step.
 */
import { CstUtils, type AstNode, type LangiumDocument } from 'langium';
import { DefaultFoldingRangeProvider, type FoldingRangeAcceptor } from 'langium/lsp';
import { FoldingRange, FoldingRangeKind } from 'vscode-languageserver';

export class CoilFoldingRangeProvider extends DefaultFoldingRangeProvider {
    /**
     * Only blocks fold: a quantity or a reference split over lines is not a block. A branch written
     * without braces is its step: one fold for both.
     */
    protected override shouldProcess(node: AstNode): boolean {
        const cst = node.$cstNode;
        const outer = node.$container?.$cstNode;
        return !!cst && cst.root.fullText.charAt(cst.end - 1) === '}' && !(outer && outer.offset === cst.offset && outer.end === cst.end);
    }

    protected override collectCommentFolding(document: LangiumDocument, node: AstNode, acceptor: FoldingRangeAcceptor): void {
        super.collectCommentFolding(document, node, acceptor);
        const lines = lineCommentLines(document, node);
        for (let first = 0; first < lines.length;) {
            let last = first;
            while (last + 1 < lines.length && lines[last + 1] === lines[last] + 1) last++;
            if (last > first) acceptor(FoldingRange.create(lines[first], lines[last], undefined, undefined, FoldingRangeKind.Comment));
            first = last + 1;
        }
    }
}

/** The lines that hold nothing but a `//` comment, in order (a comment after code on its line does not fold). */
function lineCommentLines(document: LangiumDocument, node: AstNode): number[] {
    const text = document.textDocument;
    const lines: number[] = [];
    if (!node.$cstNode) return lines;
    for (const leaf of CstUtils.flattenCst(node.$cstNode)) {
        if (leaf.tokenType.name !== 'SL_COMMENT') continue;
        const { line } = leaf.range.start;
        const before = text.getText({ start: { line, character: 0 }, end: leaf.range.start });
        if (before.trim() === '') lines.push(line);
    }
    return lines;
}
