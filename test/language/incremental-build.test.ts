/**
 * The language server's build after an edit (the edited declarations re-read, the flat index of
 * the others reused, the analyses of unchanged processes reused) must report exactly what a fresh
 * build of the same files reports: every document's diagnostics, with their ranges, codes and
 * messages, after each of a chain of edits to the processes and to the shared library.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { URI, type LangiumDocument } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { addValidationModule, createCoilServices, listCoilFiles } from '@coil/language';
import { analysisModule, FindingCache } from '@coil/compiler';

const examplesDir = path.resolve(__dirname, '../../examples');
const examples = listCoilFiles([examplesDir]).map(file => ({ rel: path.relative(examplesDir, file), text: fs.readFileSync(file, 'utf8') }));
/** Two processes in one file, so that one can have a syntax error while the other's analyses are reused. */
const twoProcesses = {
    rel: 'two-processes.coil',
    text: ['autologous-fresh.coil', 'short-cycle.coil'].map(rel => examples.find(e => e.rel === rel)!.text)
        .map((text, i) => text.replace(/^process (\w+)/m, `process $1Twin${i}`)).join('\n'),
};
const sources = [...examples, twoProcesses];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-incremental-build-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Services as the language server wires them (the analyses, their reuse across edits). */
function serverServices() {
    const { shared, Coil } = createCoilServices(NodeFileSystem);
    const reuse = new FindingCache();
    shared.workspace.DocumentBuilder.onUpdate((changed, deleted) => reuse.changed([...changed, ...deleted].map(uri => uri.toString())));
    addValidationModule(Coil, analysisModule({ reuse }));
    return shared;
}

type Shared = ReturnType<typeof serverServices>;

async function load(shared: Shared, dir: string): Promise<LangiumDocument[]> {
    const documents = sources.map(s => shared.workspace.LangiumDocuments.createDocument(URI.file(path.join(dir, s.rel)), fs.readFileSync(path.join(dir, s.rel), 'utf8')));
    await shared.workspace.DocumentBuilder.build(documents, { validation: true });
    return documents;
}

const report = (documents: LangiumDocument[], dir: string) => Object.fromEntries(documents.map(d => [
    path.relative(dir, d.uri.fsPath),
    (d.diagnostics ?? []).map(x => ({ code: x.code, message: x.message, range: x.range, severity: x.severity })),
]));

/** Edits as typing makes them, anywhere in a file: digits, names, spaces and line breaks, lines deleted or doubled. */
type Edit = { file: number; at: number; kind: 'digit' | 'letter' | 'space' | 'line-gone' | 'line-twice' };
const edit: fc.Arbitrary<Edit> = fc.record({
    file: fc.nat({ max: sources.length - 1 }),
    at: fc.noBias(fc.integer({ min: 0, max: 9_999 })).map(n => n / 10_000),
    kind: fc.constantFrom('digit' as const, 'letter' as const, 'space' as const, 'line-gone' as const, 'line-twice' as const),
});

function apply(text: string, e: Edit): string {
    const index = Math.floor(e.at * text.length);
    const lineStart = text.lastIndexOf('\n', index - 1) + 1;
    const lineEnd = text.indexOf('\n', index) < 0 ? text.length : text.indexOf('\n', index) + 1;
    switch (e.kind) {
        case 'digit': {
            const digit = text.slice(index).search(/\d/);
            return digit < 0 ? text : `${text.slice(0, index + digit)}7${text.slice(index + digit + 1)}`;
        }
        case 'letter': {
            const letter = text.slice(index).search(/[A-Za-z]/);
            return letter < 0 ? text : `${text.slice(0, index + letter)}x${text.slice(index + letter)}`;
        }
        case 'space': return `${text.slice(0, lineStart)}\n  ${text.slice(lineStart)}`;
        case 'line-gone': return text.slice(0, lineStart) + text.slice(lineEnd);
        case 'line-twice': return text.slice(0, lineEnd) + text.slice(lineStart, lineEnd) + text.slice(lineEnd);
    }
}

describe('the language server build after edits', () => {
    it('starts from files without errors, one of them with two processes', async () => {
        const dir = path.join(tmp, 'start');
        for (const s of sources) {
            fs.mkdirSync(path.dirname(path.join(dir, s.rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, s.rel), s.text);
        }
        const documents = await load(serverServices(), dir);
        const errors = documents.flatMap(d => (d.diagnostics ?? []).filter(x => x.severity === 1).map(x => `${d.uri.path}: ${x.message}`));
        expect(errors).toEqual([]);
        expect((twoProcesses.text.match(/^process /gm) ?? []).length).toBe(2);
    });

    it('reports what a fresh build of the same files reports, after every edit of a chain', async () => {
        const live = path.join(tmp, 'live');
        for (const s of sources) {
            fs.mkdirSync(path.dirname(path.join(live, s.rel)), { recursive: true });
            fs.writeFileSync(path.join(live, s.rel), s.text);
        }
        const shared = serverServices();
        const documents = await load(shared, live);
        let run = 0;
        await fc.assert(fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), async edits => {
            for (const e of edits) {
                const file = path.join(live, sources[e.file].rel);
                fs.writeFileSync(file, apply(fs.readFileSync(file, 'utf8'), e));
                await shared.workspace.DocumentBuilder.update([URI.file(file)], []);
                // A fresh build of the same files, elsewhere.
                const fresh = path.join(tmp, `fresh-${run++}`);
                for (const s of sources) {
                    fs.mkdirSync(path.dirname(path.join(fresh, s.rel)), { recursive: true });
                    fs.copyFileSync(path.join(live, s.rel), path.join(fresh, s.rel));
                }
                const expected = report(await load(serverServices(), fresh), fresh);
                expect(report(documents, live)).toEqual(expected);
                fs.rmSync(fresh, { recursive: true, force: true });
            }
        }), { numRuns: 10, seed: 20261125 });
    });
});
