/**
 * Every quantity in its place: unknown units, range ends, and the kind of quantity each
 * property needs (durations for limits and turnarounds, temperatures for storage and transport).
 * The table of those kinds is also what the editor reads to offer units and title hovers.
 */
import type { AstNode, ValidationAcceptor, ValidationChecks } from 'langium';
import type { CoilAstType, Quantity, Range } from '../generated/ast.js';
import type { QuantityKind } from '../units/index.js';
import { checkQuantityUnit, checkTwoSidedRange, checkUnit, expectKind, expectRangeKind } from './quantities.js';

/** A property that takes a quantity, or a range, of one kind. */
export interface KindedPlace {
    readonly kind: Exclude<QuantityKind, 'other'>;
    /** The quantity as a diagnostic names it: "A hold maximum must be a duration". */
    readonly subject: string;
    /** The quantity as hover titles it, in the batch record's words: "Hold maximum". */
    readonly title: string;
    /** The property is a range: its ends are checked together, and a two-sided duration may start at zero. */
    readonly range?: true;
    /** Zero is valid: a scenario's `at 0 h` is the batch start. */
    readonly allowZero?: true;
}

const duration = (subject: string, title: string, options: Partial<KindedPlace> = {}): KindedPlace => ({ kind: 'duration', subject, title, ...options });
const temperature = (subject: string, title: string, options: Partial<KindedPlace> = {}): KindedPlace => ({ kind: 'temperature', subject, title, ...options });

/** By `Type.property`, in the order of the grammar. */
export const QUANTITY_KINDS: Readonly<Record<`${keyof CoilAstType}.${string}`, KindedPlace>> = {
    'BudgetField.budget': duration('The vein-to-vein budget', 'Vein-to-vein budget'),
    'MaterialStability.limit': duration('A material stability', 'Stability outside storage'),
    'MaterialStorage.range': temperature('A storage range', 'Storage range', { range: true }),
    'StorageLocation.temperature': temperature('A storage location temperature', 'Storage temperature', { range: true }),
    'AssayTurnaround.turnaround': duration('An assay turnaround', 'Assay turnaround'),
    'DurationSpec.range': duration('A step duration', 'Step duration', { range: true }),
    'TransferLimit.limit': duration('A transfer time limit', 'Transport time limit'),
    'TransferCondition.range': temperature('A transport temperature', 'Transport temperature', { range: true }),
    'Hold.min': duration('A hold minimum', 'Hold minimum'),
    'Hold.max': duration('A hold maximum', 'Hold maximum'),
    'Hold.storage': temperature('A hold storage temperature', 'Storage temperature during the hold', { range: true }),
    'QcTest.turnaround': duration('A test turnaround', 'Test turnaround'),
    'ExceptionalRelease.notifyWithin': duration('The authority notification limit', 'Authority notification deadline'),
    'TransferAction.reading': temperature('A temperature reading', 'Temperature reading'),
    'ScenarioEntry.time': duration('A scenario time', 'Time since the batch started', { allowZero: true }),
};

/** Checked with the rest of the header (header.ts), where a missing budget is reported too. */
const CHECKED_IN_HEADER = new Set(['BudgetField.budget']);

/** One check per AST type, for each of its kinded properties. */
function kindChecks(): ValidationChecks<CoilAstType> {
    const byType = new Map<string, Array<[string, KindedPlace]>>();
    for (const [key, place] of Object.entries(QUANTITY_KINDS)) {
        if (CHECKED_IN_HEADER.has(key)) continue;
        const [type, property] = key.split('.');
        byType.set(type, [...(byType.get(type) ?? []), [property, place]]);
    }
    const check = (node: AstNode, places: Array<[string, KindedPlace]>, accept: ValidationAcceptor) => {
        for (const [property, { kind, subject, range, allowZero }] of places) {
            const value = (node as unknown as Record<string, unknown>)[property];
            if (range) expectRangeKind(value as Range | undefined, kind, subject, accept);
            else expectKind(value as Quantity | undefined, kind, subject, accept, { allowZero });
        }
    };
    return Object.fromEntries([...byType].map(([type, places]) => [type, (node: AstNode, accept: ValidationAcceptor) => check(node, places, accept)]));
}

export const unitChecks: ValidationChecks<CoilAstType> = {
    Quantity: (q, accept) => checkQuantityUnit(q, accept),
    QuantityParameter: (p, accept) => checkUnit(p, p.unit, accept),
    QuantityResult: (r, accept) => checkUnit(r, r.unit, accept),
    TwoSidedRange: (range, accept) => checkTwoSidedRange(range, accept),
    ...kindChecks(),
};
