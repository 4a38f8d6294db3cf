/**
 * Where completion may start reading a document. Langium re-parses the text from the top of the
 * file up to the cursor on every request, which on a 5,000-line batch record costs more than the
 * whole request may take. A Coil file is a list of declarations and a process is a list of
 * elements, so the parser is in the same state at the start of each of them: reading from the
 * declaration (or process element) around the cursor, behind its process's opening line, yields
 * the same completions at a fraction of the cost.
 */
import { GrammarUtils, type AstNode } from 'langium';
import { isModel, isProcess, type Process } from '../generated/ast.js';

/** A stretch of the document that parses like the text from its start: `preamble` + text[start..]. */
export interface CompletionWindow {
    readonly start: number;
    /** Text that puts the parser where it would be at `start` (a process's opening line), or ''. */
    readonly preamble: string;
    /** Where to start reading tokens so that the token before `start` is among them. */
    readonly tokensFrom: number;
}

/** Reading from the top, as Langium does: for a document whose parse is out of date. */
export const WHOLE_DOCUMENT: CompletionWindow = { start: 0, preamble: '', tokensFrom: 0 };

const from = (start: number, preamble = ''): CompletionWindow => ({ start, preamble, tokensFrom: start });

/** The window for completing at `offset`, from the last parse of the document (`root`, `text`). */
export function completionWindow(root: AstNode, text: string, offset: number): CompletionWindow {
    if (!isModel(root)) return WHOLE_DOCUMENT;
    const declaration = lastStartingBefore(root.elements, offset);
    const cst = declaration?.$cstNode;
    if (!declaration || !cst) return WHOLE_DOCUMENT;
    // After a whole declaration, from its end; its closing brace is the token before.
    if (cst.end < offset && text.charAt(cst.end - 1) === '}') return { start: cst.end, preamble: '', tokensFrom: cst.end - 1 };
    return (isProcess(declaration) && insideProcess(declaration, text, offset)) || from(cst.offset);
}

/** From the process element around `offset`, behind `process Name "Title" {`. */
function insideProcess(process: Process, text: string, offset: number): CompletionWindow | undefined {
    const open = GrammarUtils.findNodeForKeyword(process.$cstNode, '{');
    if (!open || open.end > offset) return undefined;
    const header = lastStartingBefore(process.header, offset);
    const element = lastStartingBefore(process.elements, offset);
    const start = Math.max(header?.$cstNode?.offset ?? -1, element?.$cstNode?.offset ?? -1);
    if (start < open.end) return undefined;
    return from(start, `${text.slice(process.$cstNode!.offset, open.end)}\n`);
}

/** The last of `nodes` (in document order) that starts before `offset`: a binary search. */
function lastStartingBefore<T extends AstNode>(nodes: readonly T[], offset: number): T | undefined {
    let low = 0;
    let high = nodes.length - 1;
    let found: T | undefined;
    while (low <= high) {
        const middle = (low + high) >> 1;
        const start = nodes[middle].$cstNode?.offset ?? Number.POSITIVE_INFINITY;
        if (start < offset) {
            found = nodes[middle];
            low = middle + 1;
        } else {
            high = middle - 1;
        }
    }
    return found;
}
