/**
 * Values as entered, checked and put in canonical form: quantities converted with UCUM to the unit
 * the definition compares in, choices and texts checked against their type. Out-of-range values
 * are kept as they are, never clamped: the caller records them and raises their deviation.
 */
import type { Condition, ParameterType, QcTest, Range, ResultType } from '@coil/compiler/ir';
import { isUnitError, resolveUnit } from '@coil/language/units';
import type { StoredValue } from './state.js';
import type { Value } from './types.js';

export type Converted = { ok: true; value: StoredValue } | { ok: false; message: string };

/** 12 significant digits, as the compiler writes canonical values, so that equal values compare equal. */
export function round12(n: number): number {
    return n === 0 ? 0 : Number(n.toPrecision(12));
}

export function toCanonical(value: number, unit: string, canonicalUnit: string, display: string): { ok: true; value: number } | { ok: false; message: string } {
    if (!Number.isFinite(value)) return { ok: false, message: `${value} is not a number` };
    if (unit === canonicalUnit) return { ok: true, value: round12(value) };
    const resolved = resolveUnit(unit);
    if (isUnitError(resolved)) return { ok: false, message: resolved.message };
    if (resolved.canonicalUnit !== canonicalUnit) {
        return { ok: false, message: `'${unit}' is ${resolved.description}; a value in ${display} (or a unit convertible to it) is expected` };
    }
    const converted = round12(resolved.toCanonical(value));
    if (!Number.isFinite(converted)) return { ok: false, message: `${value} ${unit} is too large to record` };
    return { ok: true, value: converted };
}

/** A canonical value in the unit people read it in (`0.00025` m3 in mL is `250`), for display. */
export function inDisplayUnit(value: number, display: string): number {
    const resolved = resolveUnit(display);
    if (isUnitError(resolved)) return value;
    const zero = resolved.toCanonical(0);
    const factor = resolved.toCanonical(1) - zero;
    return Number(((value - zero) / factor).toPrecision(6));
}

/** `250 mL`, `1.44e9 cells`: a canonical value written in its display unit. */
export function displayText(value: number, display: string): string {
    const v = inDisplayUnit(value, display);
    const text = Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential().replace('e+', 'e') : String(v);
    return `${text} ${display}`;
}

/** A value entered for a parameter, in canonical form, or why it does not fit the parameter's type. */
export function convertForParameter(value: Value, type: ParameterType): Converted {
    switch (type.kind) {
        case 'quantity': {
            if (value.kind !== 'quantity') return { ok: false, message: `a quantity in ${type.display} is expected, not ${describe(value)}` };
            const c = toCanonical(value.value, value.unit, type.unit, type.display);
            return c.ok ? { ok: true, value: { kind: 'quantity', value: c.value, unit: type.unit, text: displayText(c.value, type.display) } } : c;
        }
        case 'choice':
            return convertChoice(value, type.choices);
        case 'text':
            if (value.kind !== 'text') return { ok: false, message: `a text is expected, not ${describe(value)}` };
            return { ok: true, value: { kind: 'text', text: value.text } };
        case 'datetime': {
            const text = value.kind === 'datetime' ? value.datetime : value.kind === 'text' ? value.text : null;
            if (text === null || !ISO_DATETIME.test(text) || Number.isNaN(Date.parse(text))) {
                return { ok: false, message: `a date and time such as '2027-04-05T12:10:00Z' is expected, not ${describe(value)}` };
            }
            return { ok: true, value: { kind: 'datetime', datetime: text } };
        }
    }
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An assay result in canonical form, typed by the assay's result type or else by the test's spec. */
export function convertForAssay(value: Value, result: ResultType | null, test: QcTest): Converted {
    if (result?.kind === 'quantity' || (result === null && test.spec.kind === 'range')) {
        if (value.kind !== 'quantity') return { ok: false, message: `a quantity is expected, not ${describe(value)}` };
        const unit = result?.kind === 'quantity' ? result.unit : specUnit(test);
        const display = result?.kind === 'quantity' ? result.display : unit;
        const c = toCanonical(value.value, value.unit, unit, display);
        return c.ok ? { ok: true, value: { kind: 'quantity', value: c.value, unit, text: displayText(c.value, display) } } : c;
    }
    if (result?.kind === 'choice') return convertChoice(value, result.choices);
    if (value.kind === 'choice' || value.kind === 'text') return { ok: true, value: { kind: 'choice', choice: value.kind === 'choice' ? value.choice : value.text } };
    return { ok: false, message: `a result such as 'not_detected' is expected, not ${describe(value)}` };
}

function specUnit(test: QcTest): string {
    const range = test.spec.kind === 'range' ? test.spec.range : null;
    return range?.min?.unit ?? range?.max?.unit ?? '1';
}

function convertChoice(value: Value, choices: readonly string[]): Converted {
    const choice = value.kind === 'choice' ? value.choice : value.kind === 'text' ? value.text : null;
    if (choice === null || !choices.includes(choice)) {
        return { ok: false, message: `one of ${choices.map(c => `'${c}'`).join(', ')} is expected, not ${describe(value)}` };
    }
    return { ok: true, value: { kind: 'choice', choice } };
}

export function inRange(range: Range, v: number): boolean {
    if (range.min && (range.minExclusive ? !(v > range.min.value) : v < range.min.value)) return false;
    if (range.max && (range.maxExclusive ? !(v < range.max.value) : v > range.max.value)) return false;
    return true;
}

/** Whether a recorded value is within what its parameter accepts. */
export function acceptable(value: StoredValue, type: ParameterType): boolean {
    if (type.kind === 'quantity' && value.kind === 'quantity') return type.acceptance === null || inRange(type.acceptance, value.value);
    if (type.kind === 'choice' && value.kind === 'choice') return type.expected.length === 0 || type.expected.includes(value.choice);
    return true;
}

export function meetsSpec(value: StoredValue, test: QcTest): boolean {
    if (test.spec.kind === 'range') return value.kind === 'quantity' && inRange(test.spec.range, value.value);
    return value.kind === 'choice' && value.choice === test.spec.choice;
}

export function holds(condition: Condition, value: StoredValue): boolean {
    if (condition.kind === 'choice') return value.kind === 'choice' && value.choice === condition.choice;
    if (value.kind !== 'quantity') return false;
    const v = value.value;
    const c = condition.value.value;
    switch (condition.op) {
        case '<': return v < c;
        case '<=': return v <= c;
        case '>': return v > c;
        case '>=': return v >= c;
    }
}

export function describe(value: Value | StoredValue): string {
    switch (value.kind) {
        case 'quantity': return 'text' in value && value.text ? value.text : `${value.value} ${value.unit}`;
        case 'choice': return value.choice;
        case 'text': return `"${value.text}"`;
        case 'datetime': return value.datetime;
    }
}
