import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_NAMES } from '@coil/compiler';
import { main, type Io } from '../../cli/src/index.js';
import { FORMATS } from '../../cli/src/commands/check.js';
import { INPUT_ERRORS } from '../../language/src/workspace/project.js';
import { BROKEN, makeWorkspace, type Workspace } from './broken-workspace.js';

const repository = path.resolve(__dirname, '../..');
const ANSI = /\u001b\[/;
const STACK = /^\s+at /m;

function coil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, ['cli/bin/coil.js', ...args], {
        cwd: repository,
        encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, COIL_DEBUG: undefined },
        timeout: 60_000,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** An Io that collects the output; `isTTY` and the environment as given. */
function memoryIo(env: NodeJS.ProcessEnv, isTTY = false, failWrite = false): Io & { out: () => string; err: () => string } {
    let out = '';
    let err = '';
    const stdout = Object.assign(new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } }), { isTTY });
    if (failWrite) stdout.write = () => { throw new Error('boom'); };
    const stderr = new Writable({ write(chunk, _enc, done) { err += String(chunk); done(); } });
    return { stdout, stderr, env, out: () => out, err: () => err };
}

let workspace: Workspace;
let broken: string;
beforeAll(() => {
    workspace = makeWorkspace();
    broken = path.join(workspace.root, BROKEN);
});
afterAll(() => workspace.remove());

describe('coil input errors', () => {
    it('each input-error code is documented in docs/cli.md', () => {
        const docs = fs.readFileSync(path.join(repository, 'docs/cli.md'), 'utf8');
        for (const code of Object.keys(INPUT_ERRORS)) expect(docs).toContain(`| \`${code}\` |`);
    });

    it('a path that is not a .coil file: COIL-E002, exit 2, no stack trace', () => {
        const run = coil('check', 'package.json');
        expect(run.status).toBe(2);
        expect(run.stderr).toBe('coil: error COIL-E002: package.json: not a .coil file (give .coil files or folders holding them)\n');
        expect(run.stdout).toBe('');
    });

    it('a path that does not exist: COIL-E001', () => {
        const run = coil('check', 'no/such/process.coil');
        expect(run.status).toBe(2);
        expect(run.stderr).toBe('coil: error COIL-E001: no/such/process.coil: no such file or folder\n');
    });

    it('a folder with no .coil file: COIL-E004, exit 2', () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-empty-'));
        try {
            const run = coil('check', empty);
            expect(run.status).toBe(2);
            expect(run.stderr).toBe(`coil: error COIL-E004: no .coil files below ${empty}\n`);
            expect(run.stdout).not.toMatch(/Checked 0 files/);
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });

    it('a report that cannot be written: COIL-E005', () => {
        const run = coil('check', broken, '--output', path.join(workspace.root, 'no', 'such', 'folder', 'r.json'));
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/^coil: error COIL-E005: cannot write /);
    });
});

describe('coil output', () => {
    it('shows an absolute path argument as given, not relative to the working folder', () => {
        const run = coil('check', broken);
        expect(run.stdout.startsWith(`${broken}:`)).toBe(true);
        expect(run.stdout).not.toContain('../');
    });

    it('does not crash when the reader closes the pipe early (| head -1)', () => {
        const run = spawnSync('/bin/sh', ['-c', 'node cli/bin/coil.js check test/language/corpus | head -1'], {
            cwd: repository, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000,
        });
        expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(1);
        expect(run.stderr).not.toMatch(/EPIPE|Error/);
    });

    it('checks `.` in the repository without duplicates across workspaces', () => {
        const run = coil('check', '.', '--format', 'json');
        const json = JSON.parse(run.stdout);
        const across = json.diagnostics.filter((d: { code: string; file: string; message: string }) =>
            d.code === 'COIL-N001' && (d.file.startsWith('examples/') || /examples\//.test(d.message)));
        expect(across).toEqual([]);
        expect(json.diagnostics.filter((d: { file: string }) => d.file.startsWith('examples/'))).toEqual([]);
    });
});

describe('coil internal errors', () => {
    const argv = () => ['node', 'coil', 'check', broken];

    it('print a short message and exit 2; no stack without COIL_DEBUG', async () => {
        const io = memoryIo({}, false, true);
        expect(await main(argv(), io)).toBe(2);
        expect(io.err()).toBe('coil: internal error, please report it: boom\n');
    });

    it('print the stack with COIL_DEBUG=1', async () => {
        const io = memoryIo({ COIL_DEBUG: '1' }, false, true);
        expect(await main(argv(), io)).toBe(2);
        expect(io.err()).toMatch(/^coil: internal error, please report it: boom\n/);
        expect(io.err()).toMatch(STACK);
    });
});

describe('coil colour', () => {
    const argv = () => ['node', 'coil', 'check', broken];

    it('FORCE_COLOR colours even when piped', async () => {
        const io = memoryIo({ FORCE_COLOR: '1' });
        await main(argv(), io);
        expect(io.out()).toMatch(ANSI);
    });

    it('FORCE_COLOR=0 or empty does not force colour', async () => {
        for (const value of ['0', '']) {
            const io = memoryIo({ FORCE_COLOR: value });
            await main(argv(), io);
            expect(io.out()).not.toMatch(ANSI);
        }
    });

    it('NO_COLOR is read from the environment given to main, even on a terminal', async () => {
        const tty = memoryIo({}, true);
        await main(argv(), tty);
        expect(tty.out()).toMatch(ANSI);
        const noColor = memoryIo({ NO_COLOR: '1' }, true);
        await main(argv(), noColor);
        expect(noColor.out()).not.toMatch(ANSI);
    });

    it('--no-color wins over FORCE_COLOR', async () => {
        const io = memoryIo({ FORCE_COLOR: '1' });
        await main([...argv(), '--no-color'], io);
        expect(io.out()).not.toMatch(ANSI);
    });
});

describe('coil startup', () => {
    it('lists the same formats as the compiler, without loading it for --help', () => {
        expect([...FORMATS]).toEqual(FORMAT_NAMES);
    });
});
