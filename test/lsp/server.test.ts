/**
 * `coil lsp --stdio` over the real protocol: a JSON-RPC client spawns the server, opens a process
 * of a copied examples workspace, and checks diagnostics (the language's and the analyses'),
 * completion, go to definition, document symbols, and a clean shutdown.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CompletionRequest, DefinitionRequest, HoverRequest, DocumentSymbolRequest,
    type CompletionItem, type CompletionList, type Diagnostic, type DocumentSymbol, type Location, type LocationLink,
} from 'vscode-languageserver-protocol';
import { positionOf, startLsp, type LspSession } from './harness.js';

let lsp: LspSession;
let fresh: { uri: string; text: string };

beforeAll(async () => {
    lsp = await startLsp();
    expect(lsp.initialized.capabilities.completionProvider).toBeDefined();
    expect(lsp.initialized.capabilities.definitionProvider).toBeTruthy();
    fresh = { uri: lsp.uriOf('autologous-fresh.coil'), text: '' };
    fresh.text = fs.readFileSync(new URL(fresh.uri), 'utf8');
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

describe('coil lsp --stdio', () => {
    it('publishes the language\'s diagnostics with their codes, and clears them when fixed', async () => {
        const broken = fresh.text.replace('on out_of_range raise LowPurity\n', 'on out_of_range raise LowPurityy\n');
        await lsp.open('autologous-fresh.coil', broken);
        const diagnostics = await lsp.diagnosticsFor(fresh.uri, d => d.length > 0);
        const unknown = diagnostics.find(d => d.code === 'COIL-D001');
        expect(unknown, JSON.stringify(diagnostics)).toBeDefined();
        expect(unknown!.message).toContain("Did you mean 'LowPurity'?");
        expect(unknown!.range.start).toEqual(positionOf(broken, 'LowPurityy'));
        // The code links to where it is documented.
        const href = unknown!.codeDescription?.href ?? '';
        expect(href).toMatch(/^file:.*\/docs\/diagnostics\.md#coil-d001$/);
        expect(fs.readFileSync(new URL(href.split('#')[0]), 'utf8')).toContain('### COIL-D001');
        await lsp.change(fresh.uri, fresh.text);
        expect(await lsp.diagnosticsFor(fresh.uri, d => d.length === 0)).toEqual([]);
    });

    it('publishes the compiler\'s whole-process analyses too', async () => {
        const squeezed = fresh.text.replace('vein_to_vein within 35 d', 'vein_to_vein within 10 d');
        await lsp.change(fresh.uri, squeezed);
        const diagnostics = await lsp.diagnosticsFor(fresh.uri, d => d.some(x => x.code === 'COIL-T006'));
        expect(diagnostics.find(d => d.code === 'COIL-T006')!.message).toContain('Even the fastest way through AutologousFresh');
        await lsp.change(fresh.uri, fresh.text);
        await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
    });

    it('reports each process\'s analyses right when one process of a file is edited (the others\' findings are reused)', async () => {
        const named = (name: string) => fresh.text.replace('process AutologousFresh ', `process ${name} `);
        const squeeze = (t: string) => t.replace('vein_to_vein within 35 d', 'vein_to_vein within 10 d');
        const budget = (d: Diagnostic[]) => d.filter(x => x.code === 'COIL-T006').map(x => /through (\w+)/.exec(x.message)?.[1]);
        const text = (a: string, b: string) => `${a}\n${b}`;
        const pair = await lsp.open('pair.coil', text(named('FreshA'), squeeze(named('FreshB'))));
        expect(budget(await lsp.diagnosticsFor(pair.uri, d => budget(d).length > 0))).toEqual(['FreshB']);
        // Lines added above both: FreshB's reused finding moves with it.
        const shifted = `// one\n// two\n${text(named('FreshA'), squeeze(named('FreshB')))}`;
        await lsp.change(pair.uri, shifted);
        const budgetLine = shifted.split('\n').findIndex(l => l.includes('within 10 d'));
        const moved = await lsp.diagnosticsFor(pair.uri, d => d.some(x => x.code === 'COIL-T006' && x.range.start.line === budgetLine));
        expect(moved.filter(x => x.code === 'COIL-T006').map(x => x.range.start.line)).toEqual([budgetLine]);
        // The other way round: FreshA is re-analysed, FreshB's finding goes.
        await lsp.change(pair.uri, text(squeeze(named('FreshA')), named('FreshB')));
        expect(budget(await lsp.diagnosticsFor(pair.uri, d => budget(d).includes('FreshA')))).toEqual(['FreshA']);
        await lsp.change(pair.uri, text(named('FreshA'), named('FreshB')));
        expect(await lsp.diagnosticsFor(pair.uri, d => d.length === 0)).toEqual([]);
    });

    it('completes the deviations in scope where one is raised', async () => {
        const at = positionOf(fresh.text, 'raise LowPurity', 'raise '.length);
        const result = await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: fresh.uri }, position: at });
        const items = (Array.isArray(result) ? result : (result as CompletionList | null)?.items ?? []) as CompletionItem[];
        const labels = items.map(i => i.label);
        expect(labels).toContain('LowPurity');
        expect(labels).toContain('HoldExceeded');
    });

    it('goes to a material declared in the shared library', async () => {
        const at = positionOf(fresh.text, 'produces Apheresis', 'produces '.length + 2);
        const result = await lsp.client.sendRequest(DefinitionRequest.type, { textDocument: { uri: fresh.uri }, position: at });
        const targets = (Array.isArray(result) ? result : result ? [result] : []) as Array<Location | LocationLink>;
        const uris = targets.map(t => ('targetUri' in t ? t.targetUri : t.uri));
        expect(uris.some(u => u.endsWith('/library/materials.coil')), JSON.stringify(targets)).toBe(true);
    });

    it('shows a role\'s qualifications, a material\'s storage and a deviation\'s declaration on hover', async () => {
        const hover = async (needle: string, offset: number) => {
            const result = await lsp.client.sendRequest(HoverRequest.type, { textDocument: { uri: fresh.uri }, position: positionOf(fresh.text, needle, offset) });
            const contents = result?.contents;
            return typeof contents === 'object' && contents !== null && 'value' in contents ? contents.value : JSON.stringify(contents);
        };
        const role = await hover('by Operator verified', 'by '.length + 1);
        expect(role).toContain('**role Operator**');
        expect(role).toMatch(/Requires: .*GMP/);
        const material = await hover('produces Apheresis', 'produces '.length + 1);
        expect(material).toContain('**material Apheresis**');
        expect(material).toMatch(/Storage: 2 °C \.\. 8 °C/);
        const deviation = await hover('raise HoldExceeded', 'raise '.length + 1);
        expect(deviation).toContain('**deviation HoldExceeded**');
        expect(deviation).toContain('disposition by QAReviewer options continue, reject');
    });

    it('outlines the process with its steps', async () => {
        const symbols = (await lsp.client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: fresh.uri } })) as DocumentSymbol[];
        const process = symbols.find(s => s.name === 'AutologousFresh');
        expect(process, JSON.stringify(symbols.map(s => s.name))).toBeDefined();
        expect(process!.children?.map(c => c.name)).toEqual(expect.arrayContaining(['Collect', 'ShipApheresis', 'Select', 'Infuse']));
    });

    it('shuts down and exits cleanly when asked', async () => {
        expect(await lsp.stop()).toBe(0);
    });
});
