/**
 * Quantities and ranges in canonical units (seconds, Cel, UCUM base form). Values are rounded to
 * 12 significant digits, so that `100 mL` is 0.0001 m3 and not 0.00009999999999999999.
 */
import { canonical, formatQuantity, formatRange, isBound, isTwoSidedRange, unitOf, type Quantity as AstQuantity, type Range as AstRange } from '@coil/language';
import type { Quantity, Range } from '../ir/types.js';

export function quantity(q: AstQuantity | undefined): Quantity | null {
    if (!q) return null;
    const unit = unitOf(q);
    const value = canonical(q);
    if (!unit || value === undefined) return null;
    return { value: round(value), unit: unit.canonicalUnit, text: formatQuantity(q) };
}

export function range(r: AstRange | undefined): Range | null {
    if (!r) return null;
    const text = formatRange(r);
    if (isTwoSidedRange(r)) {
        return { min: quantity(r.min), max: quantity(r.max), minExclusive: false, maxExclusive: false, text };
    }
    if (isBound(r)) {
        const q = quantity(r.value);
        const below = r.op === '<' || r.op === '<=';
        return {
            min: below ? null : q,
            max: below ? q : null,
            minExclusive: r.op === '>',
            maxExclusive: r.op === '<',
            text,
        };
    }
    return null;
}

/** The canonical unit of a unit as written (`mL` -> `m3`), or the written unit if unknown. */
export function canonicalUnit(written: string | undefined): string {
    if (!written) return '';
    return unitOf({ value: 1, unit: written } as AstQuantity)?.canonicalUnit ?? written;
}

function round(value: number): number {
    // Whole numbers (most durations, in seconds) need no rounding; -0 becomes 0. Twelve digits absorb
    // the error of conversions through other units (41 °F is 5 °C, not 5.00000000000006).
    return Number.isInteger(value) ? value + 0 : Number(value.toPrecision(12)) + 0;
}
