/**
 * The Coil formatter: lays a process out the way the examples are written, one statement per line
 * (a step's header, each member, each scenario entry), two-space indentation inside braces, a blank
 * line between a process's declarations, and single spaces between the words of a statement.
 *
 * It rewrites only the whitespace between tokens, so nothing else can change: every comment keeps
 * its text and its place (trailing, or on its own line with the author's blank lines around it,
 * at most one), and a document with syntax errors is left alone rather than guessed at.
 *
 * It lays out the token stream rather than extending Langium's AbstractFormatter, whose per-node
 * actions neither see comments nor the blank lines an author put beside them.
 */
import { AstUtils, CstUtils, GrammarAST, isLeafCstNode, type AstNode, type CstNode, type LangiumDocument, type LeafCstNode } from 'langium';
import type { Formatter } from 'langium/lsp';
import type {
    DocumentFormattingParams, DocumentOnTypeFormattingOptions, DocumentRangeFormattingParams, FormattingOptions, Range, TextEdit,
} from 'vscode-languageserver';
import {
    Assay, Branch, Decision, Deviation, ExceptionalRelease, Material, Model, Parallel, Process, Qc, Release, Scenario, Site, Step,
    Transfer, isHeaderField, isQualification, isRole,
} from '../generated/ast.js';
import { lineBreakOf } from './line-break.js';
import { hasSyntaxErrors } from '../diagnostics/syntax-errors.js';

/** The properties whose elements each start a line of their own, by the type that holds them. */
const STATEMENTS: Readonly<Record<string, readonly string[]>> = {
    [Model.$type]: [Model.elements],
    [Process.$type]: [Process.header, Process.elements],
    [Site.$type]: [Site.members],
    [Material.$type]: [Material.members],
    [Assay.$type]: [Assay.members],
    [Step.$type]: [Step.members],
    [Transfer.$type]: [Transfer.members],
    [Parallel.$type]: [Parallel.branches],
    [Branch.$type]: [Branch.elements],
    [Decision.$type]: [Decision.branches],
    [Qc.$type]: [Qc.tests],
    [Release.$type]: [Release.conditions, Release.signatures, Release.exceptional],
    [ExceptionalRelease.$type]: [ExceptionalRelease.conditions, ExceptionalRelease.signatures],
    [Deviation.$type]: [Deviation.actions],
    [Scenario.$type]: [Scenario.entries],
};

/** Keywords that start a line of their own without starting a node: `otherwise …`, `notify authority …`. */
const STATEMENT_KEYWORDS: Readonly<Record<string, string>> = {
    [Decision.$type]: 'otherwise',
    [ExceptionalRelease.$type]: 'notify',
};

/** Keywords written without spaces around them or before them: `Plant.SuiteA`, `cells/mL`, `pass, fail`. */
const JOINED_AROUND = new Set(['.', '/']);
const JOINED_BEFORE = new Set([',']);

/** How a token follows the one before it: on the same line (with or without a space) or on a new line. */
type Break = { readonly kind: 'none' | 'space' } | NewLine;

/** A token on a line of its own, after `blank` (0 or 1) blank lines, `indent` levels in. */
interface NewLine {
    readonly kind: 'line';
    readonly blank: number;
    readonly indent: number;
}

/** The whitespace that goes between two neighbouring tokens, `from` and `to` being offsets in the source. */
interface Gap {
    readonly from: number;
    readonly to: number;
    readonly text: string;
}

/** Format Document and Format Selection for Coil; nothing is formatted as one types. */
export class CoilFormatter implements Formatter {
    formatDocument(document: LangiumDocument, params: DocumentFormattingParams): TextEdit[] {
        return editsFor(document, params.options);
    }

    formatDocumentRange(document: LangiumDocument, params: DocumentRangeFormattingParams): TextEdit[] {
        return editsFor(document, params.options, params.range);
    }

    /** Not offered (see formatOnTypeOptions): a statement is laid out when the document is. */
    formatDocumentOnType(): TextEdit[] {
        return [];
    }

    get formatOnTypeOptions(): DocumentOnTypeFormattingOptions | undefined {
        return undefined;
    }
}

/** The edits that lay the document out, only those in front of tokens inside `range` when given. */
function editsFor(document: LangiumDocument, options: FormattingOptions, range?: Range): TextEdit[] {
    if (hasSyntaxErrors(document.parseResult)) return [];
    const text = document.textDocument.getText();
    const gaps = layout(document.parseResult.value, text, options.insertSpaces ? ' '.repeat(options.tabSize) : '\t');
    if (!gaps) return [];
    const start = range ? document.textDocument.offsetAt(range.start) : 0;
    const end = range ? document.textDocument.offsetAt(range.end) : text.length;
    // The gap in front of a token belongs to it; the one at the end of the document, to the end.
    const inRange = (g: Gap) => g.to >= start && (g.to < end || (g.to === end && end === text.length));
    return gaps
        .filter(g => g.text !== text.slice(g.from, g.to) && inRange(g))
        .map(g => ({
            range: { start: document.textDocument.positionAt(g.from), end: document.textDocument.positionAt(g.to) },
            newText: g.text,
        }));
}

/**
 * The whitespace before every token and at the end, or undefined if the syntax tree does not
 * account for every character outside whitespace (then formatting could lose text: it is not done).
 */
function layout(root: AstNode, text: string, indentUnit: string): Gap[] | undefined {
    if (!root.$cstNode) return undefined;
    const writer = new GapWriter(text, indentUnit, statementStarts(root));
    for (const node of CstUtils.streamCst(root.$cstNode)) {
        if (isLeafCstNode(node)) writer.take(node);
    }
    return writer.finish();
}

/** The first token of each statement, with the statement it starts (the outermost, when several start there). */
function statementStarts(root: AstNode): Map<number, AstNode> {
    const starts = new Map<number, AstNode>();
    for (const node of AstUtils.streamAst(root)) {
        const container = node.$container;
        if (!container || !STATEMENTS[container.$type]?.includes(node.$containerProperty ?? '')) continue;
        const first = node.$cstNode && firstToken(node.$cstNode);
        if (first && !starts.has(first.offset)) starts.set(first.offset, node);
    }
    return starts;
}

function firstToken(node: CstNode): LeafCstNode | undefined {
    return CstUtils.streamCst(node).find((n): n is LeafCstNode => isLeafCstNode(n) && !n.hidden);
}

/**
 * Walks the tokens in order and decides the whitespace in front of each. Comments are collected
 * until the next token of the language, because where they go depends on how that token follows
 * the one before them.
 */
class GapWriter {
    private readonly gaps: Gap[] = [];
    private readonly eol: string;
    private readonly lastStatement = new Map<AstNode, AstNode>();
    private comments: LeafCstNode[] = [];
    /** The last token of the language (not a comment) and the last token of any kind laid out. */
    private lastCode: LeafCstNode | undefined;
    private lastWritten: LeafCstNode | undefined;
    private depth = 0;
    private sound = true;

    constructor(private readonly text: string, private readonly indentUnit: string, private readonly starts: Map<number, AstNode>) {
        this.eol = lineBreakOf(text);
    }

    take(token: LeafCstNode): void {
        if (token.hidden) {
            this.comments.push(token);
            return;
        }
        this.place(this.breakBefore(token), token);
        if (isKeyword(token, '{')) this.depth++;
        if (isKeyword(token, '}')) this.depth--;
        this.lastCode = token;
    }

    /** The gaps, each document ending with one line break; undefined if some text was not a token. */
    finish(): Gap[] | undefined {
        this.place({ kind: 'line', blank: 0, indent: 0 }, undefined);
        if (this.lastWritten) this.fill(this.lastWritten.end, this.text.length, this.eol);
        return this.sound ? this.gaps : undefined;
    }

    /** Writes the gaps in front of the pending comments and of `token` (undefined: the end of the document). */
    private place(expected: Break, token: LeafCstNode | undefined): void {
        let brokeLine = false;
        const lineBreak = (blankAsWritten: number, indent: number): string => {
            const blank = expected.kind !== 'line' || this.encloses(token) ? 0
                : brokeLine ? blankAsWritten : Math.max(expected.blank, blankAsWritten);
            brokeLine = true;
            return this.eol.repeat(1 + blank) + this.indentUnit.repeat(indent);
        };
        // Mid-statement, a comment pushes the rest of the statement onto a continuation line.
        const commentIndent = expected.kind === 'line' ? this.depth : this.depth + 1;
        for (const comment of this.comments) {
            const before = this.lastWritten ? this.text.slice(this.lastWritten.end, comment.offset) : '';
            if (!this.lastWritten) this.fill(0, comment.offset, '');
            else if (!before.includes('\n')) this.fill(this.lastWritten.end, comment.offset, ' ');
            else this.fill(this.lastWritten.end, comment.offset, lineBreak(blankLines(before), commentIndent));
            this.lastWritten = comment;
        }
        this.comments = [];
        if (token) {
            this.fill(this.lastWritten?.end ?? 0, token.offset, this.gapBefore(expected, token, lineBreak));
            this.lastWritten = token;
        }
    }

    /** Whether the gap is just inside braces, where a blank line is never wanted. */
    private encloses(token: LeafCstNode | undefined): boolean {
        return (this.lastCode !== undefined && isKeyword(this.lastCode, '{')) || (token !== undefined && isKeyword(token, '}'));
    }

    private gapBefore(expected: Break, token: LeafCstNode, lineBreak: (blank: number, indent: number) => string): string {
        const after = this.lastWritten;
        if (!after) return '';
        if (after.hidden) {
            const between = this.text.slice(after.end, token.offset);
            const mustBreak = isLineComment(after) || between.includes('\n');
            if (!mustBreak) return ' ';
            return expected.kind === 'line' ? lineBreak(blankLines(between), expected.indent) : lineBreak(0, this.depth + 1);
        }
        if (expected.kind === 'line') return lineBreak(expected.blank, expected.indent);
        return expected.kind === 'space' ? ' ' : '';
    }

    /** How `token` follows the previous token of the language, by the statement structure alone. */
    private breakBefore(token: LeafCstNode): Break {
        const statement = this.starts.get(token.offset);
        if (statement) return { kind: 'line', blank: this.blankBefore(statement), indent: this.depth };
        const keyword = keywordOf(token);
        if (keyword === '}') return { kind: 'line', blank: 0, indent: this.depth - 1 };
        if (keyword !== undefined && STATEMENT_KEYWORDS[token.astNode.$type] === keyword) return { kind: 'line', blank: 0, indent: this.depth };
        const joined = JOINED_BEFORE.has(keyword ?? '') || JOINED_AROUND.has(keyword ?? '')
            || (this.lastCode !== undefined && JOINED_AROUND.has(keywordOf(this.lastCode) ?? ''));
        return { kind: joined ? 'none' : 'space' };
    }

    /**
     * A blank line between the declarations of a file or a process, except between header fields
     * and within a run of one-line roles or qualifications; none between the members of a block.
     */
    private blankBefore(statement: AstNode): number {
        const container = statement.$container!;
        const previous = this.lastStatement.get(container);
        this.lastStatement.set(container, statement);
        if (!previous || (container.$type !== Model.$type && container.$type !== Process.$type)) return 0;
        if (isHeaderField(previous) && isHeaderField(statement)) return 0;
        const oneLiners = previous.$type === statement.$type && (isRole(statement) || isQualification(statement));
        return oneLiners ? 0 : 1;
    }

    /** Records the gap between two tokens; anything but whitespace there means a token was missed. */
    private fill(from: number, to: number, gap: string): void {
        if (from > to || /\S/.test(this.text.slice(from, to))) this.sound = false;
        this.gaps.push({ from, to, text: gap });
    }
}

function keywordOf(token: LeafCstNode): string | undefined {
    return GrammarAST.isKeyword(token.grammarSource) ? token.grammarSource.value : undefined;
}

function isKeyword(token: LeafCstNode, keyword: string): boolean {
    return keywordOf(token) === keyword;
}

function isLineComment(token: LeafCstNode): boolean {
    return token.text.startsWith('//');
}

/** The blank lines in a stretch of whitespace, at most one: an author's extra blank lines are dropped. */
function blankLines(whitespace: string): number {
    return Math.min(1, Math.max(0, whitespace.split('\n').length - 2));
}
