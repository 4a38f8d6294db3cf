/**
 * Fixes for quantities: write a unit the way UCUM spells it, swap the ends of an inverted range
 * or hold, and give both ends of a range the same unit.
 */
import { GrammarUtils, type CstNode } from 'langium';
import { isUnitError, resolveUnit } from '../../units/index.js';
import { isHold, isTwoSidedRange, type Quantity } from '../../generated/ast.js';
import { formatQuantity } from '../../validation/quantities.js';
import { replace } from './placement.js';
import { nodeAt, type FixEdit, type FixSite, type QuickFix } from './quick-fix.js';

/** Bare `C` and `F` are UCUM's coulomb and farad; a process engineer means degrees. */
const DEGREES: Record<string, string> = { C: '°C', F: '°F' };

/** Units written in another case (`ML`, `Hrs`, `degc`) are matched against these, ignoring case. */
const COMMON_UNITS = [
    'mL', 'uL', 'dL', 'L', 'kg', 'g', 'mg', 'ug', 'ng', 'pg', 's', 'min', 'h', 'd', 'wk', 'degC', 'degF', '%',
    'mol', 'mmol', 'umol', 'sec', 'hr', 'hrs', 'hour', 'hours', 'day', 'days', 'week', 'weeks', 'minutes', 'cells',
];

function isKnown(unit: string): boolean {
    return !isUnitError(resolveUnit(unit));
}

/** The known spelling of one term of a unit: itself, a degree, UCUM's brackets (`[IU]`), `u` for `mc`, or another case. */
function termSpelling(term: string): string | undefined {
    if (isKnown(term)) return term;
    const micro = term.startsWith('mc') ? `u${term.slice(2)}` : undefined;
    const otherCase = COMMON_UNITS.find(unit => unit.toLowerCase() === term.toLowerCase());
    return [DEGREES[term], `[${term}]`, micro, otherCase].find((c): c is string => c !== undefined && isKnown(c));
}

/** The way to write `written` that Coil knows (`IU/mL` as `[IU]/mL`), if there is one. */
function knownSpelling(written: string): string | undefined {
    const parts = written.split(/([/.])/);
    const spelt = parts.map((part, i) => (i % 2 === 1 || part === '' ? part : termSpelling(part)));
    if (spelt.some(part => part === undefined)) return undefined;
    const unit = spelt.join('');
    return unit !== written && isKnown(unit) ? unit : undefined;
}

/** COIL-U001: replaces an unknown unit with its UCUM spelling. */
const spellUnit: QuickFix = {
    id: 'spell-unit',
    codes: ['COIL-U001'],
    offer(site) {
        const unit = knownSpelling(site.document.textDocument.getText(site.diagnostic.range));
        return unit ? { title: `Write the unit as ${unit}`, preferred: true } : undefined;
    },
    edit(site) {
        const unit = knownSpelling(site.document.textDocument.getText(site.diagnostic.range));
        return unit ? [{ range: site.diagnostic.range, newText: unit }] : undefined;
    },
};

/** Each quantity written where the other was. */
function swap(a: Quantity, b: Quantity): FixEdit[] | undefined {
    const [first, second] = [a.$cstNode, b.$cstNode];
    return first && second ? [replace(first, second.text), replace(second, first.text)] : undefined;
}

/** COIL-U003: a range written the wrong way round (`6 h .. 3 h`). */
const swapRangeEnds: QuickFix = {
    id: 'swap-range-ends',
    codes: ['COIL-U003'],
    offer(site) {
        const range = nodeAt(site, isTwoSidedRange);
        return range ? { title: `Swap the ends: ${formatQuantity(range.max)} .. ${formatQuantity(range.min)}`, preferred: true } : undefined;
    },
    edit(site) {
        const range = nodeAt(site, isTwoSidedRange);
        return range && swap(range.min, range.max);
    },
};

/** COIL-T002: a hold whose minimum and maximum were exchanged; one guess among others, so not preferred. */
const swapHoldLimits: QuickFix = {
    id: 'swap-hold-limits',
    codes: ['COIL-T002'],
    offer(site) {
        const hold = nodeAt(site, isHold);
        return hold?.min && hold.max ? { title: `Swap the hold's limits: min ${formatQuantity(hold.max)} max ${formatQuantity(hold.min)}`, preferred: false } : undefined;
    },
    edit(site) {
        const hold = nodeAt(site, isHold);
        return hold?.min && hold.max ? swap(hold.min, hold.max) : undefined;
    },
};

function unitNode(q: Quantity): CstNode | undefined {
    return GrammarUtils.findNodeForProperty(q.$cstNode, 'unit');
}

/**
 * COIL-U004: both ends of a range in the unit of one of them (`0.2e6 cells/kg .. 2e6 cells` is
 * most often a forgotten `/kg`). Which end is right is the author's call: one fix per end.
 */
function sameUnitAs(end: 'min' | 'max'): QuickFix {
    const other = end === 'min' ? 'max' : 'min';
    const parts = (site: FixSite) => {
        const range = nodeAt(site, isTwoSidedRange);
        const from = range && unitNode(range[end]);
        const to = range && unitNode(range[other]);
        return from && to ? { from, to } : undefined;
    };
    return {
        id: `unit-of-${end}`,
        codes: ['COIL-U004'],
        offer(site) {
            const found = parts(site);
            return found ? { title: `Write both ends in ${found.from.text}`, preferred: false } : undefined;
        },
        edit(site) {
            const found = parts(site);
            return found && [replace(found.to, found.from.text)];
        },
    };
}

export const quantityFixes: readonly QuickFix[] = [spellUnit, swapRangeEnds, swapHoldLimits, sameUnitAs('min'), sameUnitAs('max')];
