/**
 * Re-reading only the declarations an edit touched. A Coil file is a list of top-level
 * declarations (processes, sites, roles, qualifications, materials, assays), and none of them can
 * go on into the next: each ends with its closing brace or with a part that no top-level keyword
 * can continue. So the parse of a file is the parses of its declarations laid end to end, and an
 * edit inside one process needs only that process read again. Typing in a 5,000-line file then
 * costs the parse of one process instead of the whole file.
 *
 * `reparse` takes the previous parse and the new text, finds the declarations around the changed
 * text, parses just those with Langium's parser, and joins the new declarations with the old ones
 * before and after (whose syntax-tree positions move by the edit). The previous parse is consumed:
 * its declarations move into the new one. It answers `undefined` whenever it cannot be sure the
 * result equals a whole-file parse, and the caller then parses the whole file: the new stretch has
 * a syntax error (a whole-file parse might recover from it differently), the previous parse had
 * one outside the stretch, the edit is outside every declaration (a comment between them, the
 * file's header or end), or a declaration boundary is not whitespace.
 * test/language/incremental-parse.test.ts compares it with Langium's whole-file parse on thousands
 * of edits, and test/language/incremental-build.test.ts the diagnostics with a fresh build's.
 */
import { RootCstNodeImpl, type AstNode, type CstNode, type LangiumParser, type ParseResult } from 'langium';
import { isModel, type Model } from '../generated/ast.js';
import { hasSyntaxErrors, syntaxErrorOffsets } from '../diagnostics/syntax-errors.js';

/** The parse of `text`, reusing `previous` wherever the text is unchanged; undefined: parse the whole text. */
export function reparse(parser: LangiumParser, previous: ParseResult, text: string): ParseResult<Model> | undefined {
    const root = previous.value;
    const rootCst = root.$cstNode;
    if (!isModel(root) || !(rootCst instanceof RootCstNodeImpl)) return undefined;
    const oldText = rootCst.fullText;
    const change = changedStretch(oldText, text);
    if (!change) return undefined;

    // The declarations around the change: from the last one starting at or before it to the first
    // one ending at or after it.
    const spans = root.elements.map(e => e.$cstNode!);
    let first = -1;
    for (let i = 0; i < spans.length && spans[i].offset <= change.start; i++) first = i;
    if (first < 0) return undefined;
    let last = first;
    while (last < spans.length && spans[last].end < change.oldEnd) last++;
    if (last === spans.length) return undefined;
    const start = spans[first].offset;
    const oldEnd = spans[last].end;
    if (!boundary(oldText, start - 1) || !boundary(oldText, oldEnd)) return undefined;
    // The declarations kept must have been read without a fault: every error of the previous parse
    // lies in the stretch read again (fixing a typo re-reads the declaration that had it). Not at its
    // first token: a declaration left open before it is reported there.
    if (!errorsWithin(previous, start, oldEnd)) return undefined;

    const delta = text.length - oldText.length;
    const stretch = parser.parse<Model>(text.slice(start, oldEnd + delta));
    if (hasErrors(stretch) || !isModel(stretch.value) || !stretch.value.$cstNode) return undefined;
    // A line comment at the stretch's very end would, in the whole file, go on over the blanks after
    // it to the line's end (`role B// role C` comments out role C).
    const lastToken = lastLeaf(stretch.value.$cstNode);
    const stretchEnd = oldEnd + delta;
    if (lastToken?.hidden && lastToken.end === stretchEnd - start && lastToken.text.startsWith('//') && stretchEnd < text.length && !/[\n\r]/.test(text.charAt(stretchEnd))) {
        return undefined;
    }

    // The old root's children: those before the stretch stay, those in it are replaced, those after move.
    const children = rootCst.content;
    let from = 0;
    while (from < children.length && children[from].end <= start) from++;
    let to = from;
    while (to < children.length && children[to].offset < oldEnd) to++;
    if (children.slice(from, to).some(c => c.offset < start || c.end > oldEnd)) return undefined;

    // Positions from the first declaration read again (its CST knows where it starts), not from the top.
    const at = spans[first].range.start;
    const changeStart = positionAt(text, start, change.start, at);
    const oldChangeEnd = positionAt(oldText, change.start, change.oldEnd, changeStart);
    const newChangeEnd = positionAt(text, change.start, change.newEnd, changeStart);
    const inserted = (stretch.value.$cstNode as RootCstNodeImpl).content;
    for (const child of inserted) move(child, start, { line: 0, character: 0 }, at);
    const after = children.slice(to);
    if (delta !== 0 || oldChangeEnd.line !== newChangeEnd.line || oldChangeEnd.character !== newChangeEnd.character) {
        for (const child of after) move(child, delta, oldChangeEnd, newChangeEnd);
    }

    const value = joined(
        [...root.elements.slice(0, first), ...stretch.value.elements, ...root.elements.slice(last + 1)],
        [...children.slice(0, from), ...inserted, ...after],
        text,
    );
    return { value, lexerErrors: [], parserErrors: [], lexerReport: stretch.lexerReport };
}

/** A new root over `text` holding `elements` (the declarations) and `content` (the root's CST children). */
function joined(elements: Model['elements'], content: CstNode[], text: string): Model {
    const model = { $type: 'Model', elements } as Model;
    const cst = new RootCstNodeImpl(text);
    cst.content = content;
    for (const child of content) (child as { container?: CstNode }).container = cst;
    cst.astNode = model;
    (model as { $cstNode?: CstNode }).$cstNode = cst;
    elements.forEach((element, index) => {
        const node = element as AstNode & { $container: AstNode; $containerProperty?: string; $containerIndex?: number };
        node.$container = model;
        node.$containerProperty = 'elements';
        node.$containerIndex = index;
    });
    return model;
}

function lastLeaf(node: CstNode): CstNode | undefined {
    let current: CstNode | undefined = node;
    while (current && 'content' in current) {
        const content: CstNode[] = (current as { content: CstNode[] }).content;
        current = content[content.length - 1];
    }
    return current;
}

function errorsWithin(result: ParseResult, start: number, end: number): boolean {
    if ((result.lexerReport?.diagnostics.length ?? 0) > 0) return false;
    return syntaxErrorOffsets(result).every(offset => Number.isInteger(offset) && offset > start && offset < end);
}

function hasErrors(result: ParseResult): boolean {
    return hasSyntaxErrors(result) || (result.lexerReport?.diagnostics.length ?? 0) > 0;
}

interface Stretch {
    /** Where the texts first differ. */
    readonly start: number;
    /** Where the differing stretch ends in the old text and in the new. */
    readonly oldEnd: number;
    readonly newEnd: number;
}

/** The stretch where the texts differ (their common beginning and end set aside); undefined if equal. */
function changedStretch(oldText: string, text: string): Stretch | undefined {
    const shorter = Math.min(oldText.length, text.length);
    let start = 0;
    while (start < shorter && oldText.charCodeAt(start) === text.charCodeAt(start)) start++;
    if (start === oldText.length && start === text.length) return undefined;
    let end = 0;
    while (end < shorter - start && oldText.charCodeAt(oldText.length - 1 - end) === text.charCodeAt(text.length - 1 - end)) end++;
    return { start, oldEnd: oldText.length - end, newEnd: text.length - end };
}

/** Whether a token boundary at `index` is certain: whitespace there, or the text's edge. */
function boundary(text: string, index: number): boolean {
    return index < 0 || index >= text.length || /\s/.test(text.charAt(index));
}

interface Position {
    readonly line: number;
    readonly character: number;
}

/**
 * The position of `to` in `text`, counting from `from` at `origin`, with the parser's idea of a
 * line break: \n, \r\n, or \r alone (Chevrotain's line terminators).
 */
function positionAt(text: string, from: number, to: number, origin: Position): Position {
    let line = origin.line;
    let lineStart = -1;
    for (let i = from; i < to; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
            line++;
            lineStart = i + 1;
        }
    }
    return lineStart < 0 ? { line, character: origin.character + (to - from) } : { line, character: to - lineStart };
}

/** The fields of Langium's CST nodes that hold positions (langium/lib/parser/cst-node-builder.js). */
interface LeafFields {
    _offset: number;
    _startLine: number;
    _startColumn: number;
    _endLine: number;
    _endColumn: number;
}

/**
 * Moves a CST subtree by `offsetDelta` characters, and from `from` to `to` in lines and columns:
 * a position on `from`'s line moves to `to`'s line and by the columns between them, a position on a
 * later line moves by the lines between them. Composite nodes forget their cached range.
 */
function move(node: CstNode, offsetDelta: number, from: Position, to: Position): void {
    const lines = to.line - from.line;
    const columns = to.character - from.character;
    const visit = (n: CstNode): void => {
        if ('content' in n) {
            (n as unknown as { _rangeCache: unknown })._rangeCache = undefined;
            for (const child of (n as { content: CstNode[] }).content) visit(child);
            return;
        }
        const leaf = n as unknown as LeafFields;
        leaf._offset += offsetDelta;
        if (leaf._startLine === from.line) leaf._startColumn += columns;
        if (leaf._endLine === from.line) leaf._endColumn += columns;
        leaf._startLine += lines;
        leaf._endLine += lines;
    };
    visit(node);
}
