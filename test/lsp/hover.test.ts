/**
 * Hover over the real protocol, on a copy of the examples workspace: every keyword of the grammar
 * is documented, and hover shows that documentation where the keyword stands (by the meaning it has
 * there); every kind of reference shows its declaration summed up; quantities show what they stand
 * for, durations in two units; a comment above a declaration comes first.
 */
import { AstUtils, GrammarAST } from 'langium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoverRequest } from 'vscode-languageserver-protocol';
import { CoilGrammar } from '../../language/src/generated/grammar.js';
import { KEYWORD_DOCS, KEYWORD_DOCS_IN_RULE, keywordDoc } from '../../language/src/lsp/keywords.js';
import { positionOf, startLsp, type LspSession } from './harness.js';

const FRESH = 'autologous-fresh.coil';
/** Keywords that only group or separate (braces, commas): nothing to explain. */
const PUNCTUATION = new Set(['{', '}', ',']);

let lsp: LspSession;
let fresh: string;

beforeAll(async () => {
    lsp = await startLsp();
    fresh = (await lsp.open(FRESH)).text;
    await lsp.diagnosticsFor(lsp.uriOf(FRESH), d => d.length === 0);
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

/** The rules of the grammar that use each keyword (the Word rule, where keywords are names, aside). */
function grammarKeywords(): Map<string, Set<string>> {
    const keywords = new Map<string, Set<string>>();
    for (const rule of CoilGrammar().rules.filter(GrammarAST.isParserRule)) {
        if (rule.name === 'Word') continue;
        for (const node of AstUtils.streamAllContents(rule).filter(GrammarAST.isKeyword)) {
            keywords.set(node.value, (keywords.get(node.value) ?? new Set()).add(rule.name));
        }
    }
    return keywords;
}

/** The hover text at `needle` (its first occurrence, or the `occurrence`-th) moved on by `offset`, in `text` of `file`. */
async function hoverAt(needle: string, offset = 0, { text = fresh, file = FRESH, occurrence = 0 } = {}): Promise<string> {
    const result = await lsp.client.sendRequest(HoverRequest.type, { textDocument: { uri: lsp.uriOf(file) }, position: positionOf(text, needle, offset, occurrence) });
    const contents = result?.contents;
    return typeof contents === 'object' && contents !== null && 'value' in contents ? contents.value : '';
}

/** Replaces the example's text and waits until the server has validated it. */
async function settle(text: string): Promise<void> {
    const uri = lsp.uriOf(FRESH);
    const before = lsp.published.get(uri)?.length ?? 0;
    await lsp.change(uri, text);
    await lsp.diagnosticsFor(uri, () => (lsp.published.get(uri)?.length ?? 0) > before);
}

describe('keyword documentation', () => {
    it('documents every keyword of the grammar', () => {
        const keywords = [...grammarKeywords().keys()].filter(k => !PUNCTUATION.has(k));
        expect(keywords.length).toBeGreaterThan(120);
        expect(keywords.filter(k => !KEYWORD_DOCS[k]?.trim()), 'keywords without documentation').toEqual([]);
        expect(Object.keys(KEYWORD_DOCS).filter(k => !keywords.includes(k)), 'documentation of words that are not keywords').toEqual([]);
    });

    it('documents a keyword by rule only where the rule uses it', () => {
        const keywords = grammarKeywords();
        const stale = Object.keys(KEYWORD_DOCS_IN_RULE).filter(key => {
            const [rule, keyword] = key.split(' ');
            return !keywords.get(keyword)?.has(rule);
        });
        expect(stale).toEqual([]);
    });

    const SAMPLE: Array<{ needle: string; offset?: number; occurrence?: number; keyword: string; rule: string; says: RegExp }> = [
        { needle: '  hold Apheresis', offset: 2, keyword: 'hold', rule: 'Hold', says: /wait between two events/ },
        { needle: '    hold batch', offset: 4, keyword: 'hold', rule: 'HoldBatch', says: /whole batch stops/ },
        { needle: '  identity isbt128', offset: 2, keyword: 'identity', rule: 'IdentityField', says: /ISBT 128/ },
        { needle: 'verify identity of Apheresis', offset: 'verify '.length, keyword: 'identity', rule: 'IdentityCheck', says: /refuses a mismatch/ },
        { needle: 'verified by another', keyword: 'verified', rule: 'Step', says: /21 CFR 211\.188/ },
        { needle: 'sign sender', keyword: 'sign', rule: 'TransferSignature', says: /chain-of-custody/ },
        { needle: 'sign performer', keyword: 'sign', rule: 'Signature', says: /Part 11/ },
        { needle: 'pending_allowed', keyword: 'pending_allowed', rule: 'QcTest', says: /negative to date/ },
        { needle: 'quarantine Apheresis', keyword: 'quarantine', rule: 'Quarantine', says: /may not be used/ },
        { needle: 'release DrugProduct by', keyword: 'release', rule: 'Release', says: /shipped for infusion/ },
        { needle: 'options release, reject', offset: 'options '.length, keyword: 'release', rule: 'DispositionOption', says: /no longer stands in the way/ },
        { needle: 'severity critical', offset: 'severity '.length, keyword: 'critical', rule: 'Severity', says: /always blocks release/ },
        { needle: 'vein_to_vein', keyword: 'vein_to_vein', rule: 'BudgetField', says: /collection \(vein\) to infusion/ },
        { needle: '2 °C .. 8 °C', offset: '2 °C '.length, keyword: '..', rule: 'TwoSidedRange', says: /both included/ },
    ];

    for (const { needle, offset = 0, occurrence = 0, keyword, rule, says } of SAMPLE) {
        it(`explains '${keyword}' where it stands in ${rule}`, async () => {
            const hover = await hoverAt(needle, offset + 1, { occurrence });
            expect(hover).toContain(`**${keyword}**`);
            expect(hover).toContain(keywordDoc(keyword, rule));
            expect(hover).toMatch(says);
        });
    }

    it('shows what a keyword names where it is used as a name (a choice called fail)', async () => {
        const hover = await hoverAt('choice pass, fail', 'choice pass, f'.length);
        expect(hover).toContain('**choice fail**');
        expect(hover).toContain('A choice of `freeze_profile`');
        expect(hover).not.toContain(keywordDoc('fail', 'QcTest'));
    });
});

describe('references', () => {
    const REFERENCES: Array<{ kind: string; needle: string; offset: number; file?: string; shows: string[] }> = [
        { kind: 'role', needle: 'by Operator verified', offset: 'by '.length, shows: ['**role Operator** — Manufacturing operator', 'Requires: GMPBasics (GMP fundamentals), AsepticProcessing'] },
        { kind: 'material', needle: 'produces Apheresis', offset: 'produces '.length, shows: ['**material Apheresis**', 'Storage: 2 °C .. 8 °C', 'Stable outside storage for 72 h (3 d)'] },
        { kind: 'step', needle: 'from Collect.end', offset: 'from '.length, shows: ['**step Collect** — Leukapheresis', 'At: CollectionCentre.ApheresisBay', 'By: ApheresisNurse', 'Duration: 3 h .. 6 h (180 min .. 360 min)'] },
        { kind: 'step with a verifier', needle: 'decide YieldCheck on Expand', offset: 'decide YieldCheck on '.length, shows: ['**step Expand**', 'Duration: 7 d .. 10 d (168 h .. 240 h)'] },
        { kind: 'transfer', needle: 'dispatch ShipApheresis reading', offset: 'dispatch '.length, shows: ['**transfer ShipApheresis**', 'Apheresis from CollectionCentre to Plant.Receipt, carried by Courier', 'Within: 30 h (1.25 d)', 'Keep: 2 °C .. 8 °C'] },
        { kind: 'assay', needle: 'test Sterility', offset: 'test '.length, shows: ['**assay Sterility**', 'Turnaround: 14 d (2 wk)', 'Result: choice no_growth, growth'] },
        { kind: 'site', needle: 'from CollectionCentre to', offset: 'from '.length, shows: ['**site CollectionCentre** — St. Elsewhere Apheresis Unit', 'room ApheresisBay'] },
        { kind: 'room', needle: 'Plant.SuiteA', offset: 'Plant.'.length, shows: ['**room SuiteA** — Manufacturing suite A', 'grade B'] },
        { kind: 'equipment', needle: 'equipment Prodigy', offset: 'equipment '.length, shows: ['**equipment Prodigy** — CliniMACS Prodigy'] },
        { kind: 'deviation', needle: 'raise HoldExceeded', offset: 'raise '.length, shows: ['**deviation HoldExceeded** — Apheresis hold time exceeded', 'disposition by QAReviewer options continue, reject'] },
        { kind: 'QC plan', needle: 'requires qc ReleaseTesting', offset: 'requires qc '.length, shows: ['**qc ReleaseTesting**', 'test Sterility expect no_growth'] },
        { kind: 'recorded value', needle: 'Expand.viable_cells', offset: 'Expand.'.length, shows: ['**record viable_cells** — Viable cells at day 7', '>= 1.2e9 cells'] },
        { kind: 'choice', needle: 'expect pass', offset: 'expect '.length, shows: ['**choice pass**', 'recorded in step Cryopreserve: pass, fail', 'Expected: pass'] },
        { kind: 'qualification', needle: 'requires GMPBasics, AsepticProcessing', offset: 'requires '.length, file: 'library/roles.coil', shows: ['**qualification GMPBasics** — GMP fundamentals'] },
    ];

    for (const { kind, needle, offset, file, shows } of REFERENCES) {
        it(`sums up a ${kind} it refers to`, async () => {
            const text = file ? (await lsp.open(file)).text : fresh;
            const hover = await hoverAt(needle, offset + 1, { text, file: file ?? FRESH });
            for (const line of shows) expect(hover).toContain(line);
        });
    }

    it('puts the documentation comment above a declaration first', async () => {
        const commented = fresh.replace('  deviation HoldExceeded', '  /** Opened by the courier desk; see SOP-QA-017. */\n  deviation HoldExceeded');
        await settle(commented);
        const hover = await hoverAt('raise HoldExceeded', 'raise '.length + 1, { text: commented });
        expect(hover.indexOf('Opened by the courier desk; see SOP-QA-017.')).toBe(0);
        expect(hover).toContain('---');
        expect(hover).toContain('**deviation HoldExceeded**');
        await settle(fresh);
    });
});

describe('quantities', () => {
    it('shows a hold with its limits, the duration in two units', async () => {
        const hover = await hoverAt('  hold Apheresis', 3);
        for (const line of ['Apheresis waits from Collect.end to Select.start', 'At most 48 h (2 d)', 'Stored at 2 °C .. 8 °C', 'On breach: raises HoldExceeded']) {
            expect(hover).toContain(line);
        }
    });

    const QUANTITIES: Array<{ needle: string; offset: number; shows: string[]; replace?: [string, string] }> = [
        { needle: 'max 48 h', offset: 'max '.length, shows: ['**Hold maximum**: 48 h (2 d)', 'Unit `h`: a duration.'] },
        { needle: 'duration 3 h .. 6 h', offset: 'duration 3 h .. '.length, shows: ['**Step duration**: 3 h .. 6 h (180 min .. 360 min)'] },
        { needle: 'within 35 d', offset: 'within '.length, shows: ['**Vein-to-vein budget**: 35 d (5 wk)'] },
        { needle: 'at 4 h record Collect.volume', offset: 'at '.length, shows: ['**Time since the batch started**: 4 h (240 min)'] },
        { needle: 'within 30 h on late', offset: 'within 30 '.length, shows: ['**Transport time limit**: 30 h (1.25 d)'] },
        { needle: 'within 36 h on late', offset: 'within '.length, shows: ['36 h (1.5 d)'], replace: ['within 30 h on late', 'within 36 h on late'] },
        { needle: 'keep 2 °C .. 8 °C', offset: 'keep '.length, shows: ['**Transport temperature**: 2 °C .. 8 °C', 'Unit `°C` (UCUM `Cel`): a temperature.'] },
        { needle: 'reading 41 °F', offset: 'reading '.length, shows: ['**Temperature reading**: 41 °F (5 °C)'], replace: ['reading 5 °C', 'reading 41 °F'] },
        // An end in an unknown unit is shown as written, and the other end is not converted: there is nothing to compare it with.
        { needle: 'keep 2 foo .. 46 °F', offset: 'keep 2 foo .. '.length, shows: ['**Transport temperature**: 2 foo .. 46 °F\n'], replace: ['keep 2 °C .. 8 °C', 'keep 2 foo .. 46 °F'] },
        { needle: 'expect < 5 EU/kg', offset: 'expect < '.length, shows: ['**Specification**: < 5 EU/kg', 'UCUM `{EU}/kg`'] },
        { needle: 'in 0.2e6 cells/kg', offset: 'in '.length, shows: ['**Acceptance range**: 0.2e6 cells/kg .. 2e6 cells/kg'] },
        { needle: 'in kg', offset: 'in '.length, shows: ['**Unit recorded in**: kg', 'Unit `kg`: a mass.'], replace: ['record collected_at "Collection end" datetime', 'record weight "Patient weight" in kg'] },
    ];

    for (const { needle, offset, shows, replace } of QUANTITIES) {
        it(`shows ${needle.split(' ').slice(0, 3).join(' ')} as ${shows[0]}`, async () => {
            const text = replace ? fresh.replace(...replace) : fresh;
            if (replace) await settle(text);
            const hover = await hoverAt(needle, offset, { text });
            for (const line of shows) expect(hover).toContain(line);
            if (replace) await settle(fresh);
        });
    }
});
