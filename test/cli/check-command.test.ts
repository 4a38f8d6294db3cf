import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN, makeWorkspace, positionOf, type Workspace } from './broken-workspace.js';

const repository = path.resolve(__dirname, '../..');
const ANSI = /\u001b\[/;

interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs the real `coil` as a user would, from the repository root, its output piped (not a terminal). */
function coil(...args: string[]): Run {
    const run = spawnSync(process.execPath, ['cli/bin/coil.js', ...args], {
        cwd: repository,
        encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined },
        timeout: 60_000,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let workspace: Workspace;
/** The broken file as the CLI names it: relative to the repository root it runs in. */
let broken: string;

beforeAll(() => {
    workspace = makeWorkspace();
    broken = path.relative(repository, path.join(workspace.root, BROKEN));
});
afterAll(() => workspace.remove());

describe('coil check, exit status', () => {
    it('is 0 on the examples, which have no problems', () => {
        const run = coil('check', 'examples/');
        expect(run.stdout).toMatch(/Checked \d+ files \(\d+ processes, \d+ scenarios\): no problems\./);
        expect(run.status).toBe(0);
    });

    it('is 1 on a file with errors, each shown as file:line:col, severity, code and message', () => {
        const run = coil('check', broken);
        expect(run.status).toBe(1);
        const at = positionOf(workspace.brokenText, 'parsecs');
        expect(run.stdout).toMatch(new RegExp(`^${escape(broken)}:${at.line}:${at.column} error COIL-U001: 'parsecs' is not a unit`, 'm'));
        expect(run.stdout).toMatch(/error COIL-D001: .*NoSuchDeviation/);
        expect(run.stdout).toMatch(/error COIL-P001: /);
        expect(run.stdout).toMatch(/Checked 1 file \(1 process, \d+ scenarios?\): \d+ errors?, \d+ warnings?\./);
    });

    it('is 2 for a path that does not exist, saying which', () => {
        const run = coil('check', 'no/such/process.coil');
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('no/such/process.coil: no such file or folder');
        expect(run.stdout).toBe('');
    });

    it('is 2 for an unknown --format, listing the formats there are', () => {
        const run = coil('check', 'examples/', '--format', 'xml');
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/'xml' is invalid/);
        for (const format of ['text', 'json', 'sarif', 'junit', 'github']) expect(run.stderr).toContain(format);
    });

    it('is 2 for an unknown option', () => {
        const run = coil('check', 'examples/', '--frobnicate');
        expect(run.status).toBe(2);
        expect(run.stderr).toContain("unknown option '--frobnicate'");
    });
});

describe('coil check --format', () => {
    it('json: one JSON document with the diagnostics', () => {
        const run = coil('check', broken, '--format', 'json');
        expect(run.status).toBe(1);
        const json = JSON.parse(run.stdout);
        expect(json.tool.name).toBe('coil');
        expect(json.diagnostics.map((d: { code: string }) => d.code)).toContain('COIL-U001');
    });

    it('sarif: a SARIF 2.1.0 log whose results name the rules', () => {
        const run = coil('check', broken, '--format', 'sarif');
        expect(run.status).toBe(1);
        const sarif = JSON.parse(run.stdout);
        expect(sarif.version).toBe('2.1.0');
        expect(sarif.runs[0].tool.driver.name).toBe('coil');
        expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toContain('COIL-U001');
    });

    it('junit: an XML test report with a failing test case', () => {
        const run = coil('check', broken, '--format', 'junit');
        expect(run.status).toBe(1);
        expect(run.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
        expect(run.stdout).toContain('<failure message="COIL-U001: ');
        expect(run.stdout.trimEnd().endsWith('</testsuites>')).toBe(true);
    });

    it('github: one workflow command per line', () => {
        const run = coil('check', broken, '--format', 'github');
        expect(run.status).toBe(1);
        const lines = run.stdout.trimEnd().split('\n');
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) expect(line).toMatch(/^::(error|warning|notice) file=[^,]+,line=\d+,/);
        expect(lines.some(l => l.startsWith('::error ') && l.includes('title=COIL-U001 Unknown unit::'))).toBe(true);
    });

    it('text is the default', () => {
        expect(coil('check', broken).stdout).toBe(coil('check', broken, '--format', 'text').stdout);
    });
});

describe('coil check output', () => {
    it('--output writes the report to the file and nothing to standard output', () => {
        const report = path.join(workspace.root, 'report.sarif');
        const run = coil('check', broken, '--format', 'sarif', '--output', report);
        expect(run.status).toBe(1);
        expect(run.stdout).toBe('');
        expect(JSON.parse(fs.readFileSync(report, 'utf8')).version).toBe('2.1.0');
    });

    it('has no ANSI escape codes when piped', () => {
        const run = coil('check', broken);
        expect(run.stdout).toContain('error COIL-U001');
        expect(run.stdout).not.toMatch(ANSI);
    });

    it('is coloured with --color even when piped', () => {
        expect(coil('check', broken, '--color').stdout).toContain('\u001b[31merror COIL-U001\u001b[39m');
    });

    it('--quiet hides warnings but keeps errors and the exit status', () => {
        const loud = coil('check', broken);
        expect(loud.stdout).toMatch(/ warning COIL-/);
        const quiet = coil('check', broken, '--quiet');
        expect(quiet.status).toBe(1);
        expect(quiet.stdout).toContain('error COIL-U001');
        expect(quiet.stdout).not.toMatch(/ warning COIL-/);
        expect(quiet.stdout).toMatch(/0 warnings\.$/m);
        const json = JSON.parse(coil('check', broken, '--quiet', '--format', 'json').stdout);
        expect(json.summary.warnings).toBe(0);
        expect(json.summary.errors).toBe(json.diagnostics.length);
    });
});

describe('coil help and version', () => {
    it('coil --help lists the check command and exits 0', () => {
        const run = coil('--help');
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(/^Usage: coil /m);
        expect(run.stdout).toMatch(/^ {2}check /m);
    });

    it('coil check --help describes the options and formats and exits 0', () => {
        const run = coil('check', '--help');
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(/^Usage: coil check /m);
        for (const text of ['--format', '--output', '--quiet', '--color', '"sarif"', '"junit"', '"github"']) {
            expect(run.stdout).toContain(text);
        }
    });

    it('coil --version prints the version of the CLI package', () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(repository, 'cli/package.json'), 'utf8'));
        const run = coil('--version');
        expect(run.status).toBe(0);
        expect(run.stdout).toBe(`${version}\n`);
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
