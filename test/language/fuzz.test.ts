/**
 * Robustness: thousands of mutated examples (tokens deleted, duplicated, swapped, replaced, garbage
 * inserted, text truncated) go through the real check pipeline. It must never throw, and every
 * diagnostic must carry a known code, a message and a range inside the text.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { checkPaths, createCoilServices, isCode, listCoilFiles, toCoilDiagnostic, type Diagnostic } from '@coil/language';

const examplesDir = path.resolve(__dirname, '../../examples');
const processFiles = listCoilFiles([examplesDir]).filter(f => !f.includes(`${path.sep}library${path.sep}`));
const libraryFiles = listCoilFiles([path.join(examplesDir, 'library')]);

/** Splits text into tokens and the whitespace between them, so mutations keep the rest intact. */
function tokenize(text: string): string[] {
    return text.match(/\s+|[A-Za-z_][\w]*|-?\d+(?:\.\d+)*(?:[eE][+-]?\d+)?|"(?:\\.|[^"\\])*"|\.\.|<=|>=|\S/g) ?? [];
}

const GARBAGE = ['{', '}', '..', '.', ',', '=', '"', '"unterminated', '°', '°C', '%', '{cells}', '[EU]', '$', '@', '»', '«',
    '\u0000', '\uFFFF', '😀', '-', '1e999', '-0', '0.6e9', '1.2.3', 'step', 'process', 'deviation', 'hold', 'after', 'rework',
    'at most', 'min', 'max', 'verify identity', 'sign', 'release', 'requires', 'scenario', 'expect', '/*', '*/', '//', '\n', 'qc'];

type Mutation =
    | { kind: 'delete'; at: number }
    | { kind: 'duplicate'; at: number }
    | { kind: 'swap'; a: number; b: number }
    | { kind: 'insert'; at: number; text: string }
    | { kind: 'replace'; at: number; text: string }
    | { kind: 'truncate'; at: number };

const position = fc.nat({ max: 1_000_000 });
const garbage = fc.oneof(fc.constantFrom(...GARBAGE), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: position }),
    fc.record({ kind: fc.constant('duplicate' as const), at: position }),
    fc.record({ kind: fc.constant('swap' as const), a: position, b: position }),
    fc.record({ kind: fc.constant('insert' as const), at: position, text: garbage }),
    fc.record({ kind: fc.constant('replace' as const), at: position, text: garbage }),
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function mutate(text: string, mutations: Mutation[]): string {
    let tokens = tokenize(text);
    for (const m of mutations) {
        if (tokens.length === 0) break;
        const i = (n: number) => n % tokens.length;
        switch (m.kind) {
            case 'delete': tokens.splice(i(m.at), 1); break;
            case 'duplicate': tokens.splice(i(m.at), 0, tokens[i(m.at)]); break;
            case 'swap': { const a = i(m.a), b = i(m.b); [tokens[a], tokens[b]] = [tokens[b], tokens[a]]; break; }
            case 'insert': tokens.splice(i(m.at), 0, ` ${m.text} `); break;
            case 'replace': tokens[i(m.at)] = m.text; break;
            case 'truncate': tokens = tokens.slice(0, i(m.at)); break;
        }
    }
    return tokens.join('');
}

function assertWellFormed(diagnostics: readonly Diagnostic[], text: string): void {
    const lines = text.split(/\r?\n|\r/);
    const lineCount = lines.length;
    // A position may sit one past the last character of its line (an end, or a missing token at the end).
    const columnFits = (p: Diagnostic['start']) => p.line > lineCount || p.column <= (lines[p.line - 1]?.length ?? 0) + 1;
    for (const d of diagnostics) {
        expect(isCode(d.code), `unknown code ${d.code}`).toBe(true);
        expect(d.code, d.message).not.toBe('COIL-X001');
        expect(['error', 'warning', 'info']).toContain(d.severity);
        expect(d.message.length).toBeGreaterThan(0);
        expect(d.start.line).toBeGreaterThanOrEqual(1);
        expect(d.end.line).toBeLessThanOrEqual(lineCount + 1);
        expect(d.start.line < d.end.line || (d.start.line === d.end.line && d.start.column <= d.end.column)).toBe(true);
        expect(d.start.column).toBeGreaterThanOrEqual(1);
        expect(columnFits(d.start), `start ${d.start.line}:${d.start.column} of ${d.code}`).toBe(true);
        expect(columnFits(d.end), `end ${d.end.line}:${d.end.column} of ${d.code}`).toBe(true);
    }
}

describe('check on mutated examples', () => {
    // One set of services for the whole run, with the shared library loaded once: each mutated
    // file is added, built with validation, then removed again, exactly as an editor would.
    const services = createCoilServices(NodeFileSystem);
    const { LangiumDocumentFactory, LangiumDocuments, DocumentBuilder } = services.shared.workspace;
    const originals = processFiles.map(f => fs.readFileSync(f, 'utf8'));
    let counter = 0;

    beforeAll(async () => {
        const library = libraryFiles.map(f => LangiumDocumentFactory.fromString(fs.readFileSync(f, 'utf8'), URI.file(f)));
        library.forEach(d => LangiumDocuments.addDocument(d));
        await DocumentBuilder.build(library, { validation: true });
    });

    async function check(text: string): Promise<Diagnostic[]> {
        const uri = URI.file(path.join(examplesDir, `mutant-${counter++}.coil`));
        const document = LangiumDocumentFactory.fromString(text, uri);
        LangiumDocuments.addDocument(document);
        try {
            await DocumentBuilder.build([document], { validation: true });
            return (document.diagnostics ?? []).map(d => toCoilDiagnostic(d, 'mutant.coil'));
        } finally {
            await DocumentBuilder.update([], [uri]);
        }
    }

    it('the unmutated examples are clean in this harness', async () => {
        expect(originals.length).toBeGreaterThan(0);
        for (const text of originals) expect(await check(text)).toEqual([]);
    });

    it('never throws and always reports coded, well-placed diagnostics (3,000 mutants)', async () => {
        let withDiagnostics = 0;
        await fc.assert(
            fc.asyncProperty(fc.nat({ max: originals.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, mutations) => {
                const text = mutate(originals[which], mutations);
                const diagnostics = await check(text);
                assertWellFormed(diagnostics, text);
                if (diagnostics.length > 0) withDiagnostics++;
            }),
            { numRuns: 3000 },
        );
        // Most mutations break something; a harness that reported nothing would be testing nothing.
        expect(withDiagnostics).toBeGreaterThan(1500);
    }, 300_000); // ~30 s alone on a 2-core machine; generous for a loaded one

    it('handles degenerate input: empty, whitespace, binary noise, one huge line', async () => {
        const inputs = ['', '   \n\t ', '\u0000\u0001\u0002', 'process', 'process {', '}'.repeat(500), '{'.repeat(500),
            `process P { step S { record x in ${'1 '.repeat(2000)} } }`, '"'.repeat(1001), 'x'.repeat(100_000)];
        for (const text of inputs) assertWellFormed(await check(text), text);
    });
});

describe('coil check on mutated files on disk', () => {
    it('returns diagnostics rather than throwing (100 mutants through checkPaths)', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-fuzz-'));
        try {
            for (const f of libraryFiles) fs.copyFileSync(f, path.join(dir, path.basename(f)));
            const text = fs.readFileSync(processFiles[0], 'utf8');
            const target = path.join(dir, 'process.coil');
            await fc.assert(
                fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async mutations => {
                    const mutated = mutate(text, mutations);
                    fs.writeFileSync(target, mutated);
                    const result = await checkPaths([target]);
                    assertWellFormed(result.diagnostics, mutated);
                }),
                { numRuns: 100 },
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
