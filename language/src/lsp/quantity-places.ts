/**
 * What a quantity stands for where it is written: a hold maximum is a duration, a transport range
 * a temperature, a QC specification is in the unit its assay reports. Completion uses it to offer
 * only the units that fit, hover to name the quantity. One table, read from both sides: from the
 * parser's stack of grammar rules while the text is being typed, and from the AST once parsed.
 * The places of one kind are validation's own table (QUANTITY_KINDS), so the editor offers the
 * units the checks accept.
 */
import { AstUtils, GrammarAST, type AstNode } from 'langium';
import {
    isAssayResult, isDecision, isQcTest, isQuantityParameter, isQuantityResult, isRecordAction, isResultAction, isTwoSidedRange,
    type Assay, type Parameter,
} from '../generated/ast.js';
import { knownUnit, parameterUnit } from '../validation/quantities.js';
import { QUANTITY_KINDS } from '../validation/units.js';
import type { QuantityKind, ResolvedUnit } from '../units/index.js';

/** The unit a place needs: a kind of quantity, the unit of the declaration it refers to, or any unit. */
export type UnitExpectation =
    | { readonly kind: Exclude<QuantityKind, 'other'> }
    | { readonly unit: ResolvedUnit }
    | { readonly any: true };

export interface QuantityPlace {
    /** What the quantity is, in the batch record's words: "Hold maximum". */
    readonly what: string;
    /** The unit it needs, given the AST node the quantity is written in (or near, while typing). */
    expects(node: AstNode | undefined): UnitExpectation;
}

const ANY: UnitExpectation = { any: true };

const ofKind = (what: string, kind: Exclude<QuantityKind, 'other'>): QuantityPlace => ({ what, expects: () => ({ kind }) });
const anyUnit = (what: string): QuantityPlace => ({ what, expects: () => ANY });
/** A place whose unit is that of the declaration it refers to (an assay's result, a recorded parameter), found from the node. */
const unitOfDeclaration = (what: string, find: (node: AstNode) => ResolvedUnit | undefined): QuantityPlace => ({
    what, expects: node => {
        const unit = node && find(node);
        return unit ? { unit } : ANY;
    },
});

/** By `Rule.property`: the rule (= AST type) that assigns the quantity, range or unit, and the property. */
const PLACES: Readonly<Record<string, QuantityPlace>> = {
    ...Object.fromEntries(Object.entries(QUANTITY_KINDS).map(([key, { title, kind }]) => [key, ofKind(title, kind)])),
    'QuantityParameter.range': anyUnit('Acceptance range'),
    'QuantityParameter.unit': anyUnit('Unit recorded in'),
    'QuantityResult.unit': anyUnit('Unit of the result'),
    'QuantitySpec.range': unitOfDeclaration('Specification', node => assayUnit(AstUtils.getContainerOfType(node, isQcTest)?.assay?.ref)),
    'QuantityCondition.bound': unitOfDeclaration('Decision condition', node => quantityUnit(AstUtils.getContainerOfType(node, isDecision)?.parameter?.ref)),
    'QuantityValue.quantity': unitOfDeclaration('Value', node => {
        const action = AstUtils.getContainerOfType(node, n => isRecordAction(n) || isResultAction(n));
        return isRecordAction(action) ? quantityUnit(action.parameter?.ref) : isResultAction(action) ? assayUnit(action.assay?.ref) : undefined;
    }),
};

/** The place the parser is in, from its stack of grammar elements (innermost last), or undefined. */
export function placeOfGrammarStack(stack: readonly GrammarAST.AbstractElement[]): { place: QuantityPlace; upperEnd: boolean } | undefined {
    let upperEnd = false;
    for (let i = stack.length - 1; i >= 0; i--) {
        const assignment = AstUtils.getContainerOfType(stack[i], GrammarAST.isAssignment);
        const rule = AstUtils.getContainerOfType(stack[i], GrammarAST.isParserRule);
        if (!assignment || !rule) continue;
        const key = `${rule.name}.${assignment.feature}`;
        if (key === 'TwoSidedRange.max') upperEnd = true;
        if (PLACES[key]) return { place: PLACES[key], upperEnd };
    }
    return undefined;
}

/** The place of a quantity or range in the AST, or of a unit written alone as `node`'s `property`, or undefined. */
export function placeOfNode(node: AstNode, property?: string): QuantityPlace | undefined {
    if (property && PLACES[`${node.$type}.${property}`]) return PLACES[`${node.$type}.${property}`];
    for (let n: AstNode | undefined = node; n?.$container; n = n.$container) {
        const place = PLACES[`${n.$container.$type}.${n.$containerProperty}`];
        if (place) return place;
    }
    return undefined;
}

/** The unit of the lower end of the range being written at `node`, which the upper end must match. */
export function lowerEndUnit(node: AstNode | undefined): ResolvedUnit | undefined {
    return knownUnit(AstUtils.getContainerOfType(node, isTwoSidedRange)?.min?.unit);
}

function assayUnit(assay: Assay | undefined): ResolvedUnit | undefined {
    const result = assay?.members.find(isAssayResult)?.type;
    return isQuantityResult(result) ? knownUnit(result.unit) : undefined;
}

function quantityUnit(parameter: Parameter | undefined): ResolvedUnit | undefined {
    return isQuantityParameter(parameter?.type) ? parameterUnit(parameter.type) : undefined;
}
