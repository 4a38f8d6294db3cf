/**
 * Units and dimensions: every unit is known, a duration stands where a duration is due and a
 * temperature where a temperature is, range ends measure the same thing, and min <= max once
 * converted (2880 min .. 48 h is fine; 3 d .. 48 h is not).
 */
import { GrammarUtils, type AstNode, type ValidationAcceptor } from 'langium';
import { exceeds, formatDurations, isUnitError, resolveUnit, type QuantityKind, type ResolvedUnit } from '../units/index.js';
import { isBound, isTwoSidedRange, type Quantity, type QuantityParameter, type Range, type TwoSidedRange } from '../generated/ast.js';
import { report } from './report.js';

/** The unit of a quantity, or undefined when it is unknown (reported once, on the quantity). */
export function unitOf(q: Quantity | undefined): ResolvedUnit | undefined {
    return knownUnit(q?.unit);
}

export function knownUnit(text: string | undefined): ResolvedUnit | undefined {
    if (!text) return undefined;
    const u = resolveUnit(text);
    return isUnitError(u) ? undefined : u;
}

/** The unit a quantity parameter is recorded in: its declared unit, or that of its acceptance range. */
export function parameterUnit(type: QuantityParameter): ResolvedUnit | undefined {
    return type.unit ? knownUnit(type.unit) : type.range ? unitOf(rangeQuantities(type.range)[0]) : undefined;
}

export function canonical(q: Quantity): number | undefined {
    const u = unitOf(q);
    return u && Number.isFinite(q.value) ? u.toCanonical(q.value) : undefined;
}

/**
 * A quantity as the author wrote its number (`1.2e9 cells`, not `1200000000 cells`), in one layout
 * whatever the spacing or comments around its tokens (`8°C` and `8 °C`, `cells / mL` and `cells/mL`
 * read alike), so that a compiled workflow's digest does not depend on layout.
 */
export function formatQuantity(q: Quantity): string {
    const number = q.$cstNode ? GrammarUtils.findNodeForProperty(q.$cstNode, 'value')?.text : undefined;
    return `${number ?? q.value} ${q.unit}`;
}

/** A range in one layout, as formatQuantity writes its quantities (`2 °C .. 8 °C`, `<= -150 °C`). */
export function formatRange(range: Range): string {
    if (isTwoSidedRange(range)) return `${range.min ? formatQuantity(range.min) : '?'} .. ${range.max ? formatQuantity(range.max) : '?'}`;
    if (isBound(range)) return `${range.op} ${range.value ? formatQuantity(range.value) : '?'}`;
    return '';
}

/** The quantities of a range that are present (error recovery may leave an end missing). */
export function rangeQuantities(range: Range): Quantity[] {
    const ends = isTwoSidedRange(range) ? [range.min, range.max] : isBound(range) ? [range.value] : [];
    return ends.filter((q): q is Quantity => q !== undefined);
}

export function checkQuantityUnit(q: Quantity, accept: ValidationAcceptor): void {
    checkFinite(q.value, q, 'value', accept);
    checkUnit(q, q.unit, accept);
}

/** `1e999` parses as Infinity: reported once, here, and every other check skips the quantity. */
export function checkFinite(value: number | undefined, node: AstNode, property: string, accept: ValidationAcceptor): boolean {
    if (value === undefined || Number.isFinite(value)) return true;
    const text = GrammarUtils.findNodeForProperty(node.$cstNode, property)?.text ?? String(value);
    report(accept, 'COIL-U007', `The number ${text} is too large: it overflows to ${value}. Write a number below 1e308 (in a larger unit if need be).`, { node, property });
    return false;
}

/** A unit written on its own, as in `record weight in kg` or `result quantity in %`. */
export function checkUnit(node: AstNode & { unit?: string }, unit: string | undefined, accept: ValidationAcceptor): void {
    if (!unit) return;
    const u = resolveUnit(unit);
    if (isUnitError(u)) report(accept, 'COIL-U001', u.message, { node, property: 'unit' });
}

export function checkTwoSidedRange(range: TwoSidedRange, accept: ValidationAcceptor): void {
    const lo = unitOf(range.min);
    const hi = unitOf(range.max);
    if (!lo || !hi || !Number.isFinite(range.min.value) || !Number.isFinite(range.max.value)) return;
    if (lo.key !== hi.key) {
        report(accept, 'COIL-U004', `This range goes from ${lo.description} (${formatQuantity(range.min)}) to ${hi.description} (${formatQuantity(range.max)}): both ends must measure the same thing.`, { node: range });
        return;
    }
    const min = lo.toCanonical(range.min.value);
    const max = hi.toCanonical(range.max.value);
    if (exceeds(min, max)) {
        const both = lo.kind === 'duration' ? ` (${formatDurations(min, max).join(' > ')})` : '';
        report(accept, 'COIL-U003', `The minimum ${formatQuantity(range.min)} is above the maximum ${formatQuantity(range.max)}${both}. Swap the two ends.`, { node: range });
    }
}

const KIND_WORDS: Record<Exclude<QuantityKind, 'other'>, { noun: string; example: string }> = {
    duration: { noun: 'a duration', example: '48 h, 30 min or 14 d' },
    temperature: { noun: 'a temperature', example: '2 °C .. 8 °C or <= -150 °C' },
};

/**
 * Checks that `q` is of the kind `what` needs, e.g. `expectKind(q, 'duration', 'A hold limit')`.
 * Durations must also be positive.
 */
export function expectKind(q: Quantity | undefined, kind: Exclude<QuantityKind, 'other'>, what: string, accept: ValidationAcceptor, options: { allowZero?: boolean } = {}): void {
    const u = unitOf(q);
    if (!q || !u || !Number.isFinite(q.value)) return;
    if (u.kind !== kind) {
        const { noun, example } = KIND_WORDS[kind];
        report(accept, 'COIL-U002', `${what} must be ${noun} (e.g. ${example}), but ${formatQuantity(q)} is ${u.description}.`, { node: q });
        return;
    }
    if (kind === 'duration' && (q.value < 0 || (q.value === 0 && !options.allowZero))) {
        const rule = options.allowZero ? 'cannot be negative' : 'must be longer than zero';
        report(accept, 'COIL-U005', `${what} ${rule}, but it is ${formatQuantity(q)}.`, { node: q });
    }
}

export function expectRangeKind(range: Range | undefined, kind: Exclude<QuantityKind, 'other'>, what: string, accept: ValidationAcceptor): void {
    if (!range) return;
    const [first, second] = rangeQuantities(range);
    // A range whose ends disagree is reported once, by checkTwoSidedRange, as a range problem.
    if (first && second && unitOf(first) && unitOf(second) && unitOf(first)?.key !== unitOf(second)?.key) return;
    // Otherwise the first end tells the kind; the second is checked only for a non-positive duration.
    // The lower end of a two-sided duration range may be zero (`duration 0 min .. 30 min`).
    expectKind(first, kind, what, accept, { allowZero: second !== undefined });
    if (first && second && kind === 'duration' && second.value <= 0 && unitOf(first)?.key === unitOf(second)?.key) {
        expectKind(second, kind, what, accept);
    }
}

/** Counts and loop limits: whole numbers from 1. */
export function expectCount(value: number | undefined, what: string, node: AstNode, property: string, accept: ValidationAcceptor): void {
    if (value === undefined || !checkFinite(value, node, property, accept)) return;
    if (!Number.isInteger(value) || value < 1) {
        report(accept, 'COIL-U006', `${what} must be a whole number of at least 1, but it is ${value}.`, { node, property });
    }
}
