/**
 * The runner of an error corpus: small .coil files that carry their expected diagnostics next to
 * the marked range (format in test/language/corpus/README.md). Adding a test means adding a file.
 * The language's corpus and the compiler's analyses corpus both run here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWorkspace, CODES, isCode, toCoilDiagnostic, type Code, type Diagnostic, type Position, type ValidationModule } from '@coil/language';

const OPEN = '»';
const CLOSE = '«';
const INTERNAL: Code = 'COIL-X001';
const EXPECT_LINE = /^\s*\/\/ \$expect (none|COIL-[A-Z]\d{3})(?: "(.*)")?\s*$/;
const UNIT_NAME = /^(coil-[a-z]\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*\.(coil|workspace)$/;

interface Expectation {
    readonly code: Code;
    readonly text?: string;
    /** Line of the `$expect` comment, for messages. */
    readonly line: number;
}

interface MarkedRange {
    readonly start: Position;
    readonly end: Position;
    readonly expectation: Expectation;
}

interface Fixture {
    readonly file: string;
    /** Path relative to the corpus, as in test names and messages. */
    readonly name: string;
    /** The text with the markers removed: what Coil checks. */
    readonly text: string;
    readonly none: boolean;
    readonly ranges: MarkedRange[];
    /** Mistakes in the fixture itself; a fixture with mistakes fails without being checked. */
    readonly mistakes: string[];
}

/** A test of the corpus: one file, or a `*.workspace` folder whose files are checked together. */
interface Unit {
    readonly name: string;
    readonly fixtures: Fixture[];
}

export interface CorpusOptions {
    /** Validation modules added to Langium's (the compiler's analyses). */
    readonly modules?: readonly ValidationModule[];
    /** The codes this corpus must show at least once each. */
    readonly covers: (code: Code) => boolean;
}

/** Defines the tests of the corpus in `root` (its `_library/` is added to every workspace). */
export function describeCorpus(title: string, root: string, options: CorpusOptions): void {
    const CORPUS = root;
    /** Folders whose name starts with `_` hold scaffolding; `_library` is added to every workspace. */
    const LIBRARY = path.join(CORPUS, '_library');
    const modules = options.modules ?? [];
    const covers = options.covers;
    function parseFixture(file: string): Fixture {
        const source = fs.readFileSync(file, 'utf8');
        const name = path.relative(CORPUS, file).split(path.sep).join('/');
        const mistakes: string[] = [];
        const ranges: MarkedRange[] = [];
        let none = false;
        const pending: Expectation[] = [];
        /** Ranges opened and not yet closed; a range may sit inside another (two diagnostics on one range: »»x««). */
        const open: Array<{ start: Position; expectation: Expectation }> = [];
        const lines = source.split('\n');
        const stripped: string[] = [];
        lines.forEach((line, index) => {
            const lineNo = index + 1;
            if (line.includes('$expect')) {
                const m = EXPECT_LINE.exec(line);
                if (!m) {
                    mistakes.push(`line ${lineNo}: write expectations as a whole line: // $expect COIL-X000 "part of the message"`);
                } else if (m[1] === 'none') {
                    none = true;
                } else if (!isCode(m[1]) || m[1] === INTERNAL) {
                    mistakes.push(`line ${lineNo}: ${m[1]} is not a code a fixture can expect`);
                } else {
                    pending.push({ code: m[1], text: m[2]?.replace(/\\(["\\])/g, '$1'), line: lineNo });
                }
            }
            let out = '';
            for (const ch of line) {
                const here: Position = { line: lineNo, column: out.length + 1 };
                if (ch === OPEN) {
                    const expectation = pending.shift();
                    if (expectation) open.push({ start: here, expectation });
                    else mistakes.push(`line ${lineNo}: this range has no $expect of its own before it`);
                } else if (ch === CLOSE) {
                    const range = open.pop();
                    if (range) ranges.push({ start: range.start, end: here, expectation: range.expectation });
                    else mistakes.push(`line ${lineNo}: ${CLOSE} closes no range`);
                } else {
                    out += ch;
                }
            }
            stripped.push(out);
        });
        for (const range of open) mistakes.push(`the range opened on line ${range.start.line} is never closed`);
        for (const e of pending) mistakes.push(`line ${e.line}: ${e.code} expects a marked range after it, but none is left for it`);
        if (none && ranges.length > 0) mistakes.push(`'$expect none' and marked ranges contradict each other`);
        if (!none && ranges.length === 0) mistakes.push(`the fixture expects nothing: mark a range, or say '// $expect none'`);
        if (!/^\/\/ (?!\$expect)\S/.test(lines[0] ?? '')) mistakes.push(`line 1: start with a one-line comment saying which rule the file shows`);
        return { file, name, text: stripped.join('\n'), none, ranges, mistakes };
    }

    function coilFiles(dir: string): string[] {
        return fs.readdirSync(dir).filter(f => f.endsWith('.coil')).sort().map(f => path.join(dir, f));
    }

    function findUnits(dir: string): Unit[] {
        const units: Unit[] = [];
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, entry.name);
            const name = path.relative(CORPUS, full).split(path.sep).join('/');
            if (entry.isDirectory() && entry.name.startsWith('_')) continue;
            if (entry.isDirectory() && entry.name.endsWith('.workspace')) {
                units.push({ name, fixtures: coilFiles(full).map(parseFixture) });
            } else if (entry.isDirectory()) {
                units.push(...findUnits(full));
            } else if (entry.name.endsWith('.coil')) {
                units.push({ name, fixtures: [parseFixture(full)] });
            }
        }
        return units;
    }


    /** Checks each unit once, however many tests ask: its diagnostics by fixture name (the library's under `_library`). */
    const checked = new Map<string, Promise<Map<string, Diagnostic[]>>>();

    function check(unit: Unit): Promise<Map<string, Diagnostic[]>> {
        let result = checked.get(unit.name);
        if (!result) {
            result = (async () => {
                const sources = [...unit.fixtures.map(f => ({ file: f.file, text: f.text })), ...library];
                const documents = await buildWorkspace(sources, modules);
                const byFile = new Map<string, Diagnostic[]>();
                documents.forEach((document, i) => {
                    const shown = path.relative(CORPUS, sources[i].file).split(path.sep).join('/');
                    const key = i < unit.fixtures.length ? shown : '_library';
                    const list = byFile.get(key) ?? [];
                    list.push(...(document.diagnostics ?? []).map(d => toCoilDiagnostic(d, shown)));
                    byFile.set(key, list);
                });
                return byFile;
            })();
            checked.set(unit.name, result);
        }
        return result;
    }

    function at(p: Position): string {
        return `${p.line}:${p.column}`;
    }

    function textOf(fixture: Fixture, start: Position, end: Position): string {
        const lines = fixture.text.split('\n');
        if (start.line === end.line) return lines[start.line - 1]?.slice(start.column - 1, end.column - 1) ?? '';
        return [lines[start.line - 1]?.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]?.slice(0, end.column - 1)].join('\\n');
    }

    function describeDiagnostic(fixture: Fixture, d: Diagnostic): string {
        return `${d.code} at ${at(d.start)}-${at(d.end)} ${OPEN}${textOf(fixture, d.start, d.end)}${CLOSE}: ${d.message}`;
    }

    /** What is wrong with a fixture's diagnostics; empty when they are exactly the expected ones. */
    function compare(fixture: Fixture, diagnostics: readonly Diagnostic[]): string[] {
        const problems: string[] = [];
        const left = [...diagnostics];
        for (const range of fixture.ranges) {
            const e = range.expectation;
            const i = left.findIndex(d => d.code === e.code && at(d.start) === at(range.start) && at(d.end) === at(range.end)
                && (e.text === undefined || d.message.includes(e.text)));
            if (i >= 0) {
                left.splice(i, 1);
                continue;
            }
            const wanted = `${e.code}${e.text === undefined ? '' : ` "${e.text}"`}`;
            problems.push(`${fixture.name}: expected ${wanted} at ${at(range.start)}-${at(range.end)} ${OPEN}${textOf(fixture, range.start, range.end)}${CLOSE} (line ${e.line}), but it was not reported there`);
        }
        for (const d of left) problems.push(`${fixture.name}: unexpected ${describeDiagnostic(fixture, d)}`);
        return problems;
    }

    function namingProblems(unit: Unit): string[] {
        const base = unit.name.split('/').pop()!;
        const m = UNIT_NAME.exec(base);
        if (!m) return [`${unit.name}: name fixtures <code>-<short-slug>.coil (or .workspace), e.g. coil-u003-min-above-max.coil`];
        const code = m[1].toUpperCase();
        if (!isCode(code)) return [`${unit.name}: ${code} is not a Coil code`];
        const expected = unit.fixtures.flatMap(f => f.ranges.map(r => r.expectation.code));
        const none = unit.fixtures.every(f => f.none);
        if (!none && !expected.includes(code)) return [`${unit.name}: is named after ${code} but never expects it`];
        return [];
    }

    const units = findUnits(CORPUS);
    const library = coilFiles(LIBRARY).map(file => ({ file, text: fs.readFileSync(file, 'utf8') }));

    describe(title, () => {
        for (const unit of units) {
            it(unit.name, async () => {
                const mistakes = [...namingProblems(unit), ...unit.fixtures.flatMap(f => f.mistakes.map(m => `${f.name}: ${m}`))];
                expect(mistakes, 'the fixture itself is malformed').toEqual([]);
                const diagnostics = await check(unit);
                const problems = unit.fixtures.flatMap(f => compare(f, diagnostics.get(f.name) ?? []));
                for (const d of diagnostics.get('_library') ?? []) problems.push(`the scaffolding library reports ${d.file}:${at(d.start)} ${d.code}: ${d.message}`);
                expect(problems).toEqual([]);
            });
        }

        it('expects each of its diagnostic codes at least once (but the internal-error code)', () => {
            const expected = new Set(units.flatMap(u => u.fixtures.flatMap(f => f.ranges.map(r => r.expectation.code))));
            const missing = Object.keys(CODES).filter(code => code !== INTERNAL && covers(code as Code) && !expected.has(code as Code));
            expect(missing).toEqual([]);
        });

        it(`never reports ${INTERNAL}, the code of a check that crashed`, async () => {
            const internal: string[] = [];
            for (const unit of units) {
                for (const list of (await check(unit)).values()) {
                    for (const d of list) if (d.code === INTERNAL) internal.push(`${d.file}:${at(d.start)} ${d.message}`);
                }
            }
            expect(internal).toEqual([]);
        });
    });
}
