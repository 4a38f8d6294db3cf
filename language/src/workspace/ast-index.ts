/**
 * A document's syntax tree as flat lists: every node in Langium's traversal order, and every
 * reference. Langium walks the whole tree anew in each build phase (collecting local names,
 * linking, indexing references, validating), and its walk costs about a microsecond a node: on a
 * 5,000-line file, some 50 ms of every keystroke went to walking. The lists of a top-level
 * declaration are kept for as long as the declaration itself, which an edit elsewhere leaves in
 * place (incremental-parse.ts), so after an edit only the declarations it touched are walked.
 */
import { AstUtils, type AstNode, type ReferenceInfo } from 'langium';
import { isModel } from '../generated/ast.js';

export interface AstIndex {
    /** Every node, the root first, in the order of Langium's `streamAst`. */
    readonly nodes: readonly AstNode[];
    /** For `nodes[i]`, the index just after its last descendant (to skip a subtree). */
    readonly ends: readonly number[];
    /** Every reference, in the order of `streamAst` and `streamReferences`. */
    readonly references: readonly ReferenceInfo[];
}

const byRoot = new WeakMap<AstNode, AstIndex>();
const byDeclaration = new WeakMap<AstNode, AstIndex>();

/** The index of the tree under `root` (built once per tree; the declarations' parts once per declaration). */
export function astIndex(root: AstNode): AstIndex {
    let index = byRoot.get(root);
    if (!index) {
        index = isModel(root) && Object.keys(root).every(key => key.startsWith('$') || key === 'elements') ? joined(root, root.elements) : walk(root);
        byRoot.set(root, index);
    }
    return index;
}

/** The root, then each declaration's nodes and references, as Langium would walk them. */
function joined(root: AstNode, declarations: readonly AstNode[]): AstIndex {
    const nodes: AstNode[] = [root];
    const ends: number[] = [0];
    const references: ReferenceInfo[] = [];
    for (const declaration of declarations) {
        let part = byDeclaration.get(declaration);
        if (!part) byDeclaration.set(declaration, part = walk(declaration));
        const shift = nodes.length;
        for (let i = 0; i < part.nodes.length; i++) {
            nodes.push(part.nodes[i]);
            ends.push(part.ends[i] + shift);
        }
        for (const reference of part.references) references.push(reference);
    }
    ends[0] = nodes.length;
    return { nodes, ends, references };
}

/** Langium's walk of the tree under `root`, written down. */
function walk(root: AstNode): AstIndex {
    const nodes: AstNode[] = [];
    const ends: number[] = [];
    const references: ReferenceInfo[] = [];
    const visit = (node: AstNode): void => {
        const at = nodes.length;
        nodes.push(node);
        ends.push(0);
        AstUtils.streamReferences(node).forEach(reference => references.push(reference));
        for (const child of AstUtils.streamContents(node)) visit(child);
        ends[at] = nodes.length;
    };
    visit(root);
    return { nodes, ends, references };
}
