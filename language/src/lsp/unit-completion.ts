/**
 * The units completion offers where a quantity is due: those a process engineer writes in a batch
 * record (UCUM codes and Coil's friendly aliases), each checked by the units module, and filtered
 * to the ones that fit the place: a hold limit offers durations, a transport range temperatures,
 * a QC specification the units its assay's result converts to.
 */
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import { isUnitError, resolveUnit, type ResolvedUnit } from '../units/index.js';
import type { UnitExpectation } from './quantity-places.js';

interface CatalogueUnit {
    readonly written: string;
    readonly name: string;
    /** What it measures, as the detail of the completion item. */
    readonly measures: string;
}

const unit = (measures: string) => (written: string, name: string): CatalogueUnit => ({ written, name, measures });
const time = unit('duration');
const temperature = unit('temperature');
const volume = unit('volume');
const mass = unit('mass');
const count = unit('count');
const concentration = unit('concentration');
const dose = unit('dose per body weight');

/** In the order they are offered: the most used first within each kind. */
const CATALOGUE: readonly CatalogueUnit[] = [
    time('h', 'hours'), time('min', 'minutes'), time('d', 'days'), time('wk', 'weeks'), time('s', 'seconds'),
    temperature('°C', 'degrees Celsius (UCUM Cel)'), temperature('°F', 'degrees Fahrenheit (UCUM [degF])'), temperature('K', 'kelvin'),
    volume('mL', 'millilitres'), volume('L', 'litres'), volume('uL', 'microlitres'),
    mass('kg', 'kilograms'), mass('g', 'grams'), mass('mg', 'milligrams'), mass('ug', 'micrograms'),
    unit('fraction')('%', 'percent'),
    count('cells', 'cells (UCUM {cells})'), count('copies', 'copies (UCUM {copies})'), count('bags', 'bags (UCUM {bags})'),
    count('vials', 'vials (UCUM {vials})'), count('doses', 'doses (UCUM {doses})'), count('beads', 'beads (UCUM {beads})'),
    dose('cells/kg', 'cells per kilogram of body weight'), dose('EU/kg', 'endotoxin units per kilogram of body weight'),
    concentration('cells/mL', 'cells per millilitre'), concentration('EU/mL', 'endotoxin units per millilitre'),
    concentration('pg/mL', 'picograms per millilitre'), concentration('ng/mL', 'nanograms per millilitre'),
    concentration('mg/mL', 'milligrams per millilitre'), concentration('g/L', 'grams per litre'),
    unit('vector copy number')('copies/cell', 'vector copies per cell'),
    unit('osmolality')('mosm/kg', 'milliosmoles per kilogram'),
    unit('acidity')('[pH]', 'pH'),
    unit('flow rate')('mL/min', 'millilitres per minute'),
    unit('cooling rate')('°C/min', 'degrees Celsius per minute (a temperature difference: UCUM K/min)'),
];

/** Terms that may follow a `/` or `.`, for units not in the catalogue (`{beads}/` + `cell`). */
const TERMS = ['kg', 'g', 'mL', 'L', 'uL', 'min', 'h', 'd', 'cell', 'cells', 'copies', 'bags', 'vials', 'doses', 'beads'];

/** Sort texts keep the catalogue's order (and the expected unit first) whatever the client sorts by. */
const sortText = (index: number) => `0${String(index).padStart(3, '0')}`;

/**
 * The unit items for a place that `expects` a unit, after `written` (the start of a compound unit
 * already typed, `EU/`, or ''). Labels are what remains to be typed after `written`.
 */
export function unitItems(expects: UnitExpectation, written: string): CompletionItem[] {
    const candidates = new Map<string, CatalogueUnit>();
    if ('unit' in expects) candidates.set(expects.unit.written, uncatalogued(expects.unit.written));
    for (const u of CATALOGUE) candidates.set(u.written, u);
    if (/[/.]$/.test(written)) for (const term of TERMS) candidates.set(written + term, uncatalogued(written + term));
    const items: CompletionItem[] = [];
    for (const candidate of candidates.values()) {
        if (!candidate.written.startsWith(written) || candidate.written === written) continue;
        const resolved = resolveUnit(candidate.written);
        if (isUnitError(resolved) || !fits(resolved, expects)) continue;
        items.push(unitItem(candidate, resolved, written, items.length));
    }
    return items;
}

function fits(unit: ResolvedUnit, expects: UnitExpectation): boolean {
    if ('kind' in expects) return unit.kind === expects.kind;
    if ('unit' in expects) return unit.key === expects.unit.key;
    return true;
}

/** A unit not in the catalogue (an assay's result unit, say, or a compound): the units module describes it. */
function uncatalogued(written: string): CatalogueUnit {
    return { written, name: written, measures: '' };
}

function unitItem(candidate: CatalogueUnit, resolved: ResolvedUnit, written: string, index: number): CompletionItem {
    const measures = candidate.measures || resolved.description.replace(/^an? /, '');
    return {
        label: candidate.written.slice(written.length),
        kind: CompletionItemKind.Unit,
        detail: candidate.name === candidate.written ? measures : `${measures}: ${candidate.name}`,
        documentation: { kind: 'markdown', value: `UCUM \`${resolved.ucum}\` (${resolved.description})` },
        sortText: sortText(index),
    };
}
