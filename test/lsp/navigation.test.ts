/**
 * Navigation over the real protocol, on a copy of the examples workspace: go to definition and
 * find references across files (the shared library used by every process), document highlight,
 * rename across files (and the renames refused), the outline, workspace symbols and folding.
 * Expected places are found in the text independently of the server: each word outside strings
 * and comments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    DefinitionRequest, DidChangeWatchedFilesNotification, DocumentHighlightKind, FileChangeType, DocumentHighlightRequest, DocumentSymbolRequest, FoldingRangeKind, FoldingRangeRequest,
    PrepareRenameRequest, ReferencesRequest, RenameRequest, SymbolKind, WorkspaceSymbolRequest,
    type DocumentSymbol, type FileEvent, type FoldingRange, type Location, type LocationLink, type Position, type Range, type TextEdit,
    type WorkspaceEdit, type WorkspaceSymbol,
} from 'vscode-languageserver-protocol';
import { applyEdits, positionOf, startLsp, textIn, type LspSession } from './harness.js';

let lsp: LspSession;
/** The current text of every file of the workspace (relative path -> text), as the server has it. */
const texts = new Map<string, string>();
const opened = new Set<string>();

const FRESH = 'autologous-fresh.coil';
const PROCESSES = ['autologous-fresh.coil', 'autologous-cryo.coil', 'short-cycle.coil', 'allogeneic-nonviral.coil'];

beforeAll(async () => {
    lsp = await startLsp();
    for (const file of coilFiles(lsp.workspace)) texts.set(file, fs.readFileSync(path.join(lsp.workspace, file), 'utf8'));
    await open(FRESH);
    await lsp.diagnosticsFor(lsp.uriOf(FRESH), d => d.length === 0);
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

// ---------------------------------------------------------------------------------------------
// Helpers: the workspace's files, and where a word stands in them (outside strings and comments).

function coilFiles(root: string, dir = ''): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap(entry => {
        const file = path.posix.join(dir, entry.name);
        return entry.isDirectory() ? coilFiles(root, file) : file.endsWith('.coil') ? [file] : [];
    });
}

function fileOf(uri: string): string {
    return path.relative(lsp.workspace, fileURLToPath(uri)).split(path.sep).join('/');
}

async function open(file: string): Promise<void> {
    if (!opened.has(file)) await lsp.open(file, texts.get(file));
    opened.add(file);
}

/** `text` with strings and comments blanked out (same length, same lines). */
function codeOnly(text: string): string {
    return text.replace(/"(\\.|[^"\\\r\n])*"|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, m => m.replace(/[^\n]/g, ' '));
}

/** The ranges of `word`, as a whole word outside strings and comments, in `text`. */
function rangesOf(text: string, word: string): Range[] {
    const code = codeOnly(text);
    const ranges: Range[] = [];
    for (const match of code.matchAll(new RegExp(`(?<![\\w.])${word}\\b`, 'g'))) {
        const before = text.slice(0, match.index).split('\n');
        const start = { line: before.length - 1, character: before.at(-1)!.length };
        ranges.push({ start, end: { line: start.line, character: start.character + word.length } });
    }
    return ranges;
}

const key = (file: string, range: Range) => `${file}:${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;

function at(file: string, needle: string, offset = 0, occurrence = 0): { textDocument: { uri: string }; position: Position } {
    return { textDocument: { uri: lsp.uriOf(file) }, position: positionOf(texts.get(file)!, needle, offset, occurrence) };
}

async function rename(file: string, needle: string, offset: number, newName: string): Promise<WorkspaceEdit> {
    await open(file);
    const edit = await lsp.client.sendRequest(RenameRequest.type, { ...at(file, needle, offset), newName });
    expect(edit).toBeTruthy();
    return edit!;
}

/** The edits of a workspace edit, by workspace file. */
function editsByFile(edit: WorkspaceEdit): Map<string, TextEdit[]> {
    const byFile = new Map<string, TextEdit[]>();
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) byFile.set(fileOf(uri), edits);
    for (const change of edit.documentChanges ?? []) {
        if ('edits' in change) byFile.set(fileOf(change.textDocument.uri), change.edits as TextEdit[]);
    }
    return byFile;
}

/**
 * Applies a workspace edit as an editor does (each changed file open with its new text), then waits
 * until no file has a problem. A changed file counts only once the server has published for its new
 * text: what it published before the edit was clean, and would make a broken edit pass.
 */
async function applyAndCheckClean(edit: WorkspaceEdit): Promise<void> {
    const changed = editsByFile(edit);
    const publishedCount = (file: string) => lsp.published.get(lsp.uriOf(file))?.length ?? 0;
    const before = new Map([...changed.keys()].map(file => [file, publishedCount(file)]));
    for (const [file, edits] of changed) {
        texts.set(file, applyEdits(texts.get(file)!, edits));
        if (opened.has(file)) await lsp.change(lsp.uriOf(file), texts.get(file)!);
        else await open(file);
    }
    for (const file of texts.keys()) {
        const since = before.get(file);
        const clean = (d: unknown[]) => d.length === 0 && (since === undefined || publishedCount(file) > since);
        const diagnostics = await lsp.diagnosticsFor(lsp.uriOf(file), clean).catch(() => lsp.published.get(lsp.uriOf(file))?.at(-1)?.diagnostics);
        expect(diagnostics, `${file}: ${JSON.stringify(diagnostics)}`).toEqual([]);
    }
}

async function renameRefusal(file: string, needle: string, offset: number, newName: string): Promise<string> {
    await open(file);
    const refused = await lsp.client.sendRequest(RenameRequest.type, { ...at(file, needle, offset), newName }).then(() => undefined, (e: Error) => e);
    expect(refused, `renaming to ${newName} is refused`).toBeInstanceOf(Error);
    return refused!.message;
}

function* allSymbols(symbols: DocumentSymbol[] = [], parent?: DocumentSymbol): Generator<{ symbol: DocumentSymbol; parent?: DocumentSymbol }> {
    for (const symbol of symbols) {
        yield { symbol, parent };
        yield* allSymbols(symbol.children, symbol);
    }
}

const contains = (outer: Range, inner: Range) =>
    (outer.start.line < inner.start.line || (outer.start.line === inner.start.line && outer.start.character <= inner.start.character))
    && (outer.end.line > inner.end.line || (outer.end.line === inner.end.line && outer.end.character >= inner.end.character));

async function outline(file: string): Promise<DocumentSymbol[]> {
    await open(file);
    return (await lsp.client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: lsp.uriOf(file) } })) as DocumentSymbol[];
}

// ---------------------------------------------------------------------------------------------

describe('go to definition and find references', () => {
    it('goes from a role used in a step to its declaration in the shared library', async () => {
        const result = await lsp.client.sendRequest(DefinitionRequest.type, at(FRESH, 'by Operator verified', 'by '.length + 3));
        const [target] = (Array.isArray(result) ? result : [result]) as Array<Location | LocationLink>;
        const uri = 'targetUri' in target ? target.targetUri : target.uri;
        const range = 'targetUri' in target ? target.targetSelectionRange : target.range;
        expect(fileOf(uri)).toBe('library/roles.coil');
        expect(range).toEqual(rangesOf(texts.get('library/roles.coil')!, 'Operator')[0]);
    });

    it('goes from a hold\'s event to the step it names, in the same file', async () => {
        const result = await lsp.client.sendRequest(DefinitionRequest.type, at(FRESH, 'to Select.start', 'to '.length + 1));
        const [target] = (Array.isArray(result) ? result : [result]) as LocationLink[];
        expect(fileOf(target.targetUri)).toBe(FRESH);
        expect(textIn(texts.get(FRESH)!, target.targetSelectionRange)).toBe('Select');
        expect(target.targetSelectionRange.start).toEqual(positionOf(texts.get(FRESH)!, 'step Select', 'step '.length));
    });

    it('finds every use of a shared role, in every process of the workspace, and its declaration', async () => {
        const found = await lsp.client.sendRequest(ReferencesRequest.type, { ...at(FRESH, 'by Operator verified', 'by '.length), context: { includeDeclaration: true } });
        const actual = new Set((found ?? []).map(l => key(fileOf(l.uri), l.range)));
        const expected = new Set([...texts].flatMap(([file, text]) => rangesOf(text, 'Operator').map(r => key(file, r))));
        expect(expected.size).toBeGreaterThan(40);
        expect(new Set((found ?? []).map(l => fileOf(l.uri)))).toEqual(new Set([...PROCESSES, 'library/roles.coil']));
        expect(actual).toEqual(expected);
    });

    it('leaves the declaration out when asked to', async () => {
        const found = await lsp.client.sendRequest(ReferencesRequest.type, { ...at(FRESH, 'produces Apheresis', 'produces '.length), context: { includeDeclaration: false } });
        const files = new Set((found ?? []).map(l => fileOf(l.uri)));
        expect(files.has('library/materials.coil')).toBe(false);
        expect(files).toEqual(new Set(['autologous-fresh.coil', 'autologous-cryo.coil', 'short-cycle.coil']));
        expect(found!.length).toBe(PROCESSES.reduce((n, file) => n + rangesOf(texts.get(file)!, 'Apheresis').length, 0));
    });
});

describe('document highlight', () => {
    it('marks a deviation\'s declaration as written and the places that raise or expect it as read', async () => {
        const highlights = await lsp.client.sendRequest(DocumentHighlightRequest.type, at(FRESH, 'raise HoldExceeded', 'raise '.length));
        const text = texts.get(FRESH)!;
        const declaration = positionOf(text, 'deviation HoldExceeded', 'deviation '.length);
        expect(highlights?.map(h => key(FRESH, h.range)).sort()).toEqual(rangesOf(text, 'HoldExceeded').map(r => key(FRESH, r)).sort());
        for (const h of highlights ?? []) {
            const isDeclaration = h.range.start.line === declaration.line && h.range.start.character === declaration.character;
            expect(h.kind, JSON.stringify(h.range)).toBe(isDeclaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read);
        }
        expect(highlights?.filter(h => h.kind === DocumentHighlightKind.Write)).toHaveLength(1);
    });

    it('marks only the uses of a library material in this file, all as read', async () => {
        const highlights = await lsp.client.sendRequest(DocumentHighlightRequest.type, at(FRESH, 'consumes Apheresis', 'consumes '.length));
        expect(highlights).toHaveLength(rangesOf(texts.get(FRESH)!, 'Apheresis').length);
        expect(highlights?.every(h => h.kind === DocumentHighlightKind.Read)).toBe(true);
    });
});

describe('document and workspace symbols', () => {
    it('outlines a process by its flow, with kinds and titles', async () => {
        const [process] = await outline(FRESH);
        expect(process).toMatchObject({ name: 'AutologousFresh', kind: SymbolKind.Module, detail: 'Autologous anti-CD19 CAR T, fresh apheresis' });
        const child = (name: string) => process.children!.find(c => c.name === name)!;
        expect(child('Collect')).toMatchObject({ kind: SymbolKind.Function, detail: 'Leukapheresis' });
        expect(child('Collect').children!.map(c => c.name)).toEqual(['volume', 'cd3_cells', 'collected_at']);
        expect(child('Collect').children![1]).toMatchObject({ kind: SymbolKind.Field, detail: 'CD3+ cells collected' });
        expect(child('ShipApheresis')).toMatchObject({ kind: SymbolKind.Method });
        expect(child('ShipApheresis').detail).toBe('Courier shipment of the fresh apheresis at 2-8 °C · Apheresis CollectionCentre → Plant.Receipt');
        expect(child('YieldCheck')).toMatchObject({ kind: SymbolKind.Operator, detail: 'on Expand.viable_cells' });
        expect(child('hold Apheresis')).toMatchObject({ kind: SymbolKind.Constant, detail: 'Collect.end → Select.start · max 48 h' });
        expect(child('ReleaseTesting').children!.map(c => c.name)).toEqual(['Sterility', 'GramStain', 'Mycoplasma', 'Endotoxin', 'Viability', 'CARPositive', 'VCN', 'Potency']);
        expect(child('release DrugProduct')).toMatchObject({ kind: SymbolKind.Key, detail: 'by QAReviewer' });
        expect(child('HoldExceeded')).toMatchObject({ kind: SymbolKind.Event, detail: 'Apheresis hold time exceeded · major' });
        expect(child('a mislabelled bag is refused at receipt')).toMatchObject({ kind: SymbolKind.String });
        // In written order.
        const names = process.children!.map(c => c.name);
        expect(names.indexOf('Collect')).toBeLessThan(names.indexOf('ShipApheresis'));
        expect(names.indexOf('Infuse')).toBeLessThan(names.indexOf('HoldExceeded'));
    });

    it('shows parallel branches as phases holding their steps', async () => {
        const [process] = await outline('autologous-cryo.coil');
        const parallel = process.children!.find(c => c.kind === SymbolKind.Package)!;
        expect(parallel.name).toBe('parallel');
        expect(parallel.children!.map(b => b.name)).toEqual(['Logistics', 'Conditioning']);
        expect(parallel.children![0].children!.map(s => [s.name, s.kind])).toEqual([['ShipProduct', SymbolKind.Method]]);
        expect(parallel.children![1].children!.map(s => [s.name, s.kind])).toEqual([['Lymphodeplete', SymbolKind.Function]]);
    });

    it('outlines the shared library: sites with their rooms, roles, qualifications, materials and assays', async () => {
        const sites = await outline('library/sites.coil');
        expect(sites.map(s => s.kind)).toEqual(sites.map(() => SymbolKind.Namespace));
        const plant = sites.find(s => s.name === 'Plant')!;
        expect(plant.children!.find(c => c.name === 'SuiteA')).toMatchObject({ kind: SymbolKind.Struct, detail: 'Manufacturing suite A' });
        expect(plant.children!.find(c => c.name === 'Prodigy')).toMatchObject({ kind: SymbolKind.Object });
        const roles = await outline('library/roles.coil');
        expect(roles.find(s => s.name === 'QAReviewer')).toMatchObject({ kind: SymbolKind.Class, detail: 'QA reviewer' });
        expect(roles.find(s => s.name === 'GMPBasics')).toMatchObject({ kind: SymbolKind.Boolean });
        expect((await outline('library/materials.coil')).every(s => s.kind === SymbolKind.Variable)).toBe(true);
        expect((await outline('library/assays.coil')).every(s => s.kind === SymbolKind.Interface)).toBe(true);
    });

    it('keeps every symbol inside its parent, and its selection inside itself, in every file', async () => {
        for (const file of texts.keys()) {
            for (const { symbol, parent } of allSymbols(await outline(file))) {
                expect(contains(symbol.range, symbol.selectionRange), `${file} ${symbol.name}`).toBe(true);
                if (parent) expect(contains(parent.range, symbol.range), `${file} ${symbol.name} in ${parent.name}`).toBe(true);
                expect(symbol.name.length).toBeGreaterThan(0);
            }
        }
    });

    it('finds declarations of every file by a partial name, with what contains them', async () => {
        const found = (await lsp.client.sendRequest(WorkspaceSymbolRequest.type, { query: 'Apher' })) as WorkspaceSymbol[];
        const summary = found.map(s => `${s.name} ${s.containerName ?? ''} ${fileOf(s.location.uri)}`);
        expect(summary).toEqual(expect.arrayContaining([
            'Apheresis  library/materials.coil',
            'CryoApheresis  library/materials.coil',
            'ShipApheresis AutologousFresh autologous-fresh.coil',
            'FreezeApheresis AutologousCryo autologous-cryo.coil',
        ]));
        const material = found.find(s => s.name === 'Apheresis')!;
        expect(material.kind).toBe(SymbolKind.Variable);
        expect('range' in material.location && textIn(texts.get('library/materials.coil')!, material.location.range)).toBe('Apheresis');
        const expand = (await lsp.client.sendRequest(WorkspaceSymbolRequest.type, { query: 'Expand' })) as WorkspaceSymbol[];
        expect(expand.filter(s => s.name === 'Expand').map(s => s.containerName).sort()).toEqual(['AllogeneicNonViral', 'AutologousCryo', 'AutologousFresh']);
    });
});

describe('folding', () => {
    it('folds each block to its first line, and runs of comments', async () => {
        await open('autologous-cryo.coil');
        const text = texts.get('autologous-cryo.coil')!;
        const ranges = (await lsp.client.sendRequest(FoldingRangeRequest.type, { textDocument: { uri: lsp.uriOf('autologous-cryo.coil') } }))!;
        const lines = text.split('\n');
        const foldAt = (line: number) => ranges.filter(r => r.startLine === line);
        // The file's header: 17 lines of `//`, one fold.
        expect(foldAt(0)).toEqual([expect.objectContaining({ startLine: 0, endLine: 16, kind: FoldingRangeKind.Comment })]);
        // A step folds from its header to the line before its closing brace.
        const collect = positionOf(text, 'step Collect').line;
        const closing = lines.findIndex((l, i) => i > collect && l === '  }');
        expect(foldAt(collect)).toEqual([expect.objectContaining({ endLine: closing - 1 })]);
        // A branch written with braces and the parallel block fold too; each start line folds once.
        expect(foldAt(positionOf(text, 'parallel {').line)).toHaveLength(1);
        expect(foldAt(positionOf(text, 'branch Logistics').line)).toHaveLength(1);
        expect(new Set(ranges.map(r => r.startLine)).size).toBe(ranges.length);
        // A comment after code on its line never folds the code.
        for (const r of ranges.filter((f: FoldingRange) => f.kind === FoldingRangeKind.Comment)) {
            for (let line = r.startLine; line <= r.endLine; line++) expect(lines[line].trim().startsWith('//') || lines[line].trim().startsWith('/*'), lines[line]).toBe(true);
        }
    });
});

describe('rename', () => {
    it('offers the name under the cursor, on a declaration or a use', async () => {
        const text = texts.get(FRESH)!;
        const onUse = await lsp.client.sendRequest(PrepareRenameRequest.type, at(FRESH, 'raise LowPurity', 'raise '.length + 3));
        expect(onUse && 'start' in onUse && textIn(text, onUse)).toBe('LowPurity');
        const onDeclaration = await lsp.client.sendRequest(PrepareRenameRequest.type, at(FRESH, 'step Expand', 'step '.length));
        expect(onDeclaration && 'start' in onDeclaration && textIn(text, onDeclaration)).toBe('Expand');
    });

    it('refuses on a keyword, a title, a number and a comment', async () => {
        for (const [needle, offset] of [['step Expand', 1], ['"Expansion"', 3], ['duration 7 d', 'duration '.length], ['// Autologous', 4]] as const) {
            expect(await lsp.client.sendRequest(PrepareRenameRequest.type, at(FRESH, needle, offset)), needle).toBeNull();
        }
    });

    it('renames a shared role in the library and in every process that uses it; the workspace stays clean', async () => {
        const before = new Map([...texts].map(([file, text]) => [file, rangesOf(text, 'Operator')]));
        const edit = await rename(FRESH, 'by Operator verified', 'by '.length, 'ManufacturingOperator');
        const byFile = editsByFile(edit);
        expect(new Set(byFile.keys())).toEqual(new Set([...PROCESSES, 'library/roles.coil']));
        for (const [file, edits] of byFile) {
            expect(edits.map(e => key(file, e.range)).sort(), file).toEqual(before.get(file)!.map(r => key(file, r)).sort());
            expect(edits.every(e => e.newText === 'ManufacturingOperator')).toBe(true);
        }
        await applyAndCheckClean(edit);
        expect(texts.get('library/roles.coil')).toContain('role ManufacturingOperator "Manufacturing operator"');
        expect(texts.get(FRESH)).toContain('sign sender ManufacturingOperator, receiver Pharmacist');
    });

    it('renames a shared material without touching names that contain it (ShipApheresis, CryoApheresis)', async () => {
        const edit = await rename('library/materials.coil', 'material Apheresis', 'material '.length, 'FreshApheresis');
        expect(new Set(editsByFile(edit).keys())).toEqual(new Set(['library/materials.coil', 'autologous-fresh.coil', 'autologous-cryo.coil', 'short-cycle.coil']));
        await applyAndCheckClean(edit);
        expect(texts.get(FRESH)).toContain('transfer ShipApheresis "Courier shipment of the fresh apheresis at 2-8 °C" of FreshApheresis from');
        expect(texts.get('library/materials.coil')).toContain('material CryoApheresis');
        expect(rangesOf(texts.get(FRESH)!, 'Apheresis')).toEqual([]);
    });

    it('renames a deviation within its process only: other processes keep their own deviation of that name', async () => {
        const others = ['short-cycle.coil', 'allogeneic-nonviral.coil'].map(file => texts.get(file));
        const edit = await rename(FRESH, 'at 53 h expect deviation HoldExceeded', 'at 53 h expect deviation '.length, 'ApheresisHoldExceeded');
        expect([...editsByFile(edit).keys()]).toEqual([FRESH]);
        await applyAndCheckClean(edit);
        expect(rangesOf(texts.get(FRESH)!, 'ApheresisHoldExceeded')).toHaveLength(5);
        expect(['short-cycle.coil', 'allogeneic-nonviral.coil'].map(file => texts.get(file))).toEqual(others);
    });

    it('renames a recorded parameter to a word of the language, which parameters may take', async () => {
        const edit = await rename(FRESH, 'record volume', 'record '.length, 'duration');
        expect(editsByFile(edit).get(FRESH)).toHaveLength(2);
        await applyAndCheckClean(edit);
        expect(texts.get(FRESH)).toContain('at 4 h record Collect.duration = 250 mL');
    });

    it('refuses a name that is taken by the same kind where it is visible, saying by what and where', async () => {
        const role = await renameRefusal(FRESH, 'by Physician', 'by '.length, 'Courier');
        expect(role).toContain("'Courier' is already the name of a role");
        expect(role).toMatch(/line \d+ of library\/roles\.coil/);
        const step = await renameRefusal(FRESH, 'step Select', 'step '.length, 'ShipApheresis');
        const line = positionOf(texts.get(FRESH)!, 'transfer ShipApheresis').line + 1;
        expect(step).toContain(`'ShipApheresis' is already the name of a transfer (line ${line} of this file)`);
        const parameter = await renameRefusal(FRESH, 'record cd3_cells', 'record '.length, 'collected_at');
        expect(parameter).toContain('already the name of a recorded parameter');
        // A step of another process, or a deviation (another name space), is no clash.
        for (const name of ['Thaw', 'LowYield']) {
            const fine = await rename(FRESH, 'step Select', 'step '.length, name);
            expect([...editsByFile(fine).keys()]).toEqual([FRESH]);
        }
    });

    it('refuses a new name that is not a name, or is a word of the language', async () => {
        expect(await renameRefusal(FRESH, 'raise LowYield', 'raise '.length, '2nd_try')).toContain("'2nd_try' is not a valid name for a deviation");
        expect(await renameRefusal(FRESH, 'raise LowYield', 'raise '.length, 'Low Yield')).toContain('is not a valid name');
        const keyword = await renameRefusal(FRESH, 'step Expand', 'step '.length, 'release');
        expect(keyword).toContain("'release' is a word of the Coil language and cannot name a step");
        expect(keyword).toContain("'Release' would do");
    });
});

describe('on a large workspace', () => {
    it('answers a workspace symbol query quickly', async () => {
        // 100 more processes of 20 steps each, written to disk as a checkout or a generator would.
        const created: FileEvent[] = [];
        fs.mkdirSync(path.join(lsp.workspace, 'generated'));
        for (let p = 0; p < 100; p++) {
            const steps = Array.from({ length: 20 }, (_, s) => `  step Stage${p}x${s} "Stage ${s}" {\n    duration 1 h .. 2 h\n  }\n`).join('');
            const file = `generated/process${p}.coil`;
            fs.writeFileSync(path.join(lsp.workspace, file), `process Generated${p} "Generated ${p}" {\n  version 1.0.0\n  product autologous\n  identity isbt128\n  vein_to_vein within 35 d\n${steps}}\n`);
            created.push({ uri: lsp.uriOf(file), type: FileChangeType.Created });
        }
        await lsp.client.sendNotification(DidChangeWatchedFilesNotification.type, { changes: created });
        const query = async (q: string) => {
            const started = performance.now();
            const found = (await lsp.client.sendRequest(WorkspaceSymbolRequest.type, { query: q })) as WorkspaceSymbol[];
            return { found, ms: performance.now() - started };
        };
        // Once the new files are checked (their diagnostics published), only the query is timed.
        await Promise.all(created.map(c => lsp.diagnosticsFor(c.uri, () => true)));
        expect((await query('Generated')).found.filter(s => s.kind === SymbolKind.Module)).toHaveLength(100);
        const { found, ms } = await query('Stage42x1');
        expect(found.map(s => s.name).sort()).toEqual(['Stage42x1', 'Stage42x10', 'Stage42x11', 'Stage42x12', 'Stage42x13', 'Stage42x14', 'Stage42x15', 'Stage42x16', 'Stage42x17', 'Stage42x18', 'Stage42x19']);
        expect(found.every(s => s.containerName === 'Generated42')).toBe(true);
        expect(ms).toBeLessThan(50);
    });
});

