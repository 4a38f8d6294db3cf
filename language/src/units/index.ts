/**
 * Units of measure for Coil quantities: UCUM codes (the clinical standard, via @lhncbc/ucum-lhc)
 * plus the friendly aliases process engineers write (`°C`, `degC`, `cells`, `EU`).
 * Free of Langium, so the compiler and runtime can share it.
 */
import ucum from '@lhncbc/ucum-lhc';

const utils = ucum.UcumLhcUtils.getInstance();

/** Aliases for single unit terms. `EU` is the endotoxin unit: UCUM's `[EU]` is the Ehrlich unit. */
const TERM_ALIASES: Record<string, string> = {
    '°C': 'Cel', degC: 'Cel', celsius: 'Cel',
    '°F': '[degF]', degF: '[degF]',
    sec: 's', secs: 's', second: 's', seconds: 's',
    mins: 'min', minute: 'min', minutes: 'min',
    hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
    day: 'd', days: 'd',
    week: 'wk', weeks: 'wk',
    cells: '{cells}', cell: '{cell}',
    copies: '{copies}', copy: '{copies}',
    beads: '{beads}', doses: '{doses}', bags: '{bags}',
    EU: '{EU}',
};

/** What kind of quantity a unit measures, for matching and for messages. */
export type QuantityKind = 'duration' | 'temperature' | 'other';

export interface ResolvedUnit {
    /** The unit as the author wrote it. */
    readonly written: string;
    /** The UCUM code it stands for. */
    readonly ucum: string;
    readonly kind: QuantityKind;
    /** Dimension vector plus annotations: two units convert into each other iff their keys are equal. */
    readonly key: string;
    /** A phrase for messages: "a duration", "a temperature", "a volume", "a count of {cells}". */
    readonly description: string;
    /** Converts a value in this unit to the canonical unit of its kind (s, Cel, UCUM base). */
    toCanonical(value: number): number;
    /** The canonical unit `toCanonical` converts to. */
    readonly canonicalUnit: string;
}

export interface UnitError {
    readonly written: string;
    readonly message: string;
}

const cache = new Map<string, ResolvedUnit | UnitError>();

export function isUnitError(u: ResolvedUnit | UnitError): u is UnitError {
    return !('ucum' in u);
}

/** Resolves a unit as written in a .coil file. Results are cached: units repeat a great deal. */
export function resolveUnit(written: string): ResolvedUnit | UnitError {
    let resolved = cache.get(written);
    if (!resolved) {
        resolved = resolveUncached(written);
        cache.set(written, resolved);
    }
    return resolved;
}

/** Splits a unit expression on `/` and `.` and applies the aliases term by term. */
export function toUcum(written: string): string {
    return written.replace(/[^/.]+/g, term => TERM_ALIASES[term] ?? term);
}

const PROPERTY_WORDS: Record<string, string> = {
    time: 'a duration', temperature: 'a temperature', volume: 'a volume', mass: 'a mass',
    length: 'a length', fraction: 'a fraction', number: 'a number',
};

function resolveUncached(written: string): ResolvedUnit | UnitError {
    const code = toUcum(written);
    const validation = utils.validateUnitString(code, false);
    if (validation.status !== 'valid') {
        return { written, message: `'${written}' is not a unit Coil knows. ${describeKnownUnits()}` };
    }
    const { unit } = utils.getSpecifiedUnit(code, 'validate', false);
    if (!unit || !unit.dim_) {
        return { written, message: `'${written}' is not a unit Coil knows. ${describeKnownUnits()}` };
    }
    const dim = unit.dim_.dimVec_;
    const annotations = (code.match(/\{[^}]*\}/g) ?? []).sort().join('');
    const arbitrary = (code.match(/\[[^\]]*\]/g) ?? []).filter(() => unit.isArbitrary_).sort().join('');
    const key = `${dim.join(',')}|${annotations}${arbitrary}`;
    const kind: QuantityKind = isOnly(dim, 1) && !annotations ? 'duration' : isOnly(dim, 4) && !annotations ? 'temperature' : 'other';
    const description = kind === 'duration' ? 'a duration'
        : kind === 'temperature' ? 'a temperature'
        : annotations && dim.every(d => d === 0) ? `a count of ${annotations}`
        : PROPERTY_WORDS[unit.property_] ?? `a quantity in ${code}`;
    if (kind === 'temperature') {
        return {
            written, ucum: code, kind, key, description, canonicalUnit: 'Cel',
            toCanonical: code === 'Cel' ? (v => v) : (v => utils.convertUnitTo(code, v, 'Cel').toVal),
        };
    }
    const magnitude = unit.magnitude_;
    return {
        written, ucum: code, kind, key, description,
        canonicalUnit: kind === 'duration' ? 's' : baseUnitOf(dim, annotations),
        toCanonical: v => v * magnitude,
    };
}

function isOnly(dim: number[], index: number): boolean {
    return dim.every((d, i) => (i === index ? d === 1 : d === 0));
}

// UCUM's base units, in the order of ucum-lhc's dimension vector.
const BASE_UNITS = ['m', 's', 'g', 'rad', 'K', 'C', 'cd'];

function baseUnitOf(dim: number[], annotations: string): string {
    const parts = dim.flatMap((exp, i) => (exp === 0 ? [] : [exp === 1 ? BASE_UNITS[i] : `${BASE_UNITS[i]}${exp}`]));
    return [...parts, annotations].filter(Boolean).join('.') || '1';
}

export function describeKnownUnits(): string {
    return 'Use a UCUM unit (h, min, d, mL, L, kg, %, Cel) or an alias (°C, degC, hours, days, cells, EU).';
}

/** Formats a canonical duration in seconds the way a process engineer reads it: `2 d 4 h`, `90 min`. */
export function formatDuration(seconds: number): string {
    const units: Array<[string, number]> = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];
    if (seconds === 0) return '0 h';
    const parts: string[] = [];
    let rest = Math.abs(seconds);
    for (const [name, size] of units) {
        const n = Math.floor(rest / size);
        if (n > 0) {
            parts.push(`${n} ${name}`);
            rest -= n * size;
        }
        if (parts.length === 2) break;
    }
    return (seconds < 0 ? '-' : '') + parts.join(' ');
}
