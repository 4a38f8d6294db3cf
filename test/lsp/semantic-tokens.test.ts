/**
 * Semantic highlighting over the real protocol: the tokens of an example process are decoded with
 * the server's legend and checked at known places: declarations against uses, by kind; uses of the
 * shared library; quantities, units and durations; operators, and the words the grammar reads as
 * names or keywords where the other would be right.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    SemanticTokensRangeRequest, SemanticTokensRequest,
    type Range, type SemanticTokens, type SemanticTokensLegend,
} from 'vscode-languageserver-protocol';
import { positionOf, startLsp, type LspSession } from './harness.js';

interface Token {
    line: number;
    character: number;
    length: number;
    type: string;
    modifiers: string[];
}

let lsp: LspSession;
let legend: SemanticTokensLegend;
let fresh: { uri: string; text: string };
let tokens: Token[];

beforeAll(async () => {
    lsp = await startLsp();
    const provider = lsp.initialized.capabilities.semanticTokensProvider;
    expect(provider?.range).toBe(true);
    legend = provider!.legend;
    fresh = await lsp.open('autologous-fresh.coil');
    await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
    tokens = decode(await lsp.client.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: fresh.uri } }));
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

/** The relative encoding of LSP semantic tokens, undone with the legend. */
function decode(result: SemanticTokens | null): Token[] {
    const data = result?.data ?? [];
    const decoded: Token[] = [];
    let line = 0;
    let character = 0;
    for (let i = 0; i < data.length; i += 5) {
        line += data[i];
        character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
        const modifiers = legend.tokenModifiers.filter((_, bit) => (data[i + 4] & (1 << bit)) !== 0);
        decoded.push({ line, character, length: data[i + 2], type: legend.tokenTypes[data[i + 3]], modifiers });
    }
    return decoded;
}

/** The token covering `needle` (moved on by `offset`) in `text`, with the text it covers. */
function tokenAt(all: Token[], text: string, needle: string, offset = 0, occurrence = 0): Token & { text: string } {
    const at = positionOf(text, needle, offset, occurrence);
    const token = all.find(t => t.line === at.line && t.character <= at.character && at.character < t.character + t.length);
    expect(token, `a token at ${needle} + ${offset}`).toBeDefined();
    return { ...token!, text: text.split('\n')[token!.line].slice(token!.character, token!.character + token!.length) };
}

const at = (needle: string, offset = 0, occurrence = 0) => tokenAt(tokens, fresh.text, needle, offset, occurrence);

describe('semantic tokens', () => {
    it('declares a legend with the standard types and a duration modifier', () => {
        expect(legend.tokenTypes).toEqual(expect.arrayContaining(['namespace', 'class', 'variable', 'function', 'method', 'event', 'number', 'type', 'operator', 'keyword']));
        expect(legend.tokenModifiers).toEqual(expect.arrayContaining(['declaration', 'defaultLibrary', 'duration']));
    });

    it('marks declarations by kind', () => {
        expect(at('process AutologousFresh', 'process '.length)).toMatchObject({ text: 'AutologousFresh', type: 'namespace', modifiers: ['declaration'] });
        expect(at('step Collect', 'step '.length)).toMatchObject({ text: 'Collect', type: 'function', modifiers: ['declaration'] });
        expect(at('transfer ShipApheresis', 'transfer '.length)).toMatchObject({ text: 'ShipApheresis', type: 'method', modifiers: ['declaration'] });
        expect(at('deviation HoldExceeded', 'deviation '.length)).toMatchObject({ text: 'HoldExceeded', type: 'event', modifiers: ['declaration'] });
        expect(at('qc ReleaseTesting', 'qc '.length)).toMatchObject({ text: 'ReleaseTesting', type: 'enum', modifiers: ['declaration'] });
        expect(at('record cd3_cells', 'record '.length)).toMatchObject({ text: 'cd3_cells', type: 'parameter', modifiers: ['declaration'] });
        expect(at('choice pass, fail', 'choice '.length)).toMatchObject({ text: 'pass', type: 'enumMember', modifiers: ['declaration'] });
    });

    it('marks uses by what they name, uses of the shared library as such', () => {
        expect(at('by ApheresisNurse', 'by '.length)).toMatchObject({ text: 'ApheresisNurse', type: 'class', modifiers: ['defaultLibrary'] });
        expect(at('at CollectionCentre.ApheresisBay', 'at '.length)).toMatchObject({ text: 'CollectionCentre', type: 'struct', modifiers: ['defaultLibrary'] });
        expect(at('CollectionCentre.ApheresisBay', 'CollectionCentre.'.length)).toMatchObject({ text: 'ApheresisBay', type: 'struct', modifiers: ['defaultLibrary'] });
        expect(at('produces Apheresis', 'produces '.length)).toMatchObject({ text: 'Apheresis', type: 'variable', modifiers: ['defaultLibrary'] });
        expect(at('equipment Spectra', 'equipment '.length)).toMatchObject({ text: 'Spectra', type: 'property', modifiers: ['defaultLibrary'] });
        expect(at('test Sterility', 'test '.length)).toMatchObject({ text: 'Sterility', type: 'interface', modifiers: ['defaultLibrary'] });
        expect(at('expect no_growth', 'expect '.length)).toMatchObject({ text: 'no_growth', type: 'enumMember', modifiers: ['defaultLibrary'] });
        // Declared in this file: no modifier.
        expect(at('raise HoldExceeded', 'raise '.length)).toMatchObject({ text: 'HoldExceeded', type: 'event', modifiers: [] });
        expect(at('Collect.end', 0)).toMatchObject({ text: 'Collect', type: 'function', modifiers: [] });
        expect(at('dispatch ShipApheresis', 'dispatch '.length)).toMatchObject({ text: 'ShipApheresis', type: 'method', modifiers: [] });
        expect(at('record Collect.volume', 'record Collect.'.length)).toMatchObject({ text: 'volume', type: 'parameter', modifiers: [] });
        expect(at('expect pass', 'expect '.length)).toMatchObject({ text: 'pass', type: 'enumMember', modifiers: [] });
        expect(at('requires qc ReleaseTesting', 'requires qc '.length)).toMatchObject({ text: 'ReleaseTesting', type: 'enum' });
    });

    it('shows a quantity\'s number and unit, durations marked, and the operators of ranges', () => {
        expect(at('duration 3 h .. 6 h', 'duration '.length)).toMatchObject({ text: '3', type: 'number', modifiers: ['duration'] });
        expect(at('duration 3 h .. 6 h', 'duration 3 '.length)).toMatchObject({ text: 'h', type: 'type', modifiers: ['duration'] });
        expect(at('duration 3 h .. 6 h', 'duration 3 h '.length)).toMatchObject({ text: '..', type: 'operator' });
        expect(at('in 100 mL', 'in '.length)).toMatchObject({ text: '100', type: 'number', modifiers: [] });
        expect(at('in 100 mL', 'in 100 '.length)).toMatchObject({ text: 'mL', type: 'type', modifiers: [] });
        expect(at('in 0.2e6 cells/kg', 'in 0.2e6 '.length)).toMatchObject({ text: 'cells/kg', type: 'type' });
        expect(at('>= 70 %', 0)).toMatchObject({ text: '>=', type: 'operator' });
        expect(at('version 3.1.0', 'version '.length)).toMatchObject({ text: '3.1.0', type: 'number' });
        expect(at('produces 1 x DrugProduct', 'produces '.length)).toMatchObject({ text: '1', type: 'number' });
        expect(at('produces 1 x DrugProduct', 'produces 1 '.length)).toMatchObject({ text: 'x', type: 'operator' });
        expect(at('at most 1 times', 'at most '.length)).toMatchObject({ text: '1', type: 'number' });
    });

    it('treats the unit min as a unit, and an identifier format as a keyword', () => {
        expect(at('duration 30 min', 'duration 30 '.length)).toMatchObject({ text: 'min', type: 'type', modifiers: ['duration'] });
        expect(at('identity isbt128', 'identity '.length)).toMatchObject({ text: 'isbt128', type: 'keyword' });
    });

    it('leaves keywords and titles to the grammar', () => {
        const on = (needle: string) => tokens.some(t => {
            const p = positionOf(fresh.text, needle);
            return t.line === p.line && t.character === p.character;
        });
        expect(on('step Collect')).toBe(false);
        expect(on('"Leukapheresis"')).toBe(false);
        expect(on('verified by another')).toBe(false);
    });

    it('colours the shared library too: qualifications, rooms and their grades', async () => {
        const roles = await lsp.open('library/roles.coil');
        const sites = await lsp.open('library/sites.coil');
        await lsp.diagnosticsFor(sites.uri, d => d.length === 0);
        const inRoles = decode(await lsp.client.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: roles.uri } }));
        expect(tokenAt(inRoles, roles.text, 'qualification GMPBasics', 'qualification '.length)).toMatchObject({ type: 'decorator', modifiers: ['declaration'] });
        expect(tokenAt(inRoles, roles.text, 'role Courier "Specialist courier" requires ColdChain', 'role Courier "Specialist courier" requires '.length)).toMatchObject({ text: 'ColdChain', type: 'decorator', modifiers: [] });
        const inSites = decode(await lsp.client.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: sites.uri } }));
        expect(tokenAt(inSites, sites.text, 'room SuiteA', 'room '.length)).toMatchObject({ type: 'struct', modifiers: ['declaration'] });
        expect(tokenAt(inSites, sites.text, 'grade B', 'grade '.length)).toMatchObject({ text: 'B', type: 'keyword' });
        expect(tokenAt(inSites, sites.text, 'storage ColdRoom', 'storage '.length)).toMatchObject({ type: 'property', modifiers: ['declaration'] });
    });

    it('colours a keyword used as a parameter name as the parameter it is', async () => {
        const text = fresh.text.replace(/\bvolume\b/g, 'duration');
        await lsp.change(fresh.uri, text);
        await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
        const changed = decode(await lsp.client.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: fresh.uri } }));
        expect(tokenAt(changed, text, 'record duration', 'record '.length)).toMatchObject({ text: 'duration', type: 'parameter', modifiers: ['declaration'] });
        expect(tokenAt(changed, text, 'record Collect.duration', 'record Collect.'.length)).toMatchObject({ text: 'duration', type: 'parameter', modifiers: [] });
        await lsp.change(fresh.uri, fresh.text);
        await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
    });

    it('answers for a range with the tokens of that range only', async () => {
        const start = positionOf(fresh.text, '  step Select');
        const range: Range = { start, end: { line: start.line + 10, character: 0 } };
        const inRange = decode(await lsp.client.sendRequest(SemanticTokensRangeRequest.type, { textDocument: { uri: fresh.uri }, range }));
        expect(inRange.length).toBeGreaterThan(10);
        expect(inRange.every(t => t.line >= range.start.line && t.line < range.end.line)).toBe(true);
        expect(inRange).toEqual(tokens.filter(t => t.line >= range.start.line && t.line < range.end.line));
        expect(tokenAt(inRange, fresh.text, 'step Select', 'step '.length)).toMatchObject({ type: 'function', modifiers: ['declaration'] });
    });

    it('highlights a large document quickly', async () => {
        const body = fs.readFileSync(new URL(fresh.uri), 'utf8');
        const steps = Array.from({ length: 400 }, (_, i) => `  step Extra${i} "Extra ${i}" at Plant.SuiteA by Operator {\n    duration 90 min .. 2 h\n    record value${i} "Value" in 1 mL .. 5 mL\n    sign performer "Done"\n  }\n`).join('');
        const big = body.replace('\n  deviation HoldExceeded', `\n${steps}\n  deviation HoldExceeded`);
        expect(big.split('\n').length).toBeGreaterThan(2000);
        const published = lsp.published.get(fresh.uri)?.length ?? 0;
        await lsp.change(fresh.uri, big);
        // Once the document is checked and a first answer given, only the request is timed.
        await expect.poll(() => lsp.published.get(fresh.uri)?.length ?? 0, { timeout: 60_000 }).toBeGreaterThan(published);
        await lsp.client.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: fresh.uri } });
        const started = performance.now();
        const all = decode(await lsp.client.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: fresh.uri } }));
        const ms = performance.now() - started;
        expect(tokenAt(all, big, 'step Extra399', 'step '.length)).toMatchObject({ type: 'function', modifiers: ['declaration'] });
        expect(ms).toBeLessThan(300);
        await lsp.change(fresh.uri, fresh.text);
    });
});
