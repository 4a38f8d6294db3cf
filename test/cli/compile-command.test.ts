/**
 * `coil compile` as a user runs it: where the workflow and its source map go, what happens when a
 * process has errors (nothing is written), and that `coil check` now reports the whole-process
 * analyses too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOf, validateSourceMap, verifyWorkflow } from '@coil/compiler';
import { coil, repository, temporaryFolders } from './run-coil.js';

const FRESH = 'examples/autologous-fresh.coil';
const golden = (name: string) => fs.readFileSync(path.join(repository, 'test/compiler/golden', `${name}.workflow.json`), 'utf8');

const tempDir = temporaryFolders('coil-compile-');

/** A workspace of one file: the corpus library plus `text`. */
function workspaceWith(text: string): { dir: string; file: string } {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'coil.json'), '{}\n');
    fs.copyFileSync(path.join(repository, 'test/compiler/analyses/_library/library.coil'), path.join(dir, 'library.coil'));
    const file = path.join(dir, 'process.coil');
    fs.writeFileSync(file, text);
    return { dir, file };
}

describe('coil compile', () => {
    it('writes the workflow to a file, its source map beside it, and names the digest', () => {
        const out = path.join(tempDir(), 'build', 'autologous-fresh.workflow.json');
        const run = coil(['compile', FRESH, '-o', out]);
        expect(run.status, run.stderr).toBe(0);
        const text = fs.readFileSync(out, 'utf8');
        expect(text).toBe(golden('AutologousFresh'));
        const verified = verifyWorkflow(JSON.parse(text));
        expect(verified.ok).toBe(true);
        const digest = JSON.parse(text).digest as string;
        expect(run.stderr).toContain(`Compiled AutologousFresh 3.1.0 -> ${out} (${digest})`);
        const map = JSON.parse(fs.readFileSync(out.replace(/\.json$/, '.map.json'), 'utf8'));
        expect(validateSourceMap(map).ok).toBe(true);
        expect(map.digest).toBe(digest);
        expect(map.nodes['step:Collect']).toMatchObject({ file: 'autologous-fresh.coil', line: 11 });
    });

    it('writes the workflow to standard output when there is one process and no -o', () => {
        const run = coil(['compile', FRESH]);
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).toBe(golden('AutologousFresh'));
    });

    it('writes one workflow and one source map per process into a folder', () => {
        const out = tempDir();
        const run = coil(['compile', 'examples/', '-o', `${out}/`]);
        expect(run.status, run.stderr).toBe(0);
        expect(fs.readdirSync(out).sort()).toEqual([
            'AllogeneicNonViral.workflow.json', 'AllogeneicNonViral.workflow.map.json',
            'AutologousCryo.workflow.json', 'AutologousCryo.workflow.map.json',
            'AutologousFresh.workflow.json', 'AutologousFresh.workflow.map.json',
            'ShortCycle.workflow.json', 'ShortCycle.workflow.map.json',
        ]);
        for (const name of ['AllogeneicNonViral', 'AutologousCryo', 'AutologousFresh', 'ShortCycle']) {
            expect(fs.readFileSync(path.join(out, `${name}.workflow.json`), 'utf8')).toBe(golden(name));
        }
    });

    it('gives the same bytes from another working directory, by absolute path', () => {
        const out = path.join(tempDir(), 'x.workflow.json');
        const run = coil(['compile', path.join(repository, FRESH), '-o', out], os.tmpdir());
        expect(run.status, run.stderr).toBe(0);
        const text = fs.readFileSync(out, 'utf8');
        expect(text).toBe(golden('AutologousFresh'));
        expect(digestOf(JSON.parse(text))).toBe(JSON.parse(text).digest);
    });

    it('refuses several processes for one output file, or for standard output (COIL-E006), writing nothing', () => {
        const dir = tempDir();
        const toFile = coil(['compile', 'examples/', '-o', path.join(dir, 'all.json')]);
        expect(toFile.status).toBe(2);
        expect(toFile.stderr).toContain('COIL-E006');
        const toStdout = coil(['compile', 'examples/']);
        expect(toStdout.status).toBe(2);
        expect(toStdout.stderr).toContain('COIL-E006');
        expect(toStdout.stdout).toBe('');
        expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('writes no file at all when one of several outputs cannot be written (COIL-E005)', () => {
        const out = tempDir();
        fs.mkdirSync(path.join(out, 'ShortCycle.workflow.json', 'keep'), { recursive: true });
        const run = coil(['compile', 'examples/', '-o', `${out}/`]);
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('COIL-E005');
        expect(fs.readdirSync(out)).toEqual(['ShortCycle.workflow.json']);
    });

    it('refuses files that declare no process (COIL-E007)', () => {
        const run = coil(['compile', 'examples/library/materials.coil']);
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('COIL-E007');
    });

    it('writes nothing and exits 1 when a process has errors, showing them as check does', () => {
        const { dir, file } = workspaceWith(fs.readFileSync(path.join(repository, 'test/compiler/analyses/custody/coil-c006-moved-without-transfer.coil'), 'utf8').replace(/[»«]/g, ''));
        const out = path.join(dir, 'out.workflow.json');
        const run = coil(['compile', file, '-o', out]);
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(/process\.coil:\d+:\d+ error COIL-C006: Step Select uses Apheresis/);
        expect(run.stderr).toContain('nothing written: MovedWithoutTransfer has errors');
        expect(fs.existsSync(out)).toBe(false);
        expect(fs.existsSync(out.replace(/\.json$/, '.map.json'))).toBe(false);
    });

    it('names only the processes that have errors when it refuses a file of several', () => {
        const clean = fs.readFileSync(path.join(repository, 'test/compiler/analyses/graph/coil-f012-released-cleanly.coil'), 'utf8');
        const broken = fs.readFileSync(path.join(repository, 'test/compiler/analyses/custody/coil-c006-moved-without-transfer.coil'), 'utf8').replace(/[»«]/g, '');
        const { dir, file } = workspaceWith(`${clean}\n${broken}`);
        const run = coil(['compile', file, '-o', `${dir}/out/`]);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('nothing written: MovedWithoutTransfer has errors.');
        expect(run.stderr).not.toContain('ReleasedCleanly');
        expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    });

    it('compiles despite warnings, and shows them unless --quiet', () => {
        const source = fs.readFileSync(path.join(repository, 'test/compiler/analyses/graph/coil-f014-no-release.coil'), 'utf8').replace(/[»«]/g, '');
        const { dir, file } = workspaceWith(source);
        const out = path.join(dir, 'w.workflow.json');
        const loud = coil(['compile', file, '-o', out]);
        expect(loud.status, loud.stderr).toBe(0);
        expect(loud.stderr).toContain('warning COIL-F014');
        expect(fs.existsSync(out)).toBe(true);
        const quiet = coil(['compile', file, '-o', out, '--quiet']);
        expect(quiet.status).toBe(0);
        expect(quiet.stderr).not.toContain('COIL-F014');
    });
});

describe('coil check with the whole-process analyses', () => {
    it('reports an analysis finding with its code, range and exit status 1', () => {
        const source = fs.readFileSync(path.join(repository, 'test/compiler/analyses/timing/coil-t006-budget-too-short.coil'), 'utf8').replace(/[»«]/g, '');
        const { file } = workspaceWith(source);
        const run = coil(['check', file, '--format', 'json']);
        expect(run.status).toBe(1);
        const report = JSON.parse(run.stdout);
        const found = report.diagnostics.filter((d: { code: string }) => d.code === 'COIL-T006');
        expect(found).toHaveLength(1);
        expect(found[0].message).toContain('The critical path: Collect (2 h) -> Select (1 d) -> Expand (2 d)');
        expect(found[0].start.line).toBe(7);
    });

    it('keeps the examples clean', () => {
        const run = coil(['check', 'examples/']);
        expect(run.status).toBe(0);
        expect(run.stdout).toContain('no problems');
    });
});
