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
    // The UCUM annotation forms too: `{cell}` = `{cells}` = `cell` = `cells`.
    cells: '{cells}', cell: '{cells}', '{cell}': '{cells}',
    copies: '{copies}', copy: '{copies}', '{copy}': '{copies}',
    '{bead}': '{beads}', '{dose}': '{doses}', '{bag}': '{bags}', '{vial}': '{vials}',
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

/** Bare `C` and `F` are UCUM's coulomb and farad, never what a process engineer means. */
const DEGREE_LOOKALIKES: Record<string, string> = { C: '°C', F: '°F' };

function resolveUncached(written: string): ResolvedUnit | UnitError {
    const lookalike = written.split(/[/.]/).find(term => term in DEGREE_LOOKALIKES);
    if (lookalike) {
        const degree = DEGREE_LOOKALIKES[lookalike];
        return { written, message: `'${lookalike}' is the UCUM ${lookalike === 'C' ? 'coulomb' : 'farad'}, not a temperature: did you mean ${degree}? Write ${degree} (or ${lookalike === 'C' ? 'degC' : 'degF'}).` };
    }
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

/** Relative tolerance of `exceeds`: unit conversions in floating point are off by a few ulps. */
const RELATIVE_TOLERANCE = 1e-9;

/**
 * Whether `a` is above `b` by more than rounding: 1.1 h (3960.0000000000005 s) does not exceed
 * 66 min (3960 s). Compare canonical values with this, never with `>`.
 */
export function exceeds(a: number, b: number): boolean {
    return a - b > RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

const DURATION_UNITS: Array<[string, number]> = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];

/**
 * Formats a canonical duration in seconds the way a process engineer reads it: `2 d 4 h`, `90 min`.
 * Rounds to the second first; shows at most `maxParts` parts (the rest is rounded into the last one).
 * Under a second it shows the seconds as a decimal.
 */
export function formatDuration(seconds: number, maxParts = 2): string {
    if (seconds === 0) return '0 h';
    const sign = seconds < 0 ? '-' : '';
    const whole = Math.round(Math.abs(seconds));
    if (whole === 0) return `${sign}${Number(Math.abs(seconds).toPrecision(3))} s`;
    // Find the first part, then round the remainder to the smallest unit shown.
    const first = DURATION_UNITS.findIndex(([, size]) => whole >= size);
    const last = Math.min(first + maxParts - 1, DURATION_UNITS.length - 1);
    let rest = Math.round(whole / DURATION_UNITS[last][1]) * DURATION_UNITS[last][1];
    const parts: string[] = [];
    for (let i = 0; i <= last; i++) {
        const [name, size] = DURATION_UNITS[i];
        const n = Math.floor(rest / size);
        if (n > 0) {
            parts.push(`${n} ${name}`);
            rest -= n * size;
        }
    }
    return sign + parts.join(' ');
}

/**
 * Formats two durations for one message so that different durations never read the same:
 * more parts when needed, exact seconds as a last resort.
 */
export function formatDurations(a: number, b: number): [string, string] {
    for (let parts = 2; parts <= DURATION_UNITS.length; parts++) {
        const pair: [string, string] = [formatDuration(a, parts), formatDuration(b, parts)];
        if (pair[0] !== pair[1] || a === b) return pair;
    }
    return [`${a} s`, `${b} s`];
}
