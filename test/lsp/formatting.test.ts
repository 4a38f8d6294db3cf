/**
 * The formatter over the real protocol (textDocument/formatting and rangeFormatting against the
 * spawned `coil lsp --stdio`). The canonical layout is the examples' own: each example and library
 * file formats to itself, and scrambled variants (indentation randomised, blank lines collapsed,
 * spaces added, statements joined onto one line) format back to it without changing what the
 * process means. Comments keep their text and order, and a document with syntax errors is left alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentFormattingRequest, DocumentRangeFormattingRequest, type FormattingOptions, type Range, type TextEdit } from 'vscode-languageserver-protocol';
import { compilePaths } from '@coil/compiler';
import { applyEdits, positionOf, repository, startLsp, type LspSession } from './harness.js';

const EXAMPLES = path.join(repository, 'examples');
/** Every .coil file of the examples, relative to the examples folder. */
const FILES = fs.readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.coil')).sort();
const TWO_SPACES: FormattingOptions = { tabSize: 2, insertSpaces: true };
const SEEDS = [1, 2, 3];

let lsp: LspSession;
const opened = new Set<string>();

beforeAll(async () => {
    lsp = await startLsp();
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

/** Shows `text` as the editor's content of `file` (opening it the first time), and returns its URI. */
async function show(file: string, text: string): Promise<string> {
    const uri = lsp.uriOf(file);
    if (opened.has(uri)) await lsp.change(uri, text);
    else await lsp.open(file, text);
    opened.add(uri);
    return uri;
}

async function formattingEdits(file: string, text: string, options = TWO_SPACES): Promise<TextEdit[]> {
    const uri = await show(file, text);
    return await lsp.client.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options }) ?? [];
}

/** What the editor shows after asking the server to format `text`. */
async function format(file: string, text: string, options = TWO_SPACES): Promise<string> {
    return applyEdits(text, await formattingEdits(file, text, options));
}

const read = (file: string) => fs.readFileSync(path.join(EXAMPLES, file), 'utf8');

/** A small deterministic random source (mulberry32), so that a failing scramble can be replayed. */
function randomSource(seed: number): <T>(choices: readonly T[]) => T {
    let state = seed;
    return choices => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return choices[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * choices.length)];
    };
}

/** Strings, comments, and runs of anything else but white space: what no layout may change. */
const LEXEMES = /"(?:\\.|[^"\\\r\n])*"|\/\/[^\n\r]*|\/\*[\s\S]*?\*\/|[^\s"/]+|\//g;
const isComment = (lexeme: string | undefined) => lexeme !== undefined && (lexeme.startsWith('//') || lexeme.startsWith('/*'));
const commentsOf = (text: string) => [...text.matchAll(LEXEMES)].map(m => m[0]).filter(isComment);
/** The text without its layout: the tokens, with `Plant.SuiteA` and `Plant . SuiteA` alike. */
const withoutLayout = (text: string) => [...text.matchAll(LEXEMES)].map(m => m[0]).join('').replace(/\s+/g, '');

interface Scrambling {
    /** Comments may move between their own line and the end of the line before. */
    readonly moveComments?: boolean;
    /** Units get spaces inside (`cells / mL`); default true. */
    readonly spaceUnits?: boolean;
}

/**
 * A messy variant of `text` with the same tokens: every line break between statements may become
 * spaces or a tab (statements joined), indentation is random, blank lines are dropped or tripled,
 * and `Plant.SuiteA`, `cells/mL`, `pass, fail` get spaces inside. Where a comment stands (on its
 * own line or after code) is kept, with its blank lines, unless `moveComments`.
 */
function scramble(text: string, seed: number, { moveComments = false, spaceUnits = true }: Scrambling = {}): string {
    const pick = randomSource(seed);
    let out = '';
    let at = 0;
    let previous: string | undefined;
    for (const match of text.matchAll(LEXEMES)) {
        const lexeme = match[0];
        const gap = text.slice(at, match.index);
        const breaks = gap.split('\n').length - 1;
        if (previous === undefined) out += isComment(lexeme) ? '' : pick(['', '\n\n', '  ']);
        else if (previous.startsWith('//')) out += '\n'.repeat(moveComments ? pick([1, 3]) : breaks > 1 ? 3 : 1) + pick(['', '\t', '      ']);
        else if (isComment(lexeme) && !moveComments) out += breaks === 0 ? pick([' ', '\t  ']) : '\n'.repeat(breaks > 1 ? 3 : 1) + pick(['', ' ', '\t']);
        else if (gap !== '' || spaceUnits) out += pick([' ', '   ', '\t', '\n', '\n  ', '\n\t\t', '\n\n\n      ']);
        out += isComment(lexeme) || lexeme.startsWith('"') ? lexeme : loosen(lexeme, pick);
        at = match.index + lexeme.length;
        previous = lexeme;
    }
    return out + pick(['', '\n\n\n', '   ']);
}

/** Spaces inside what is written joined: `Plant . SuiteA`, `pass ,` (a unit's `/` is a lexeme of its own). */
function loosen(lexeme: string, pick: <T>(choices: readonly T[]) => T): string {
    return lexeme
        .replace(/([A-Za-z_])\.(?=[A-Za-z_])/g, (_, before: string) => pick([`${before}.`, `${before} . `]))
        .replace(/,/g, () => pick([',', ' ,', ' , ']));
}

describe('coil lsp formatting', () => {
    it('advertises document and range formatting', () => {
        expect(lsp.initialized.capabilities.documentFormattingProvider).toBeTruthy();
        expect(lsp.initialized.capabilities.documentRangeFormattingProvider).toBeTruthy();
    });

    it.each(FILES)('leaves %s exactly as it is written', async file => {
        expect(await formattingEdits(file, read(file))).toEqual([]);
    });

    it.each(FILES)('formats scrambled variants of %s back to the original, and the result to itself', async file => {
        const original = read(file);
        for (const seed of SEEDS) {
            const messy = scramble(original, seed);
            expect(messy).not.toBe(original);
            expect(await format(file, messy), `seed ${seed}`).toBe(original);
        }
        expect(await formattingEdits(file, original)).toEqual([]);
    });

    // Units keep their spelling here: a workflow records each quantity's text as written, with its spaces.
    it('keeps the meaning: scrambled examples compile to the same workflow digests', async () => {
        const scrambled = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-format-'));
        try {
            fs.cpSync(EXAMPLES, scrambled, { recursive: true });
            for (const file of FILES) fs.writeFileSync(path.join(scrambled, file), scramble(read(file), 7, { spaceUnits: false }));
            const digests = async (folder: string) => {
                const result = await compilePaths([folder], { cwd: folder });
                return result.processes.map(p => `${p.name} ${p.workflow.digest}`);
            };
            const expected = await digests(EXAMPLES);
            expect(expected).toHaveLength(FILES.filter(f => !f.startsWith('library')).length);
            expect(await digests(scrambled)).toEqual(expected);
        } finally {
            fs.rmSync(scrambled, { recursive: true, force: true });
        }
    });

    it('keeps every comment, in order and unchanged, wherever it stands', async () => {
        const messy = [
            '/* The suite',
            '     and its hood */',
            'site   Lab "Cell processing laboratory" { // grades per EU GMP Annex 1',
            'room Clean "Clean room" grade B   /* inline */',
            '        // the hood is in the clean room',
            'equipment Hood "Biosafety cabinet" in Clean',
            '// nothing stored here',
            '}',
            'role Tech "Technician" // trailing after a one-liner',
            'role Lead',
            '/* between roles */ role Chief',
            'process P { version 1.0.0 // the version',
            '  // own line in the header',
            '                 product autologous',
            'step S "Select" // mid-statement',
            'at Lab.Clean by Tech {',
            'duration 1 h .. 2 h // a member\'s trailing comment',
            '}',
            '',
            '',
            '// ---- Holds ----',
            '',
            '',
            'hold Cells from S.end /* an event */ to S.start max 2 h',
            '}',
            '// end of the file',
        ].join('\n');
        const formatted = await format('scratch/comments.coil', messy);
        expect(formatted).toBe([
            '/* The suite',
            '     and its hood */',
            'site Lab "Cell processing laboratory" { // grades per EU GMP Annex 1',
            '  room Clean "Clean room" grade B /* inline */',
            '  // the hood is in the clean room',
            '  equipment Hood "Biosafety cabinet" in Clean',
            '  // nothing stored here',
            '}',
            '',
            'role Tech "Technician" // trailing after a one-liner',
            'role Lead',
            '/* between roles */ role Chief',
            '',
            'process P {',
            '  version 1.0.0 // the version',
            '  // own line in the header',
            '  product autologous',
            '',
            '  step S "Select" // mid-statement',
            '    at Lab.Clean by Tech {',
            '    duration 1 h .. 2 h // a member\'s trailing comment',
            '  }',
            '',
            '  // ---- Holds ----',
            '',
            '  hold Cells from S.end /* an event */ to S.start max 2 h',
            '}',
            '// end of the file',
            '',
        ].join('\n'));
        expect(commentsOf(formatted)).toEqual(commentsOf(messy));
        expect(await format('scratch/comments.coil', formatted)).toBe(formatted);
    });

    it.each(FILES)('is idempotent on %s scrambled with its comments moved, and loses no text', async file => {
        const original = read(file);
        for (const seed of SEEDS) {
            const messy = scramble(original, seed, { moveComments: true });
            const once = await format(file, messy);
            expect(once, `seed ${seed}`).not.toBe(messy);
            expect(await format(file, once), `seed ${seed}`).toBe(once);
            expect(commentsOf(once)).toEqual(commentsOf(original));
            expect(withoutLayout(once)).toBe(withoutLayout(original));
        }
    });

    it('indents as the client asks: four spaces, or tabs', async () => {
        const file = 'autologous-fresh.coil';
        const original = read(file);
        const fourSpaces = await format(file, original, { tabSize: 4, insertSpaces: true });
        expect(fourSpaces).toContain('\n    step Collect "Leukapheresis"');
        expect(fourSpaces).toContain('\n        duration 3 h .. 6 h\n');
        const tabs = await format(file, scramble(original, 5), { tabSize: 4, insertSpaces: false });
        expect(tabs).toContain('\n\tstep Collect "Leukapheresis"');
        expect(tabs).toContain('\n\t\tduration 3 h .. 6 h\n');
        expect(tabs.replace(/\t/g, '    ')).toBe(fourSpaces);
        expect(await format(file, tabs)).toBe(original);
    });

    it('keeps Windows line endings', async () => {
        const file = 'library/roles.coil';
        const crlf = (text: string) => text.replace(/\n/g, '\r\n');
        expect(await format(file, crlf(scramble(read(file), 2)))).toBe(crlf(read(file)));
    });

    it('leaves a document with syntax errors alone, whole or in part', async () => {
        const file = 'autologous-fresh.coil';
        const broken = scramble(read(file).replace('produces Apheresis\n', 'produces Apheresis {\n'), 4);
        expect(await formattingEdits(file, broken)).toEqual([]);
        const range: Range = { start: { line: 0, character: 0 }, end: positionOf(broken, 'scenario') };
        const uri = lsp.uriOf(file);
        expect(await lsp.client.sendRequest(DocumentRangeFormattingRequest.type, { textDocument: { uri }, range, options: TWO_SPACES })).toEqual([]);
    });

    it('formats only the selected statements', async () => {
        const file = 'autologous-fresh.coil';
        const original = read(file);
        const messyStep = (text: string, step: string) => text.replace(/ {2}step (\w+)[^]*?\n {2}\}/g, (block, name: string) => name === step
            ? block.replace(/\n\s*/g, '\n ').replace(/ \.\. /g, '..')
            : block);
        const messy = messyStep(messyStep(original, 'Select'), 'Expand');
        const uri = await show(file, messy);
        const range: Range = { start: positionOf(messy, 'step Select'), end: positionOf(messy, 'step Transduce') };
        const edits = await lsp.client.sendRequest(DocumentRangeFormattingRequest.type, { textDocument: { uri }, range, options: TWO_SPACES }) ?? [];
        const result = applyEdits(messy, edits);
        expect(result).toBe(messyStep(original, 'Expand'));
        expect(result).not.toBe(original);
    });
});
