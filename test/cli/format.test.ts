/**
 * `coil format` with the real binary: it rewrites messy files in place to the examples' layout,
 * `--check` lists them and writes nothing, and a file with syntax errors is left as it is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coil, repository, temporaryFolders } from './run-coil.js';

const tempDir = temporaryFolders('coil-format-');
const EXAMPLES = path.join(repository, 'examples');
const MESSY = ['autologous-fresh.coil', 'library/sites.coil'];

/** A copy of the examples where MESSY files lost their indentation and each block's brace moved to a line of its own. */
function messyExamples(): string {
    const dir = tempDir();
    fs.cpSync(EXAMPLES, dir, { recursive: true });
    for (const file of MESSY) {
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        fs.writeFileSync(path.join(dir, file), text.replace(/^ +/gm, '').replace(/ \{$/gm, '\n   {'));
    }
    return dir;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

describe('coil format', () => {
    it('finds nothing to change in the examples', () => {
        const run = coil(['format', '--check', 'examples']);
        expect(run.stderr).toBe('');
        expect(run.stdout).toBe('');
        expect(run.status).toBe(0);
    });

    it('--check lists the files that would change, exits 1 and writes nothing', () => {
        const dir = messyExamples();
        const before = MESSY.map(file => read(dir, file));
        const run = coil(['format', '--check'], dir);
        expect(run.stdout.split('\n').filter(Boolean)).toEqual(MESSY);
        expect(run.stderr).toContain('2 files are not in the canonical layout: run coil format to rewrite them');
        expect(run.status).toBe(1);
        expect(MESSY.map(file => read(dir, file))).toEqual(before);
    });

    it('rewrites messy files in place to the canonical layout', () => {
        const dir = messyExamples();
        const run = coil(['format', '.'], dir);
        expect(run.stdout.split('\n').filter(Boolean)).toEqual(MESSY);
        expect(run.status).toBe(0);
        for (const file of MESSY) expect(read(dir, file)).toBe(read(EXAMPLES, file));
        expect(coil(['format', '--check', '.'], dir).status).toBe(0);
    });

    it('leaves a file with syntax errors as it is, formats the others, and exits 1', () => {
        const dir = messyExamples();
        const broken = read(dir, 'library/sites.coil').replace('site Plant', 'site Plant {');
        fs.writeFileSync(path.join(dir, 'library/sites.coil'), broken);
        const run = coil(['format', 'autologous-fresh.coil', 'library/sites.coil'], dir);
        expect(run.stderr).toContain('library/sites.coil: not formatted, it has syntax errors: see coil check library/sites.coil');
        expect(run.stdout).toBe('autologous-fresh.coil\n');
        expect(run.status).toBe(1);
        expect(read(dir, 'library/sites.coil')).toBe(broken);
        expect(read(dir, 'autologous-fresh.coil')).toBe(read(EXAMPLES, 'autologous-fresh.coil'));
    });

    it('reports a path that does not exist as an input error', () => {
        const run = coil(['format', 'missing.coil'], tempDir());
        expect(run.stderr).toBe('coil: error COIL-E001: missing.coil: no such file or folder\n');
        expect(run.stdout).toBe('');
        expect(run.status).toBe(2);
    });
});
