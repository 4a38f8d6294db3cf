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
    // Singular and plural mean the same count: `copies/cell` and `1 cell .. 5 cells` must agree.
    cells: '{cells}', cell: '{cells}',
    copies: '{copies}', copy: '{copies}',
    beads: '{beads}', bead: '{beads}', doses: '{doses}', dose: '{doses}', bags: '{bags}', bag: '{bags}',
    vials: '{vials}', vial: '{vials}',
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
    // In a rate such as °C/min the degree is a temperature difference, which UCUM writes in K.
    const compound = /[/.]/.test(written);
    return written.replace(/[^/.]+/g, term => (compound && CELSIUS.has(term) ? 'K' : TERM_ALIASES[term] ?? term));
}

const CELSIUS = new Set(['°C', 'degC', 'celsius', 'Cel']);

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
    const annotations = signedTerms(code, /^\{.*\}$/);
    const arbitrary = unit.isArbitrary_ ? signedTerms(code, /^\[.*\]$/) : '';
    const key = `${dim.join(',')}|${annotations}${arbitrary}`;
    const kind: QuantityKind = isOnly(dim, 1) && !annotations ? 'duration' : isOnly(dim, 4) && !annotations ? 'temperature' : 'other';
    const description = kind === 'duration' ? 'a duration'
        : kind === 'temperature' ? 'a temperature'
        : /^\{[^}]*\}$/.test(code) ? `a count of ${code}`
        // ucum-lhc names a compound unit after its first term (pg/mL "mass"): describe those by their code.
        : !/[/.]/.test(code) && PROPERTY_WORDS[unit.property_] ? PROPERTY_WORDS[unit.property_]
        : `a quantity in ${written}`;
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

/**
 * The terms of a unit code that match `pattern`, each with the side of the fraction it is on:
 * `{copies}/{cell}` gives `+{copies}-{cell}`. UCUM's `/` and `.` are left-associative.
 */
function signedTerms(code: string, pattern: RegExp): string {
    const terms: string[] = [];
    const parts = code.split(/([/.])/);
    for (let i = 0; i < parts.length; i += 2) {
        const sign = i === 0 || parts[i - 1] === '.' ? '+' : '-';
        if (pattern.test(parts[i])) terms.push(sign + parts[i]);
    }
    return terms.sort().join('');
}

function isOnly(dim: number[], index: number): boolean {
    return dim.every((d, i) => (i === index ? d === 1 : d === 0));
}

// UCUM's base units, in the order of ucum-lhc's dimension vector.
const BASE_UNITS = ['m', 's', 'g', 'rad', 'K', 'C', 'cd'];

function baseUnitOf(dim: number[], annotations: string): string {
    const parts = dim.flatMap((exp, i) => (exp === 0 ? [] : [exp === 1 ? BASE_UNITS[i] : `${BASE_UNITS[i]}${exp}`]));
    const over = (annotations.match(/[+-]\{[^}]*\}/g) ?? []);
    const numerator = [...parts, ...over.filter(a => a[0] === '+').map(a => a.slice(1))].join('.') || '1';
    const denominator = over.filter(a => a[0] === '-').map(a => `/${a.slice(1)}`).join('');
    return numerator + denominator;
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
