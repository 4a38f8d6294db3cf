import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPaths, CoilInputError, findProject } from '@coil/language';

const LIBRARY = `
role Operator "Operator"
material Cells "Cells" { origin reagent }
site Lab "Lab" { room R1 grade C }
`;

const PROCESS = `
process P "P" {
  version 1.0.0
  product autologous
  identity isbt128
  vein_to_vein within 30 d
  step S at Lab.R1 by Operator { duration 1 h .. 2 h produces Cells }
}
`;

describe('the workspace rule', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-ws-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function write(rel: string, text: string): string {
        const file = path.join(dir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        return file;
    }

    it('without coil.json, a file sees its own folder and everything below it', async () => {
        write('shared/library.coil', LIBRARY);
        const file = write('process.coil', PROCESS);
        const result = await checkPaths([file], { cwd: dir });
        expect(result.diagnostics).toEqual([]);
        expect(result.files.map(f => f.file)).toEqual(['process.coil']);
    });

    it('without coil.json, a file does not see its parent folder', async () => {
        write('library.coil', LIBRARY);
        const file = write('processes/process.coil', PROCESS);
        const result = await checkPaths([file], { cwd: dir });
        expect(result.diagnostics.map(d => d.code)).toContain('COIL-R001');
    });

    it('the nearest coil.json upward defines the workspace and its source folders', async () => {
        write('coil.json', JSON.stringify({ name: 'plant', sources: ['processes', 'library'] }));
        write('library/library.coil', LIBRARY);
        const file = write('processes/deep/process.coil', PROCESS);
        expect(findProject(file)).toMatchObject({ root: dir, name: 'plant' });
        const result = await checkPaths([file], { cwd: dir });
        expect(result.diagnostics).toEqual([]);
    });

    it('a folder argument reports every .coil file below it, sorted', async () => {
        write('b.coil', LIBRARY);
        write('a/process.coil', PROCESS);
        const result = await checkPaths([dir], { cwd: dir });
        expect(result.files.map(f => f.file)).toEqual(['a/process.coil', 'b.coil']);
    });

    it('a broken coil.json is an input error that names the file', async () => {
        write('coil.json', '{ "sources": "not a list" }');
        const file = write('process.coil', PROCESS);
        await expect(checkPaths([file], { cwd: dir })).rejects.toThrow(CoilInputError);
        await expect(checkPaths([file], { cwd: dir })).rejects.toThrow(/coil\.json: "sources" must be a list/);
    });

    it('a missing path is an input error', async () => {
        await expect(checkPaths(['nope.coil'], { cwd: dir })).rejects.toThrow(/nope\.coil: no such file or folder/);
    });

    it('a shared declaration declared in two files of a workspace is reported in both', async () => {
        write('one.coil', LIBRARY);
        write('two.coil', LIBRARY);
        const result = await checkPaths([dir], { cwd: dir });
        const duplicates = result.diagnostics.filter(d => d.code === 'COIL-N001');
        expect(new Set(duplicates.map(d => d.file))).toEqual(new Set(['one.coil', 'two.coil']));
        expect(duplicates[0].message).toMatch(/also declared in (one|two)\.coil/);
    });
});
