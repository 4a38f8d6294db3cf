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
    const run = spawnSync(process.execPath, [path.join(root, 'cli/bin/coil.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    return run.stdout + run.stderr;
}

describe('README.md', () => {
    it('quotes the budget finding exactly as coil check reports it', () => {
        const quoted = readme.split('\n').find(l => l.includes('error COIL-T006'));
        expect(quoted, 'the README quotes a COIL-T006 line').toBeDefined();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-readme-'));
        try {
            fs.cpSync(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true });
            const file = path.join(dir, 'examples/autologous-fresh.coil');
            const text = fs.readFileSync(file, 'utf8');
            expect(text).toContain('vein_to_vein within 35 d');
            fs.writeFileSync(file, text.replace('vein_to_vein within 35 d', 'vein_to_vein within 10 d'));
            const output = coil(['check', 'examples/autologous-fresh.coil'], dir);
            expect(output.split('\n')).toContain(quoted);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('quotes the digest the example compiles to (after an IR change, update the README with the new digest)', () => {
        const quoted = /Compiled AutologousFresh [\d.]+ -> \S+ \((sha256:[0-9a-f]{64})\)/.exec(readme);
        expect(quoted, 'the README quotes a compile line').not.toBeNull();
        const golden = JSON.parse(fs.readFileSync(path.join(root, 'test/compiler/golden/AutologousFresh.workflow.json'), 'utf8'));
        expect(quoted![1]).toBe(golden.digest);
    });
});
