/**
 * The README's tour shows real output: the analysis finding it quotes is what `coil check` says
 * about the changed example, and the digest it quotes is the example's compiled digest.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function coil(args: string[], cwd: string): string {
    const run = spawnSync(process.execPath, [path.join(root, 'cli/bin/coil.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    return run.stdout + run.stderr;
}

/** Runs `coil check examples/autologous-fresh.coil` on a copy of the examples changed by `edit`. */
function checkChanged(edit: (text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-readme-'));
    try {
        fs.cpSync(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true });
        const file = path.join(dir, 'examples/autologous-fresh.coil');
        const text = fs.readFileSync(file, 'utf8');
        const changed = edit(text);
        expect(changed).not.toBe(text);
        fs.writeFileSync(file, changed);
        return coil(['check', 'examples/autologous-fresh.coil'], dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe('README.md', () => {
    it('shows what coil check says about the three mistakes it describes', () => {
        const output = checkChanged(text => text
            .replace('max 48 h at 2 °C .. 8 °C on breach raise HoldExceeded', 'max 48 °C at 2 °C .. 8 °C on breach raise HoldExceeded')
            .replace('verify identity at dispatch, receipt on mismatch raise IdentityMismatch', 'verify identity at dispatch on mismatch raise IdentityMismatch')
            .replace('on out_of_range raise LowPurity\n', 'on out_of_range raise LowPurityy\n'));
        const block = /\$ npx coil check examples\/autologous-fresh.coil\n([\s\S]*?)\n```/.exec(readme);
        expect(block, 'the README shows a coil check run').not.toBeNull();
        expect(output.trimEnd()).toBe(block![1]);
    });

    it('quotes the budget finding exactly as coil check reports it', () => {
        const quoted = readme.split('\n').find(l => l.includes('error COIL-T006'));
        expect(quoted, 'the README quotes a COIL-T006 line').toBeDefined();
        const output = checkChanged(text => text.replace('vein_to_vein within 35 d', 'vein_to_vein within 10 d'));
        expect(output.split('\n')).toContain(quoted);
    });

    it('quotes the digest the example compiles to (after an IR change, update the README with the new digest)', () => {
        const quoted = /Compiled AutologousFresh [\d.]+ -> \S+ \((sha256:[0-9a-f]{64})\)/.exec(readme);
        expect(quoted, 'the README quotes a compile line').not.toBeNull();
        const golden = JSON.parse(fs.readFileSync(path.join(root, 'test/compiler/golden/AutologousFresh.workflow.json'), 'utf8'));
        expect(quoted![1]).toBe(golden.digest);
    });

    it('shows what coil run and coil verify print for the late-apheresis batch', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-readme-'));
        try {
            const run = coil(['run', path.join(root, 'examples/autologous-fresh.coil'), '--scenario', 'late apheresis', '--db', 'coil.db'], dir);
            const verify = coil(['verify', '--db', 'coil.db'], dir);
            const block = /\$ npx coil run examples\/autologous-fresh.coil --scenario "late apheresis" --db coil.db\n([\s\S]*?)\$ npx coil verify --db coil.db\n([\s\S]*?)\n```/.exec(readme);
            expect(block, 'the README shows a coil run and a coil verify').not.toBeNull();
            const runLines = run.split('\n');
            for (const line of block![1].split('\n').filter(l => l.trim() !== '' && l.trim() !== '...')) expect(runLines).toContain(line);
            expect(verify.trimEnd()).toBe(block![2]);
            const tested = /\$ npx coil test examples\/\n\.\.\.\n(\d+) scenarios: (\d+) passed, 0 failed/.exec(readme);
            expect(tested, 'the README shows a coil test summary').not.toBeNull();
            expect(coil(['test', 'examples/'], root)).toContain(`${tested![1]} scenarios: ${tested![2]} passed, 0 failed`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
