/**
 * Semantic highlighting: what the grammar's keywords cannot tell. Each name is coloured by what
 * it names (a role, a site or room, a material, an assay, a deviation, a step, a process), its
 * declaration marked as such and a use of the shared library marked `defaultLibrary`; quantities
 * show their number and unit, durations marked `duration`; words that act as keywords without
 * being Langium keywords (`identity isbt128`, `grade B`) are keywords, and keywords used as names
 * (`record duration`, `choice pass, fail`, the unit `min`) are names or units, not keywords.
 */
import { AstUtils, isReference, type AstNode, type CstNode } from 'langium';
import { AbstractSemanticTokenProvider, AllSemanticTokenModifiers, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';
import { isQuantity, isQuantityParameter, isQuantityResult } from '../generated/ast.js';
import { knownUnit } from '../validation/quantities.js';
import { keywordToken, propertyToken } from './cst-tokens.js';

/** Marks a quantity (its number and its unit) that is a time: a duration, a hold, a turnaround. */
const DURATION_MODIFIER = 'duration';

/** The token type of a name, by the kind of declaration it names. */
const NAME_TOKEN_TYPES: Readonly<Record<string, string>> = {
    Process: SemanticTokenTypes.namespace,
    Site: SemanticTokenTypes.struct,
    Room: SemanticTokenTypes.struct,
    Equipment: SemanticTokenTypes.property,
    StorageLocation: SemanticTokenTypes.property,
    Qualification: SemanticTokenTypes.decorator,
    Role: SemanticTokenTypes.class,
    Material: SemanticTokenTypes.variable,
    Assay: SemanticTokenTypes.interface,
    Step: SemanticTokenTypes.function,
    Decision: SemanticTokenTypes.function,
    Transfer: SemanticTokenTypes.method,
    Branch: SemanticTokenTypes.namespace,
    Parameter: SemanticTokenTypes.parameter,
    Choice: SemanticTokenTypes.enumMember,
    Qc: SemanticTokenTypes.enum,
    Deviation: SemanticTokenTypes.event,
};

const TOKEN_MODIFIERS: Record<string, number> = { ...AllSemanticTokenModifiers, [DURATION_MODIFIER]: 1 << Object.keys(AllSemanticTokenModifiers).length };

/** A token of a node that is neither a name nor a quantity, and how it is coloured. */
interface Literal {
    readonly token: (node: AstNode) => CstNode | undefined;
    readonly type: string;
}

const property = (name: string, type: string): Literal => ({ token: node => propertyToken(node, name), type });
const keyword = (word: string, type: string): Literal => ({ token: node => keywordToken(node, word), type });

/** By node type: numbers that are not quantities, comparison operators, and the words of fixed vocabularies. */
const LITERALS: Readonly<Record<string, readonly Literal[]>> = {
    Bound: [property('op', SemanticTokenTypes.operator)],
    TwoSidedRange: [keyword('..', SemanticTokenTypes.operator)],
    MaterialAmount: [property('count', SemanticTokenTypes.number), keyword('x', SemanticTokenTypes.operator)],
    VersionField: [property('version', SemanticTokenTypes.number)],
    ReworkOutcome: [property('limit', SemanticTokenTypes.number)],
    ReworkAction: [property('limit', SemanticTokenTypes.number)],
    // Checked against fixed lists (EU GMP grades, identifier formats), though the grammar reads a name.
    Room: [property('grade', SemanticTokenTypes.keyword)],
    IdentityField: [property('format', SemanticTokenTypes.keyword)],
};

export class CoilSemanticTokenProvider extends AbstractSemanticTokenProvider {
    override get tokenModifiers(): Record<string, number> {
        return TOKEN_MODIFIERS;
    }

    protected highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        this.highlightDeclaration(node, acceptor);
        this.highlightReferences(node, acceptor);
        highlightQuantity(node, acceptor);
        highlightLiterals(node, acceptor);
    }

    private highlightDeclaration(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        const type = NAME_TOKEN_TYPES[node.$type];
        const name = type && propertyToken(node, 'name');
        if (name) acceptor({ cst: name, type, modifier: SemanticTokenModifiers.declaration });
    }

    /** Each use is coloured as what it names; one that does not resolve is left to its diagnostic. */
    private highlightReferences(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        for (const { reference } of AstUtils.streamReferences(node)) {
            const target = isReference(reference) ? reference.ref : undefined;
            const type = target && NAME_TOKEN_TYPES[target.$type];
            if (!type || !reference.$refNode) continue;
            const shared = AstUtils.getDocument(target).uri.toString() !== this.currentDocument?.uri.toString();
            acceptor({ cst: reference.$refNode, type, modifier: shared ? SemanticTokenModifiers.defaultLibrary : [] });
        }
    }
}

function highlightLiterals(node: AstNode, acceptor: SemanticTokenAcceptor): void {
    for (const literal of LITERALS[node.$type] ?? []) {
        const cst = literal.token(node);
        if (cst) acceptor({ cst, type: literal.type });
    }
}

/** A quantity's number and unit (`48 h`), or a unit on its own (`record weight in kg`). */
function highlightQuantity(node: AstNode, acceptor: SemanticTokenAcceptor): void {
    if (!isQuantity(node) && !isQuantityParameter(node) && !isQuantityResult(node)) return;
    const modifier = knownUnit(node.unit)?.kind === 'duration' ? [DURATION_MODIFIER] : [];
    const value = isQuantity(node) ? propertyToken(node, 'value') : undefined;
    const unit = node.unit ? propertyToken(node, 'unit') : undefined;
    if (value) acceptor({ cst: value, type: SemanticTokenTypes.number, modifier });
    if (unit) acceptor({ cst: unit, type: SemanticTokenTypes.type, modifier });
}
