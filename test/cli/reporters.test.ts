import { createRequire } from 'node:module';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPaths, CODES, type CheckResult, type Diagnostic } from '@coil/language';
import { FORMAT_NAMES, REPORTERS } from '@coil/compiler';
import { BROKEN, CLEAN, makeWorkspace, positionOf, type Workspace } from './broken-workspace.js';

const require = createRequire(import.meta.url);
// CommonJS packages: seen from ESM, the class and the plugin are their default export's `default`.
const Ajv = ajvDraft04.default;
const addFormats = ajvFormats.default;
const OPTIONS = { color: false, toolVersion: '9.8.7' };
const CLEAN_PATH = CLEAN.replace(/\\/g, '/');

let workspace: Workspace;
let result: CheckResult;

beforeAll(async () => {
    workspace = makeWorkspace();
    result = await checkPaths(['.'], { cwd: workspace.root });
});
afterAll(() => workspace.remove());

/** The real result with its diagnostics replaced, for cases no check produces today. */
function withDiagnostics(...diagnostics: Diagnostic[]): CheckResult {
    return { ...result, diagnostics };
}

function diagnostic(overrides: Partial<Diagnostic>): Diagnostic {
    return {
        code: 'COIL-U001', severity: 'error', message: 'm', file: BROKEN,
        start: { line: 3, column: 5 }, end: { line: 3, column: 9 }, ...overrides,
    };
}

function only(code: string): Diagnostic {
    const found = result.diagnostics.filter(d => d.code === code);
    expect(found).toHaveLength(1);
    return found[0];
}

describe('the fixture workspace', () => {
    it('has a clean file and a broken one with an unknown unit, an undeclared deviation, a syntax error and a warning', () => {
        expect(result.files.map(f => f.file.replace(/\\/g, '/'))).toEqual([BROKEN, CLEAN_PATH]);
        expect(result.diagnostics.every(d => d.file === BROKEN)).toBe(true);
        expect(result.diagnostics.map(d => d.code)).toEqual(expect.arrayContaining(['COIL-U001', 'COIL-D001', 'COIL-P001']));
        expect(result.counts.warning).toBeGreaterThan(0);
        expect(only('COIL-U001').start).toEqual(positionOf(workspace.brokenText, 'parsecs'));
    });
});

describe('the format registry', () => {
    it('offers text, json, sarif, junit and github', () => {
        expect(FORMAT_NAMES).toEqual(['text', 'json', 'sarif', 'junit', 'github']);
    });
});

describe('sarif', () => {
    const sarif = (r: CheckResult = result): Log => JSON.parse(REPORTERS.sarif(r, OPTIONS)) as Log;

    function validator() {
        // The schema's pattern for language tags is not valid in Unicode mode, hence unicodeRegExp.
        const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
        addFormats(ajv);
        return ajv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
    }

    it('is valid against the official SARIF 2.1.0 schema', () => {
        const validate = validator();
        expect(validate(sarif()), JSON.stringify(validate.errors, null, 2)).toBe(true);
    });

    it('would fail that schema with a relative helpUri, which is why rules carry none', () => {
        const log = sarif();
        log.runs[0].tool.driver.rules![0].helpUri = 'docs/diagnostics.md#coil-u001';
        expect(validator()(log)).toBe(false);
        expect(sarif().runs[0].tool.driver.rules!.every(r => r.helpUri === undefined)).toBe(true);
    });

    it('is one run of coil, with its version and the schema GitHub code scanning expects', () => {
        const log = sarif();
        expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
        expect(log.version).toBe('2.1.0');
        expect(log.runs).toHaveLength(1);
        expect(log.runs[0].tool.driver).toMatchObject({ name: 'coil', version: '9.8.7' });
    });

    it('declares one rule per code reported, with its title, documentation and default level', () => {
        const rules = sarif().runs[0].tool.driver.rules!;
        const codes = [...new Set(result.diagnostics.map(d => d.code))].sort();
        expect(rules.map(r => r.id)).toEqual(codes);
        const unit = rules.find(r => r.id === 'COIL-U001')!;
        expect(unit.name).toBe('UnknownUnit');
        expect(unit.shortDescription?.text).toBe(CODES['COIL-U001'].title);
        expect(unit.help?.text).toContain('docs/diagnostics.md#coil-u001');
        expect(unit.defaultConfiguration?.level).toBe('error');
        const warningCode = result.diagnostics.find(d => d.severity === 'warning')!.code;
        expect(rules.find(r => r.id === warningCode)!.defaultConfiguration?.level).toBe('warning');
    });

    it('gives each diagnostic a result pointing at its rule, with level, message and a 1-based region', () => {
        const run = sarif().runs[0];
        expect(run.results).toHaveLength(result.diagnostics.length);
        run.results!.forEach((r, i) => {
            const d = result.diagnostics[i];
            expect(r.ruleId).toBe(d.code);
            expect(run.tool.driver.rules![r.ruleIndex!].id).toBe(d.code);
            expect(r.level).toBe(d.severity);
            expect(r.message.text).toBe(d.message);
        });
        const unit = run.results!.find(r => r.ruleId === 'COIL-U001')!;
        const at = positionOf(workspace.brokenText, 'parsecs');
        expect(unit.locations![0].physicalLocation!.region).toEqual({
            startLine: at.line, startColumn: at.column, endLine: at.line, endColumn: at.column + 'parsecs'.length,
        });
        expect(run.columnKind).toBe('utf16CodeUnits');
    });

    it('reports info diagnostics at level note', () => {
        const log = sarif(withDiagnostics(diagnostic({ severity: 'info' })));
        expect(log.runs[0].results![0].level).toBe('note');
    });

    it('lists every checked file as an artifact, relative to %SRCROOT%, percent-encoded, with forward slashes', () => {
        const run = sarif().runs[0];
        expect(run.artifacts!.map(a => a.location)).toEqual([
            { uri: 'broken.coil', uriBaseId: '%SRCROOT%' },
            { uri: 'lab/R%26D%20%22clean%22%20%3Cv2%3E.coil', uriBaseId: '%SRCROOT%' },
        ]);
        expect(run.results![0].locations![0].physicalLocation!.artifactLocation).toEqual(
            { uri: 'broken.coil', uriBaseId: '%SRCROOT%', index: 0 });
        const windows = sarif(withDiagnostics(diagnostic({ file: 'lab\\process.coil' })));
        expect(windows.runs[0].results![0].locations![0].physicalLocation!.artifactLocation!.uri).toBe('lab/process.coil');
    });

    it('is an empty but valid log when nothing is wrong', () => {
        const log = sarif(withDiagnostics());
        expect(log.runs[0].results).toEqual([]);
        expect(log.runs[0].tool.driver.rules).toEqual([]);
        expect(validator()(log)).toBe(true);
    });
});

/** An element of a parsed XML document, with its attributes decoded by a real XML parser. */
interface Element {
    readonly name: string;
    readonly attributes: Record<string, string>;
    readonly children: Element[];
    text: string;
}

/** sax is already in the tree (ucum-lhc reads XML with it); in strict mode it rejects malformed XML. */
function parseXml(xml: string): Element {
    const sax = require('sax') as {
        parser(strict: true): {
            onopentag: (tag: { name: string; attributes: Record<string, string> }) => void;
            onclosetag: () => void;
            ontext: (text: string) => void;
            onerror: (error: Error) => void;
            write(xml: string): { close(): void };
        };
    };
    const parser = sax.parser(true);
    const root: Element = { name: '#document', attributes: {}, children: [], text: '' };
    const open: Element[] = [root];
    parser.onopentag = tag => {
        const element: Element = { name: tag.name, attributes: tag.attributes, children: [], text: '' };
        open.at(-1)!.children.push(element);
        open.push(element);
    };
    parser.onclosetag = () => void open.pop();
    parser.ontext = text => { open.at(-1)!.text += text; };
    parser.onerror = error => { throw error; };
    parser.write(xml).close();
    expect(root.children).toHaveLength(1);
    return root.children[0];
}

describe('junit', () => {
    const junit = (r: CheckResult = result): Element => parseXml(REPORTERS.junit(r, OPTIONS));

    it('is well-formed XML with an XML declaration', () => {
        const xml = REPORTERS.junit(result, OPTIONS);
        expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
        expect(() => parseXml(xml)).not.toThrow();
        expect(() => parseXml(xml.replace('</testsuites>', ''))).toThrow();
    });

    it('has one suite per checked file, each with one test case named after the file', () => {
        const suites = junit();
        expect(suites.name).toBe('testsuites');
        expect(suites.children.map(s => s.name)).toEqual(['testsuite', 'testsuite']);
        expect(suites.children.map(s => s.attributes.name)).toEqual([BROKEN, CLEAN_PATH]);
        for (const suite of suites.children) {
            expect(suite.children.map(c => [c.name, c.attributes.name])).toEqual([['testcase', suite.attributes.name]]);
        }
    });

    it('counts tests and failed tests, with no errors or skipped tests', () => {
        const suites = junit();
        expect(suites.attributes).toMatchObject({ tests: '2', failures: '1', errors: '0', skipped: '0' });
        const [broken, clean] = suites.children;
        expect(broken.attributes).toMatchObject({ tests: '1', failures: '1', errors: '0', skipped: '0' });
        expect(clean.attributes).toMatchObject({ tests: '1', failures: '0', errors: '0', skipped: '0' });
    });

    it('passes the clean file: its test case has no failure and no output', () => {
        const clean = junit().children[1].children[0];
        expect(clean.children).toEqual([]);
    });

    it('fails the broken file with one <failure> per error: code and message, type, and where it is', () => {
        const testcase = junit().children[0].children[0];
        const failures = testcase.children.filter(c => c.name === 'failure');
        const errors = result.diagnostics.filter(d => d.severity === 'error');
        expect(failures).toHaveLength(errors.length);
        failures.forEach((f, i) => {
            const d = errors[i];
            expect(f.attributes.message).toBe(`${d.code}: ${d.message}`);
            expect(f.attributes.type).toBe(d.code);
            expect(f.text).toContain(`${BROKEN}:${d.start.line}:${d.start.column}`);
            expect(f.text).toContain(d.message);
        });
    });

    it('puts warnings in <system-out>, not among the failures', () => {
        const testcase = junit().children[0].children[0];
        const out = testcase.children.filter(c => c.name === 'system-out');
        expect(out).toHaveLength(1);
        for (const w of result.diagnostics.filter(d => d.severity === 'warning')) {
            expect(out[0].text).toContain(`${BROKEN}:${w.start.line}:${w.start.column}: warning ${w.code}: ${w.message}`);
        }
        expect(testcase.children.filter(c => c.name === 'failure').map(f => f.attributes.type))
            .not.toContain(result.diagnostics.find(d => d.severity === 'warning')!.code);
    });

    it('escapes quotes, apostrophes, <, > and & so that a parser reads back the exact text', () => {
        const message = `He wrote "<b>R&D</b>" and 'x > y' & more`;
        const d = diagnostic({ message, file: 'a "quoted" <R&D>.coil' });
        const xml = REPORTERS.junit(withDiagnostics(d), OPTIONS);
        const failure = parseXml(xml).children.find(s => s.attributes.name === d.file)!.children[0].children[0];
        expect(failure.attributes.message).toBe(`COIL-U001: ${message}`);
        expect(failure.text).toContain(message);
        expect(xml).not.toMatch(/R&D/);
    });

    it('keeps line breaks and tabs in attributes as references and spells out characters XML cannot carry', () => {
        const d = diagnostic({ message: 'one\r\ntwo\tthree\u0001four\u001bfive' });
        const xml = REPORTERS.junit(withDiagnostics(d), OPTIONS);
        expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/);
        const failure = parseXml(xml).children[0].children[0].children[0];
        expect(failure.attributes.message).toBe('COIL-U001: one\r\ntwo\tthree\\u0001four\\u001bfive');
        expect(failure.text).toContain('one\r\ntwo\tthree\\u0001four\\u001bfive');
    });
});

describe('github', () => {
    const lines = (r: CheckResult = result): string[] => REPORTERS.github(r, OPTIONS).split('\n').filter(l => l !== '');

    it('writes one workflow command per diagnostic, in order: ::error, ::warning, ::notice', () => {
        const commands = lines();
        expect(commands).toHaveLength(result.diagnostics.length);
        commands.forEach((line, i) => expect(line.startsWith(`::${result.diagnostics[i].severity} `)).toBe(true));
        const info = lines(withDiagnostics(diagnostic({ severity: 'info' })));
        expect(info[0].startsWith('::notice ')).toBe(true);
    });

    it('gives file, line, columns (the end column inclusive), end line, and the code with its title', () => {
        const unit = lines().find(l => l.includes('COIL-U001'))!;
        const at = positionOf(workspace.brokenText, 'parsecs');
        const endColumn = at.column + 'parsecs'.length - 1;
        expect(unit).toBe(`::error file=${BROKEN},line=${at.line},col=${at.column},endLine=${at.line},endColumn=${endColumn},`
            + `title=COIL-U001 Unknown unit::${only('COIL-U001').message.replace(/%/g, '%25')}`);
    });

    it('leaves out the columns of a range over several lines, as GitHub requires', () => {
        const [line] = lines(withDiagnostics(diagnostic({ start: { line: 3, column: 5 }, end: { line: 6, column: 2 } })));
        expect(line).toBe('::error file=broken.coil,line=3,endLine=6,title=COIL-U001 Unknown unit::m');
    });

    it('escapes %, carriage returns and line feeds in the message, so that a message stays one command', () => {
        const [line] = lines(withDiagnostics(diagnostic({ message: '100% sure:\r\nnext, line' })));
        expect(line.endsWith('::100%25 sure:%0D%0Anext, line')).toBe(true);
        expect(REPORTERS.github(withDiagnostics(diagnostic({ message: 'a\nb' })), OPTIONS).split('\n')).toHaveLength(2);
    });

    it('escapes : and , too in property values such as the file name', () => {
        const [line] = lines(withDiagnostics(diagnostic({ file: 'lab\\odd: name, 100%.coil' })));
        expect(line.startsWith('::error file=lab/odd%3A name%2C 100%25.coil,line=3,')).toBe(true);
    });

    it('writes nothing when there is nothing to report', () => {
        expect(REPORTERS.github(withDiagnostics(), OPTIONS)).toBe('');
    });
});

describe('json', () => {
    it('names the tool, lists the files, counts by severity and carries each diagnostic whole', () => {
        const json = JSON.parse(REPORTERS.json(result, OPTIONS));
        expect(json.tool).toEqual({ name: 'coil', version: '9.8.7' });
        expect(json.files.map((f: string) => f.replace(/\\/g, '/'))).toEqual([BROKEN, CLEAN_PATH]);
        expect(json.summary).toEqual({ errors: result.counts.error, warnings: result.counts.warning, infos: result.counts.info });
        expect(json.diagnostics).toEqual(result.diagnostics);
        expect(json.diagnostics[0]).toEqual({
            code: expect.stringMatching(/^COIL-[A-Z]\d{3}$/), severity: expect.any(String), message: expect.any(String),
            file: BROKEN, start: { line: expect.any(Number), column: expect.any(Number) },
            end: { line: expect.any(Number), column: expect.any(Number) },
        });
    });
});

describe('text', () => {
    const ANSI = /\u001b\[/;

    it('shows each diagnostic with file:line:col, severity and code, the source line and a caret under the range', () => {
        const text = REPORTERS.text(result, OPTIONS);
        const d = only('COIL-U001');
        const source = workspace.brokenText.split('\n')[d.start.line - 1];
        const pad = ' '.repeat(String(d.start.line).length);
        expect(text).toContain([
            `${BROKEN}:${d.start.line}:${d.start.column} error COIL-U001: ${d.message}`,
            `${pad} |`,
            `${d.start.line} | ${source}`,
            `${pad} | ${' '.repeat(d.start.column - 1)}^^^^^^^`,
        ].join('\n'));
    });

    it('ends with a summary of files, processes, scenarios, errors and warnings', () => {
        const text = REPORTERS.text(result, OPTIONS);
        const { error, warning } = result.counts;
        expect(text.trimEnd().split('\n').at(-1)).toBe(
            `Checked 2 files (1 process, 0 scenarios): ${error} error${error === 1 ? '' : 's'}, ${warning} warning${warning === 1 ? '' : 's'}.`);
    });

    it('says there are no problems when there are none', async () => {
        const clean = await checkPaths([CLEAN], { cwd: workspace.root });
        expect(REPORTERS.text(clean, OPTIONS)).toBe('Checked 1 file: no problems.\n');
    });

    it('has no ANSI escape codes unless colour is asked for', () => {
        expect(REPORTERS.text(result, OPTIONS)).not.toMatch(ANSI);
        const coloured = REPORTERS.text(result, { ...OPTIONS, color: true });
        expect(coloured).toMatch(ANSI);
        expect(coloured).toContain('\u001b[31merror COIL-U001\u001b[39m');
    });
});
