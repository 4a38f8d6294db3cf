/**
 * Where a fix writes: new lines go where a reader expects them (at the end of a block, or before
 * a given member), indented like their neighbours, so that a fixed process reads as if typed.
 */
import { CstUtils, type AstNode, type CstNode, type LangiumDocument } from 'langium';
import type { TextEdit } from 'vscode-languageserver';
import { lineBreakOf } from '../line-break.js';

/** One level of indentation, as the examples and the formatter write it. */
export const INDENT = '  ';

/** Where to add a line: the position after which it goes, and the indentation it takes. */
export interface LinePlace {
    readonly offset: number;
    readonly indent: string;
}

/**
 * The place for a new line in `owner`'s block: after the last token before `before` (a member the
 * line must precede), or before the block's closing `}`. In an empty block the line is indented
 * one level deeper than the block's own line.
 */
export function linePlace(document: LangiumDocument, owner: AstNode, before?: AstNode): LinePlace | undefined {
    const cst = owner.$cstNode;
    if (!cst) return undefined;
    const tokens = CstUtils.flattenCst(cst).filter(leaf => !leaf.hidden).toArray();
    const closing = tokens.at(-1);
    const limit = before?.$cstNode?.offset ?? (closing?.text === '}' ? closing.offset : cst.end);
    const previous = tokens.filter(leaf => leaf.end <= limit).at(-1);
    if (!previous) return undefined;
    const text = document.textDocument.getText();
    const indent = previous.text === '{'
        ? (before?.$cstNode ? lineIndent(text, before.$cstNode.offset) : lineIndent(text, cst.offset) + INDENT)
        : lineIndent(text, previous.offset);
    return { offset: previous.end, indent };
}

/** The place right after `node`, for a line that follows it at its indentation. */
export function placeAfter(document: LangiumDocument, node: AstNode): LinePlace | undefined {
    const cst = node.$cstNode;
    return cst && { offset: cst.end, indent: lineIndent(document.textDocument.getText(), cst.offset) };
}

/**
 * An edit adding `lines` at `place`, each on a line of its own at the place's indentation (plus
 * what the line itself starts with); `separated` leaves a blank line before them.
 */
export function insertLines(document: LangiumDocument, place: LinePlace, lines: readonly string[], separated = false): TextEdit {
    const position = document.textDocument.positionAt(place.offset);
    const eol = lineBreakOf(document.textDocument);
    const text = lines.map(line => `${eol}${place.indent}${line}`).join('');
    return { range: { start: position, end: position }, newText: (separated ? eol : '') + text };
}

/** An edit adding `line` at the end of `owner`'s block (or before `before`); undefined if the block cannot be found. */
export function appendLine(document: LangiumDocument, owner: AstNode, line: string, before?: AstNode): TextEdit | undefined {
    const place = linePlace(document, owner, before);
    return place && insertLines(document, place, [line]);
}

/** An edit replacing the text of `node` with `text`. */
export function replace(node: CstNode, text: string): TextEdit {
    return { range: node.range, newText: text };
}

/** An edit removing `node`; when it stands on a line of its own, the whole line goes. */
export function removeWithLine(document: LangiumDocument, node: CstNode): TextEdit {
    const text = document.textDocument.getText();
    const lineStart = text.lastIndexOf('\n', node.offset - 1) + 1;
    const lineEnd = text.indexOf('\n', node.end);
    const alone = lineIndent(text, node.offset).length === node.offset - lineStart && text.slice(node.end, lineEnd < 0 ? undefined : lineEnd).trim() === '';
    const [start, end] = alone && lineEnd >= 0 ? [lineStart, lineEnd + 1] : [node.offset, node.end];
    return { range: { start: document.textDocument.positionAt(start), end: document.textDocument.positionAt(end) }, newText: '' };
}

/** The blanks that start the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}
