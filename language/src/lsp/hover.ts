/**
 * Hover in the plant's terms. On a reference (or a declaration's name): what it is, summed up (a
 * role's qualifications, a material's storage, a step's place, people and duration) or else its
 * declaration as written, after the comment above it. On a keyword: what it means in GMP terms.
 * On a quantity: what it stands for, with a conversion (`48 h (2 d)`) and its unit.
 */
import { AstUtils, CstUtils, GrammarAST, type AstNode, type CstNode, type LangiumDocument } from 'langium';
import { MultilineCommentHoverProvider } from 'langium/lsp';
import type { Hover, HoverParams } from 'vscode-languageserver';
import { isHold, isQuantity, isQuantityParameter, isQuantityResult, isRange, type Quantity } from '../generated/ast.js';
import { isUnitError, resolveUnit } from '../units/index.js';
import { summaryOf } from './declaration-summaries.js';
import { keywordDoc } from './keywords.js';
import { placeOfNode } from './quantity-places.js';
import { quantityText, rangeText } from './quantity-text.js';

const MAX_LINES = 12;

export class CoilHoverProvider extends MultilineCommentHoverProvider {
    override async getHoverContent(document: LangiumDocument, params: HoverParams): Promise<Hover | undefined> {
        const root = document.parseResult?.value?.$cstNode;
        const leaf = root && CstUtils.findLeafNodeAtOffset(root, document.textDocument.offsetAt(params.position));
        const content = leaf && (quantityHover(leaf) ?? keywordHover(leaf));
        return content ? { contents: { kind: 'markdown', value: content } } : super.getHoverContent(document, params);
    }

    protected override async getAstNodeHoverContent(node: AstNode): Promise<string | undefined> {
        const comment = await super.getAstNodeHoverContent(node);
        const text = node.$cstNode?.text;
        if (!text) return comment;
        const named = node as AstNode & { name?: string; title?: string };
        const parts = [`**${leadingKeyword(node) ?? node.$type.toLowerCase()} ${named.name ?? ''}**${named.title ? ` — ${named.title}` : ''}`];
        parts.push(...(summaryOf(node) ?? [asWritten(text)]));
        return [comment, parts.join('\n\n')].filter(Boolean).join('\n\n---\n\n');
    }
}

/** A keyword's meaning where it stands; on the keyword of a hold (which has no name), the hold too. */
function keywordHover(leaf: CstNode): string | undefined {
    const keyword = leaf.grammarSource;
    if (!GrammarAST.isKeyword(keyword)) return undefined;
    const rule = ruleOf(keyword);
    // In the Word rule a keyword is a name (`record duration`, `choice pass, fail`): hover shows what it names.
    if (rule === 'Word') return undefined;
    const doc = keywordDoc(keyword.value, rule);
    if (!doc) return undefined;
    const hold = rule === 'Hold' && keyword.value === 'hold' && isHold(leaf.astNode) ? summaryOf(leaf.astNode) : undefined;
    return [`**${keyword.value}** — ${doc}`, ...(hold ? ['---', ...hold] : [])].join('\n\n');
}

/** What a quantity (or a unit written alone) stands for, as written and converted, and its unit. */
function quantityHover(leaf: CstNode): string | undefined {
    const node = leaf.astNode;
    const standalone = (isQuantityParameter(node) || isQuantityResult(node)) && node.unit
        && CstUtils.getDatatypeNode(leaf)?.text === node.unit;
    if (!isQuantity(node) && !standalone) return undefined;
    const what = placeOfNode(node, standalone ? 'unit' : undefined)?.what;
    const shown = isQuantity(node) ? shownQuantity(node) : node.unit!;
    const unit = unitLine(node.unit);
    return [what ? `**${what}**: ${shown}` : shown, unit].filter(Boolean).join('\n\n');
}

/** The quantity, or the whole range it is an end of, converted where that helps. */
function shownQuantity(q: Quantity): string {
    const range = q.$container;
    return isRange(range) ? rangeText(range) : quantityText(q);
}

function unitLine(written: string | undefined): string | undefined {
    if (!written) return undefined;
    const unit = resolveUnit(written);
    if (isUnitError(unit)) return unit.message;
    return `Unit \`${written}\`${unit.ucum !== written ? ` (UCUM \`${unit.ucum}\`)` : ''}: ${unit.description}.`;
}

/** The keyword a declaration starts with (`role`, `record`), if it starts with one (a choice `fail` does not). */
function leadingKeyword(node: AstNode): string | undefined {
    const first = node.$cstNode && CstUtils.flattenCst(node.$cstNode).head()?.grammarSource;
    return GrammarAST.isKeyword(first) && ruleOf(first) !== 'Word' ? first.value : undefined;
}

function ruleOf(keyword: GrammarAST.Keyword): string | undefined {
    return AstUtils.getContainerOfType(keyword, GrammarAST.isParserRule)?.name;
}

/** A declaration as written, in a code block, at most MAX_LINES lines. */
function asWritten(text: string): string {
    // A process is thousands of lines: only those shown are split off.
    const lines = text.split(/\r?\n/, MAX_LINES + 1);
    const shown = lines.slice(0, MAX_LINES).join('\n') + (lines.length > MAX_LINES ? '\n  …' : '');
    return `\`\`\`coil\n${dedent(shown)}\n\`\`\``;
}

/** Removes the indentation the declaration's later lines share (its first line starts at the name). */
function dedent(text: string): string {
    const [first, ...rest] = text.split('\n');
    const indents = rest.filter(l => l.trim()).map(l => /^\s*/.exec(l)![0].length);
    const cut = Math.max(0, Math.min(...indents, Infinity) - 2);
    return [first, ...rest.map(l => l.slice(Number.isFinite(cut) ? cut : 0))].join('\n');
}
