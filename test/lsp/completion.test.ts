/**
 * Completion over the real protocol, on a copy of the examples workspace: the keywords and names in
 * scope at each kind of place (and no noise where any word may stand), the units that fit where a
 * quantity is due, and snippets for a step, a transfer, a hold and a deviation that parse and link
 * as inserted. Each case edits autologous-fresh.coil, puts the cursor at ‸ and waits until the
 * server has built the edited text before asking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CompletionItemKind, CompletionRequest, DiagnosticSeverity, InsertTextFormat,
    type CompletionItem, type CompletionList, type Diagnostic, type TextEdit,
} from 'vscode-languageserver-protocol';
import type { Code } from '@coil/language';
import { ANALYSIS_CODES } from '@coil/compiler';
import { isUnitError, resolveUnit } from '@coil/language/units';
import { applyEdits, CAPABILITIES, positionOf, startLsp, type LspSession } from './harness.js';

const FRESH = 'autologous-fresh.coil';
const CURSOR = '‸';

let lsp: LspSession;
let original: string;

beforeAll(async () => {
    lsp = await startLsp();
    original = (await lsp.open(FRESH)).text;
    await lsp.diagnosticsFor(lsp.uriOf(FRESH), d => d.length === 0);
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

// ---------------------------------------------------------------------------------------------
// Helpers.

/** Replaces a file's text and resolves with the diagnostics the server publishes for that text. */
async function settle(text: string, { session = lsp, file = FRESH } = {}): Promise<Diagnostic[]> {
    const target = session.uriOf(file);
    const before = session.published.get(target)?.length ?? 0;
    await session.change(target, text);
    return session.diagnosticsFor(target, () => (session.published.get(target)?.length ?? 0) > before);
}

/** The example with `from` replaced by `to`, which holds the cursor ‸. */
function edited(from: string, to: string, text = original): string {
    expect(text, `'${from}' in the example`).toContain(from);
    return text.replace(from, to);
}

/** The completion items at ‸ in `withCursor`, once the server has built that text. */
async function completeAt(withCursor: string, where: { session?: LspSession; file?: string } = {}): Promise<{ items: CompletionItem[]; text: string }> {
    const { session = lsp, file = FRESH } = where;
    const text = withCursor.replace(CURSOR, '');
    await settle(text, where);
    const position = positionOf(withCursor, CURSOR);
    const result = await session.client.sendRequest(CompletionRequest.type, { textDocument: { uri: session.uriOf(file) }, position });
    const items = (Array.isArray(result) ? result : (result as CompletionList | null)?.items ?? []) as CompletionItem[];
    return { items, text };
}

const labels = (items: CompletionItem[]) => items.map(i => i.label);

/** `text` with the item applied (its text edit, or its label at the cursor). */
function accept(text: string, item: CompletionItem, expand: (s: string) => string = s => s): string {
    const edit = item.textEdit as TextEdit;
    return applyEdits(text, [{ ...edit, newText: expand(edit.newText) }]);
}

/** A snippet with every placeholder at its default: `${1:Name}` -> Name, `${2|a,b|}` -> a, `$0` -> ''. */
function withDefaults(snippet: string): string {
    return snippet.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1').replace(/\$\d+/g, '');
}

/** The example with the cursor where a process element may start (before its hold). */
const processMember = () => edited('\n  hold Apheresis from', `\n  ${CURSOR}\n  hold Apheresis from`);

// ---------------------------------------------------------------------------------------------

describe('keywords and names in scope', () => {
    it('offers the declarations a process may hold, and only the header fields it does not have yet', async () => {
        const { items } = await completeAt(processMember().replace('  effective "2026-12-01"\n', ''));
        const keywords = labels(items.filter(i => i.kind === CompletionItemKind.Keyword));
        expect(keywords).toEqual(expect.arrayContaining(['step', 'transfer', 'parallel', 'decide', 'hold', 'qc', 'release', 'deviation', 'scenario', 'effective']));
        expect(keywords).not.toContain('version');
        expect(keywords).not.toContain('vein_to_vein');
    });

    const REFERENCES: Array<{ place: string; from: string; to: string; type: string; expected: string[]; absent?: string[] }> = [
        { place: 'the performer of a step', from: 'by ApheresisNurse {', to: `by ${CURSOR} {`, type: 'Role', expected: ['ApheresisNurse', 'Operator', 'QAReviewer'] },
        { place: 'the site of a step', from: 'at CollectionCentre.ApheresisBay', to: `at ${CURSOR}`, type: 'Site', expected: ['CollectionCentre', 'Plant', 'TreatmentCentre'] },
        { place: 'a room of the site', from: 'at CollectionCentre.ApheresisBay', to: `at CollectionCentre.${CURSOR}`, type: 'Room', expected: ['ApheresisBay', 'CryoLab'], absent: ['SuiteA'] },
        { place: 'equipment of the step\'s site', from: 'equipment Spectra', to: `equipment ${CURSOR}`, type: 'Equipment', expected: ['Spectra', 'SiteFreezer'], absent: ['Prodigy'] },
        { place: 'a material produced', from: 'produces Apheresis\n', to: `produces ${CURSOR}\n`, type: 'Material', expected: ['Apheresis', 'DrugProduct', 'LentiviralVector'] },
        { place: 'an assay tested', from: 'test Mycoplasma', to: `test ${CURSOR}`, type: 'Assay', expected: ['Sterility', 'Mycoplasma', 'Endotoxin'] },
        { place: 'a deviation raised', from: 'raise HoldExceeded', to: `raise ${CURSOR}`, type: 'Deviation', expected: ['HoldExceeded', 'IdentityMismatch', 'LowYield'] },
        { place: 'a step reworked', from: 'rework Expand at most 1 times\n    disposition', to: `rework ${CURSOR} at most 1 times\n    disposition`, type: 'Step', expected: ['Collect', 'Expand', 'Infuse'], absent: ['ShipApheresis'] },
        { place: 'a step expected in a scenario', from: 'expect step Select running', to: `expect step ${CURSOR}`, type: 'Step', expected: ['Select', 'Formulate'] },
        { place: 'a transfer dispatched', from: 'at 5 h dispatch ShipApheresis reading 5 °C\n    at 24 h', to: `at 5 h dispatch ${CURSOR}\n    at 24 h`, type: 'Transfer', expected: ['ShipApheresis', 'ShipProduct'] },
        { place: 'a parameter decided on', from: 'on Expand.viable_cells', to: `on Expand.${CURSOR}`, type: 'Parameter', expected: ['viable_cells', 'day5_car'], absent: ['volume'] },
    ];

    for (const { place, from, to, type, expected, absent = [] } of REFERENCES) {
        it(`offers only the ${type.toLowerCase()}s in scope as ${place}`, async () => {
            const { items } = await completeAt(edited(from, to));
            expect(labels(items)).toEqual(expect.arrayContaining(expected));
            for (const name of absent) expect(labels(items)).not.toContain(name);
            expect(items.filter(i => i.detail !== type), 'nothing but the names in scope').toEqual([]);
        });
    }

    it('asks the editor to complete after a dot: a room of a site, an event of a step, a value it records', () => {
        expect(lsp.initialized.capabilities.completionProvider?.triggerCharacters).toContain('.');
    });

    it('shows each name\'s title beside it', async () => {
        const { items } = await completeAt(edited('by ApheresisNurse {', `by ${CURSOR} {`));
        expect(items.find(i => i.label === 'Operator')?.labelDetails?.description).toBe('Manufacturing operator');
        expect(items.find(i => i.label === 'QAReviewer')?.labelDetails?.description).toBe('QA reviewer');
    });

    it('offers the qualifications a role may require, in the shared library', async () => {
        const file = 'library/roles.coil';
        const roles = (await lsp.open(file)).text;
        const { items } = await completeAt(edited('requires ColdChain', `requires ${CURSOR}`, roles), { file });
        await settle(roles, { file });
        expect(labels(items)).toEqual(expect.arrayContaining(['GMPBasics', 'ColdChain', 'QAReleaser']));
        expect(items.filter(i => i.detail !== 'Qualification')).toEqual([]);
    });

    it('stays quiet where any word may stand: the name of a recorded value or a choice', async () => {
        expect((await completeAt(edited('record volume', `record ${CURSOR}`))).items).toEqual([]);
        expect((await completeAt(edited('choice one, two', `choice ${CURSOR}`))).items).toEqual([]);
    });

    it('offers the events of the activity a hold names: a step starts and ends, a transfer is dispatched and received', async () => {
        expect(labels((await completeAt(edited('from Collect.end', `from Collect.${CURSOR}`))).items).sort()).toEqual(['end', 'start']);
        expect(labels((await completeAt(edited('from Collect.end', `from ShipApheresis.${CURSOR}`))).items).sort()).toEqual(['dispatch', 'receipt']);
    });

    it('offers a step\'s performer, verifier and roles as its signers, not a transfer\'s sender or receiver', async () => {
        const { items } = await completeAt(edited('sign performer "Collected by"', `sign ${CURSOR} "Collected by"`));
        expect(labels(items)).toEqual(expect.arrayContaining(['performer', 'verifier', 'Operator']));
        expect(labels(items)).not.toContain('sender');
        expect(labels(items)).not.toContain('receiver');
    });
});

describe('units where a quantity is due', () => {
    const UNITS: Array<{ place: string; from: string; to: string; kind?: 'duration' | 'temperature'; exactly?: string[]; includes?: string[] }> = [
        { place: 'a hold maximum', from: 'max 48 h at', to: `max 48 ${CURSOR} at`, kind: 'duration', includes: ['h', 'min', 'd'] },
        { place: 'a transfer time limit', from: 'within 30 h on late', to: `within 30 ${CURSOR} on late`, kind: 'duration', includes: ['h'] },
        { place: 'a scenario time', from: 'at 4 h record Collect.volume', to: `at 4 ${CURSOR} record Collect.volume`, kind: 'duration', includes: ['h', 'd'] },
        { place: 'a transport temperature', from: 'keep 2 °C .. 8 °C on excursion raise TemperatureExcursion\n    verify identity at dispatch, receipt on mismatch raise IdentityMismatch\n    sign sender ApheresisNurse', to: `keep 2 ${CURSOR}\n    verify identity at dispatch, receipt on mismatch raise IdentityMismatch\n    sign sender ApheresisNurse`, kind: 'temperature', includes: ['°C'] },
        { place: 'a temperature reading at dispatch', from: 'at 5 h dispatch ShipApheresis reading 5 °C\n    at 24 h', to: `at 5 h dispatch ShipApheresis reading 5 ${CURSOR}\n    at 24 h`, kind: 'temperature', includes: ['°C', '°F'] },
        { place: 'the upper end of a volume range', from: 'in 100 mL .. 400 mL', to: `in 100 mL .. 400 ${CURSOR}`, exactly: ['L', 'mL', 'uL'] },
        { place: 'an endotoxin specification (the assay reports EU/kg)', from: 'expect < 5 EU/kg', to: `expect < 5 ${CURSOR}`, exactly: ['EU/kg'] },
        { place: 'a vector copy number specification', from: 'expect <= 5 copies/cell', to: `expect <= 5 ${CURSOR}`, exactly: ['copies/cell'] },
        { place: 'a decision on a cell count', from: 'when < 1.2e9 cells rework', to: `when < 1.2e9 ${CURSOR} rework`, exactly: ['cells'] },
        { place: 'a recorded volume in a scenario', from: 'Collect.volume = 250 mL', to: `Collect.volume = 250 ${CURSOR}`, exactly: ['L', 'mL', 'uL'] },
    ];

    for (const { place, from, to, kind, exactly, includes } of UNITS) {
        it(`offers the units that fit ${place}`, async () => {
            const { items } = await completeAt(edited(from, to));
            expect(items.length, 'some units').toBeGreaterThan(0);
            if (exactly) expect(labels(items).sort()).toEqual(exactly);
            if (includes) expect(labels(items)).toEqual(expect.arrayContaining(includes));
            for (const item of items) {
                expect(item.kind, item.label).toBe(CompletionItemKind.Unit);
                expect(item.detail, item.label).toMatch(/\S/);
                const unit = resolveUnit(item.label);
                expect(isUnitError(unit), item.label).toBe(false);
                if (kind && !isUnitError(unit)) expect(unit.kind, item.label).toBe(kind);
            }
        });
    }

    it('answers overlapping requests each for its own place (an editor does not wait for one answer to ask again)', async () => {
        const places = [UNITS[0], UNITS[5], UNITS[6], UNITS[7], UNITS[8]];
        let withCursors = original;
        for (const { from, to } of places) withCursors = edited(from, to, withCursors);
        const text = withCursors.split(CURSOR).join('');
        await settle(text);
        const uri = lsp.uriOf(FRESH);
        // The cursors in the order they stand in the text.
        const positions = places.map((_, i) => positionOf(`${withCursors.split(CURSOR).slice(0, i + 1).join('')}${CURSOR}`, CURSOR));
        const ask = (position: { line: number; character: number }) => lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position })
            .then(result => labels((Array.isArray(result) ? result : (result as CompletionList | null)?.items ?? []) as CompletionItem[]).sort());
        const alone: string[][] = [];
        for (const position of positions) alone.push(await ask(position));
        expect(alone).toEqual(expect.arrayContaining([['EU/kg'], ['copies/cell'], ['cells'], ['L', 'mL', 'uL']]));
        for (let round = 0; round < 10; round++) {
            const together = await Promise.all([...positions, ...positions].map(ask));
            expect(together).toEqual([...alone, ...alone]);
        }
    });

    it('names each unit by what it measures: a duration in hours, °C as UCUM Cel', async () => {
        const durations = (await completeAt(edited('max 48 h at', `max 48 ${CURSOR} at`))).items;
        expect(durations.find(i => i.label === 'h')?.detail).toBe('duration: hours');
        expect(durations.find(i => i.label === 'min')?.detail).toBe('duration: minutes');
        expect(durations.some(i => i.kind === CompletionItemKind.Keyword), 'min as a unit, not as the keyword').toBe(false);
        const temperatures = (await completeAt(edited('keep 2 °C .. 8 °C on', `keep 2 °C .. 8 ${CURSOR} on`))).items;
        expect(temperatures.find(i => i.label === '°C')?.detail).toContain('UCUM Cel');
    });

    it('completes a unit typed right after its number with a space between, and the rest of a compound unit', async () => {
        const tight = await completeAt(edited('max 48 h at', `max 48${CURSOR} at`));
        expect(accept(tight.text, tight.items.find(i => i.label === 'h')!)).toContain('max 48 h at');
        const compound = await completeAt(edited('expect < 5 EU/kg', `expect < 5 EU/${CURSOR}`));
        expect(compound.items.length).toBe(1);
        expect(accept(compound.text, compound.items[0])).toContain('expect < 5 EU/kg\n');
    });
});

describe('a file of many declarations', () => {
    // Completion reads from the declaration around the cursor: after a process, inside a later
    // declaration, and after the last one, it must offer what reading from the top would.
    const file = 'processes-and-materials.coil';
    const material = `material CultureMedium "Culture medium" {\n  origin reagent\n  storage 2 ${CURSOR}\n}\n`;
    const process = () => original.replace('process AutologousFresh ', 'process AutologousFreshVariant ');

    it('offers units inside a declaration that follows a process', async () => {
        const withCursor = `${process()}\n${material}`;
        await lsp.open(file, withCursor.replace(CURSOR, ''));
        const { items } = await completeAt(withCursor, { file });
        expect(labels(items)).toEqual(expect.arrayContaining(['°C', '°F']));
        expect(items.every(i => i.kind === CompletionItemKind.Unit)).toBe(true);
    });

    it('offers the declarations of a file after its last one', async () => {
        const { items } = await completeAt(`${process()}\n${material.replace(CURSOR, '°C .. 8 °C')}\n${CURSOR}`, { file });
        expect(labels(items).sort()).toEqual(['assay', 'material', 'process', 'qualification', 'role', 'site']);
    });
});

describe('snippets', () => {
    const SNIPPETS = ['step', 'transfer', 'hold', 'deviation'];

    it('offers a step, a transfer, a hold and a deviation where a process element may start', async () => {
        const { items } = await completeAt(processMember());
        const snippets = items.filter(i => i.kind === CompletionItemKind.Snippet);
        expect(labels(snippets).sort()).toEqual([...SNIPPETS].sort());
        for (const snippet of snippets) {
            expect(snippet.insertTextFormat, snippet.label).toBe(InsertTextFormat.Snippet);
            expect(snippet.detail, snippet.label).toMatch(/\S/);
        }
    });

    it('offers none where the keyword starts no declaration (a release condition, a deviation action)', async () => {
        const condition = await completeAt(edited('requires step Cryopreserve complete', `requires ${CURSOR}`));
        expect(labels(condition.items)).toContain('step');
        expect(condition.items.filter(i => i.kind === CompletionItemKind.Snippet)).toEqual([]);
        const action = await completeAt(edited('    hold batch\n', `    ${CURSOR}\n`));
        expect(labels(action.items)).toContain('hold');
        expect(action.items.filter(i => i.kind === CompletionItemKind.Snippet)).toEqual([]);
    });

    for (const name of SNIPPETS) {
        it(`inserts a ${name} that, with its placeholders' defaults, parses and links`, async () => {
            const { items, text } = await completeAt(processMember());
            const snippet = items.find(i => i.kind === CompletionItemKind.Snippet && i.label === name)!;
            const inserted = accept(text, snippet, withDefaults);
            expect(inserted).toContain(`\n  ${name} `);
            const diagnostics = await settle(inserted);
            // The whole-process analyses judge where the new declaration stands in the flow (a transfer
            // from the collection centre after the material left it breaks custody), not its text.
            const errors = diagnostics.filter(d => d.severity === DiagnosticSeverity.Error && !ANALYSIS_CODES.has(d.code as Code));
            expect(errors.map(d => `${d.code}: ${d.message}`)).toEqual([]);
        });
    }

    it('is not offered to a client without snippet support', async () => {
        const plain = await startLsp({ capabilities: { ...CAPABILITIES, textDocument: { ...CAPABILITIES.textDocument, completion: {} } } });
        try {
            await plain.open(FRESH);
            const { items } = await completeAt(processMember(), { session: plain });
            expect(labels(items)).toContain('step');
            expect(items.filter(i => i.kind === CompletionItemKind.Snippet)).toEqual([]);
        } finally {
            await plain.stop();
        }
    });
});
