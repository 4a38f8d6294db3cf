/**
 * Quantities as hover shows them: as written, followed by a conversion where it helps a reviewer
 * compare figures. Durations in a second unit (`4 h (240 min)`, `36 h (1.5 d)`, `35 d (5 wk)`),
 * temperatures not written in Celsius in °C, ranges with both ends in the same unit.
 */
import { isBound, isTwoSidedRange, type Quantity, type Range } from '../generated/ast.js';
import { canonical, formatQuantity, formatRange, unitOf } from '../validation/quantities.js';

/** Units a duration may be converted into, largest first, with their size in seconds. */
const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [['wk', 604800], ['d', 86400], ['h', 3600], ['min', 60]];

/**
 * A quantity as written, with its conversion when there is a helpful one: `48 h (2 d)`. Error
 * recovery may leave a quantity out of a declaration: it shows as `?`.
 */
export function quantityText(q: Quantity | undefined): string {
    if (!q) return '?';
    const converted = conversionUnit(q);
    return converted ? `${formatQuantity(q)} (${converted.format(q)})` : formatQuantity(q);
}

/**
 * A range or bound as written, with both ends converted into the unit that suits its upper end
 * when both ends are in one known unit (otherwise there is nothing to compare them by).
 */
export function rangeText(range: Range | undefined): string {
    if (!range) return '?';
    if (isBound(range)) return `${range.op} ${quantityText(range.value)}`;
    const written = formatRange(range);
    if (!isTwoSidedRange(range) || !range.min || !range.max) return written;
    const unit = unitOf(range.min);
    const converted = unit && unit.key === unitOf(range.max)?.key ? conversionUnit(range.max) : undefined;
    const ends = converted ? [range.min, range.max].map(end => converted.format(end)) : [];
    return ends.length > 0 && ends.every(Boolean) ? `${written} (${ends.join(' .. ')})` : written;
}

interface Conversion {
    /** A quantity of the same kind in the other unit, or '' when it would not read as a round figure. */
    format(q: Quantity): string;
}

/** The unit to show a quantity in besides its own, or undefined when none helps. */
function conversionUnit(q: Quantity): Conversion | undefined {
    const unit = unitOf(q);
    if (!unit || !Number.isFinite(q.value)) return undefined;
    if (unit.kind === 'temperature' && unit.ucum !== 'Cel') {
        return {
            format: end => {
                const celsius = canonical(end);
                return celsius === undefined ? '' : `${round(celsius, 2)} °C`;
            },
        };
    }
    if (unit.kind !== 'duration') return undefined;
    const seconds = unit.toCanonical(q.value);
    const target = durationUnitFor(seconds, unit.ucum);
    if (!target) return undefined;
    const [name, size] = target;
    return {
        format: end => {
            const value = (canonical(end) ?? Number.NaN) / size;
            return isRound(value) ? `${round(value, 2)} ${name}` : '';
        },
    };
}

/**
 * The largest other unit in which the duration is at least 1 and round (`36 h` → d, `4 h` → min),
 * else the first other one in which it is round (`30 min` → 0.5 h).
 */
function durationUnitFor(seconds: number, written: string): readonly [string, number] | undefined {
    const others = DURATION_UNITS.filter(([name]) => name !== written);
    return others.find(([, size]) => seconds / size >= 1 && isRound(seconds / size))
        ?? others.find(([, size]) => isRound(seconds / size) && seconds / size > 0);
}

/** At most two decimals, up to floating-point rounding. */
function isRound(value: number): boolean {
    return Number.isFinite(value) && Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

function round(value: number, decimals: number): number {
    return Number(value.toFixed(decimals));
}
