/**
 * Inlay hints over the real protocol, on examples/autologous-fresh.coil: durations shown in hours,
 * and each step's and transfer's earliest start and end from batch start. The expected times are
 * worked out by hand from the example below, not taken from the compiler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    DidChangeWatchedFilesNotification, FileChangeType, InlayHintRefreshRequest, InlayHintRequest,
    type InlayHint, type Position, type Range,
} from 'vscode-languageserver-protocol';
import { CAPABILITIES, positionOf, startLsp, type LspSession } from './harness.js';

let lsp: LspSession;
let fresh: { uri: string; text: string };

beforeAll(async () => {
    lsp = await startLsp();
    fresh = await lsp.open('autologous-fresh.coil');
    await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

/** Runs `action` (an open or a change of `uri`), then waits until the server has checked `uri` again. */
async function checkedAfter(session: LspSession, uri: string, action: () => Promise<unknown>): Promise<void> {
    const published = session.published.get(uri)?.length ?? 0;
    await action();
    await expect.poll(() => session.published.get(uri)?.length ?? 0, { timeout: 30_000 }).toBeGreaterThan(published);
}

const label = (hint: InlayHint) => (typeof hint.label === 'string' ? hint.label : hint.label.map(p => p.value).join(''));

async function hints(range?: Range): Promise<InlayHint[]> {
    const lines = fresh.text.split('\n').length;
    const all = { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } };
    return (await lsp.client.sendRequest(InlayHintRequest.type, { textDocument: { uri: fresh.uri }, range: range ?? all })) ?? [];
}

/** The hints at the end of `needle` (its first occurrence, or the `occurrence`-th) in `text`. */
function after(all: InlayHint[], text: string, needle: string, occurrence = 0): string[] {
    const at: Position = positionOf(text, needle, needle.length, occurrence);
    return all.filter(h => h.position.line === at.line && h.position.character === at.character).map(label);
}

/** The hint that ends the header line of `header` (a step or transfer): its earliest times. */
function timesOf(all: InlayHint[], text: string, header: string): string[] {
    const line = positionOf(text, header).line;
    const brace = text.split('\n')[line].lastIndexOf('{') + 1;
    return all.filter(h => h.position.line === line && h.position.character === brace).map(label);
}

// The fastest way through AutologousFresh, from the minimum of each duration (hours from batch start):
//   Collect        3 h ..                        0 -> 3
//   ShipApheresis  a transfer takes no minimum:  3
//   Select         1 d = 24 h                   3 -> 27   (the hold Collect.end -> Select.start has a max only)
//   Transduce      1 d                         27 -> 51
//   Expand         7 d = 168 h                 51 -> 219  (YieldCheck continues on the fastest way)
//   Formulate      4 h                        219 -> 223
//   Cryopreserve   2 h                        223 -> 225
//   release waits for QC sampled at Formulate's end (223 h): VCN and Potency take 2 d, Sterility
//   may be pending, so release is at 223 + 48 = 271 h
//   ShipProduct    after release:             271
//   Infuse         30 min = 0.5 h             271 -> 271.5
const EARLIEST: Array<[string, string]> = [
    ['step Collect', 'T+0 h → T+3 h'],
    ['transfer ShipApheresis', 'T+3 h'],
    ['step Select', 'T+3 h → T+27 h'],
    ['step Transduce', 'T+27 h → T+51 h'],
    ['step Expand', 'T+51 h → T+219 h'],
    ['step Formulate', 'T+219 h → T+223 h'],
    ['step Cryopreserve', 'T+223 h → T+225 h'],
    ['transfer ShipProduct', 'T+271 h'],
    ['step Infuse', 'T+271 h → T+271.5 h'],
];

describe('inlay hints', () => {
    it('shows a duration not written in hours in hours', async () => {
        const all = await hints();
        expect(after(all, fresh.text, 'duration 1 d')).toEqual(['= 24 h']);
        expect(after(all, fresh.text, 'duration 1 d .. 2 d')).toEqual(['= 48 h']);
        expect(after(all, fresh.text, 'duration 7 d')).toEqual(['= 168 h']);
        expect(after(all, fresh.text, 'duration 30 min')).toEqual(['= 0.5 h']);
        expect(after(all, fresh.text, 'vein_to_vein within 35 d')).toEqual(['= 840 h']);
        expect(after(all, fresh.text, 'within 5 d')).toEqual(['= 120 h']);
        // Already in hours, or not a duration: nothing.
        expect(after(all, fresh.text, 'duration 3 h')).toEqual([]);
        expect(after(all, fresh.text, 'max 48 h')).toEqual([]);
        expect(after(all, fresh.text, 'in 100 mL')).toEqual([]);
        expect(after(all, fresh.text, 'at 4 h')).toEqual([]);
        expect(all.filter(h => label(h).startsWith('=') || label(h).startsWith('≈')).every(h => h.paddingLeft)).toBe(true);
    });

    it('rounds a duration that has no short value in hours, and says so', async () => {
        const text = fresh.text.replace('duration 30 min .. 3 h', 'duration 100 min .. 3 h').replace('duration 2 h .. 4 h', 'duration 30 s .. 4 h');
        await lsp.change(fresh.uri, text);
        const all = (await lsp.client.sendRequest(InlayHintRequest.type, { textDocument: { uri: fresh.uri }, range: { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } } }))!;
        expect(after(all, text, 'duration 100 min')).toEqual(['≈ 1.67 h']);
        expect(after(all, text, 'duration 30 s')).toEqual(['≈ 0.0083 h']);
        await lsp.change(fresh.uri, fresh.text);
    });

    it('shows each step\'s and transfer\'s earliest start and end from batch start', async () => {
        const all = await hints();
        for (const [header, times] of EARLIEST) expect(timesOf(all, fresh.text, header), header).toEqual([times]);
        const infuse = all.find(h => label(h) === 'T+271 h → T+271.5 h')!;
        expect(infuse.tooltip).toContain('Earliest start 11 d 7 h after batch start');
        expect(infuse.tooltip).toContain('fastest way through AutologousFresh');
        // Decisions and holds are no activities: nine hints of times, one per step or transfer.
        expect(all.filter(h => label(h).startsWith('T+'))).toHaveLength(EARLIEST.length);
    });

    it('follows an edit: a longer expansion moves every later step', async () => {
        const longer = fresh.text.replace('duration 7 d .. 10 d', 'duration 8 d .. 10 d');
        await lsp.change(fresh.uri, longer);
        const all = (await lsp.client.sendRequest(InlayHintRequest.type, { textDocument: { uri: fresh.uri }, range: { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } } }))!;
        expect(timesOf(all, longer, 'step Expand')).toEqual(['T+51 h → T+243 h']);
        expect(timesOf(all, longer, 'step Formulate')).toEqual(['T+243 h → T+247 h']);
        expect(timesOf(all, longer, 'step Infuse')).toEqual(['T+295 h → T+295.5 h']);
        await lsp.change(fresh.uri, fresh.text);
        await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
    });

    it('follows an edit of the shared library: longer release tests delay the shipment', async () => {
        let assays = { uri: lsp.uriOf('library/assays.coil'), text: '' };
        await checkedAfter(lsp, assays.uri, async () => {
            assays = await lsp.open('library/assays.coil');
        });
        const slower = assays.text.replace('method "ddPCR"\n  turnaround 2 d', 'method "ddPCR"\n  turnaround 3 d')
            .replace('turnaround 2 d\n  result quantity in pg/mL', 'turnaround 3 d\n  result quantity in pg/mL');
        expect(slower).not.toBe(assays.text);
        await checkedAfter(lsp, assays.uri, () => lsp.change(assays.uri, slower));
        // VCN and Potency now take 3 d: release at 223 + 72 = 295 h.
        expect(timesOf(await hints(), fresh.text, 'transfer ShipProduct')).toEqual(['T+295 h']);
        expect(timesOf(await hints(), fresh.text, 'step Infuse')).toEqual(['T+295 h → T+295.5 h']);
        await checkedAfter(lsp, assays.uri, () => lsp.change(assays.uri, assays.text));
        expect(timesOf(await hints(), fresh.text, 'transfer ShipProduct')).toEqual(['T+271 h']);
    });

    it('answers for the visible range only', async () => {
        const start = positionOf(fresh.text, '  step Expand');
        const range = { start, end: { line: start.line + 3, character: 0 } };
        const visible = await hints(range);
        expect(visible.map(label).sort()).toEqual(['= 168 h', '= 240 h', 'T+51 h → T+219 h']);
        expect(visible.every(h => h.position.line >= range.start.line && h.position.line <= range.end.line)).toBe(true);
    });

    it('gives no times for a process whose references do not resolve, and does not fail', async () => {
        const broken = fresh.text.replace('by Operator {', 'by Operatorr {');
        await lsp.change(fresh.uri, broken);
        await lsp.diagnosticsFor(fresh.uri, d => d.some(x => x.message.includes("No role named 'Operatorr'")));
        const all = await hints();
        expect(all.filter(h => label(h).startsWith('T+'))).toEqual([]);
        // A duration is still a duration.
        expect(after(all, broken, 'duration 7 d')).toEqual(['= 168 h']);
    });

    it('gives no times where the text does not parse, and does not fail', async () => {
        const cut = fresh.text.slice(0, fresh.text.indexOf('  step Expand') + '  step Expand "Expansion" at Plant.SuiteA by Operator {\n    duration 7 d ..'.length);
        await lsp.change(fresh.uri, cut);
        await lsp.diagnosticsFor(fresh.uri, d => d.some(x => x.severity === 1));
        const all = await hints();
        expect(all.filter(h => label(h).startsWith('T+'))).toEqual([]);
        expect(after(all, cut, 'duration 1 d')).toEqual(['= 24 h']);
        await lsp.change(fresh.uri, fresh.text);
        await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
    });
});

describe('inlay hint refresh', () => {
    it('asks the client to refresh when a shared file changes the processes that use it, not on every edit', async () => {
        const session = await startLsp({ capabilities: { ...CAPABILITIES, workspace: { ...CAPABILITIES.workspace, inlayHint: { refreshSupport: true } } } });
        try {
            let refreshes = 0;
            session.client.onRequest(InlayHintRefreshRequest.type, () => {
                refreshes++;
                return null;
            });
            // Opening a process checks the whole workspace; its first refresh comes before the diagnostics.
            const uri = session.uriOf('autologous-fresh.coil');
            let process = { uri, text: '' };
            await checkedAfter(session, uri, async () => {
                process = await session.open('autologous-fresh.coil');
            });
            // The editor shows the process's hints.
            const range = { start: { line: 0, character: 0 }, end: { line: 999, character: 0 } };
            expect(await session.client.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range })).not.toEqual([]);
            const settled = refreshes;
            // Editing the process is followed by the editor asking again: no refresh.
            await checkedAfter(session, uri, () => session.change(uri, process.text.replace('duration 7 d .. 10 d', 'duration 8 d .. 10 d')));
            expect(refreshes).toBe(settled);
            // A slower assay in the library moves the process's release: the editor is asked to refresh.
            const assays = path.join(session.workspace, 'library/assays.coil');
            fs.writeFileSync(assays, fs.readFileSync(assays, 'utf8').replace('method "ddPCR"\n  turnaround 2 d', 'method "ddPCR"\n  turnaround 3 d'));
            await session.client.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: session.uriOf('library/assays.coil'), type: FileChangeType.Changed }] });
            await expect.poll(() => refreshes, { timeout: 20_000 }).toBeGreaterThan(settled);
        } finally {
            await session.stop();
        }
    });
});
