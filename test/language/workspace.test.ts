import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildWorkspace, checkPaths, CoilInputError, findProject, listCoilFiles } from '@coil/language';

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
        write('process.coil', PROCESS);
        const result = await checkPaths(['process.coil'], { cwd: dir });
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
        const result = await checkPaths(['.'], { cwd: dir });
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
        const result = await checkPaths(['.'], { cwd: dir });
        const duplicates = result.diagnostics.filter(d => d.code === 'COIL-N001');
        expect(new Set(duplicates.map(d => d.file))).toEqual(new Set(['one.coil', 'two.coil']));
        expect(duplicates[0].message).toMatch(/also declared in (one|two)\.coil/);
    });
    it('a file above a nested coil.json sees nothing of the nested workspace', async () => {
        write('nested/coil.json', JSON.stringify({ name: 'nested' }));
        write('nested/library.coil', LIBRARY);
        const file = write('process.coil', PROCESS);
        expect(listCoilFiles([dir])).toEqual([file]);
        const result = await checkPaths([file], { cwd: dir });
        expect(result.diagnostics.map(d => d.code)).toContain('COIL-R001');
    });

    it('the files of a nested workspace are checked in their own workspace, not the one above', async () => {
        write('library.coil', LIBRARY);
        write('nested/coil.json', JSON.stringify({ name: 'nested' }));
        write('nested/library.coil', LIBRARY);
        write('nested/process.coil', PROCESS);
        // One folder argument spanning both workspaces: no duplicate across them, each file checked.
        const result = await checkPaths(['.'], { cwd: dir });
        expect(result.files.map(f => f.file)).toEqual(['library.coil', 'nested/library.coil', 'nested/process.coil']);
        expect(result.diagnostics).toEqual([]);
    });

    it('a folder argument spanning two coil.json projects groups each file with its own project', async () => {
        write('one/coil.json', JSON.stringify({ name: 'one' }));
        write('one/library.coil', LIBRARY);
        write('one/process.coil', PROCESS);
        write('two/coil.json', JSON.stringify({ name: 'two' }));
        write('two/library.coil', LIBRARY);
        write('two/process.coil', PROCESS);
        const result = await checkPaths(['.'], { cwd: dir });
        expect(result.files.map(f => f.file)).toEqual(['one/library.coil', 'one/process.coil', 'two/library.coil', 'two/process.coil']);
        expect(result.diagnostics).toEqual([]);
    });

    it('a path that is not a .coil file is input error COIL-E002', async () => {
        write('package.json', '{}');
        const error = await checkPaths(['package.json'], { cwd: dir }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CoilInputError);
        expect(error).toMatchObject({ code: 'COIL-E002', message: expect.stringMatching(/package\.json: not a \.coil file/) });
    });

    it('a missing path is COIL-E001 and a broken coil.json COIL-E003', async () => {
        await expect(checkPaths(['nope.coil'], { cwd: dir })).rejects.toMatchObject({ code: 'COIL-E001' });
        write('coil.json', '{ not json');
        const file = write('process.coil', PROCESS);
        await expect(checkPaths([file], { cwd: dir })).rejects.toMatchObject({ code: 'COIL-E003' });
    });

    it('a folder without any .coil file is input error COIL-E004', async () => {
        write('notes/readme.txt', 'no processes here');
        await expect(checkPaths(['notes'], { cwd: dir })).rejects.toMatchObject({ code: 'COIL-E004', message: 'no .coil files below notes' });
    });

    it('follows symbolic links to files and folders, without looping', async () => {
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-ws-outside-'));
        try {
            fs.writeFileSync(path.join(outside, 'library.coil'), LIBRARY);
            fs.mkdirSync(path.join(dir, 'shared'));
            fs.symlinkSync(path.join(outside, 'library.coil'), path.join(dir, 'shared', 'library.coil'));
            fs.mkdirSync(path.join(outside, 'more'));
            fs.writeFileSync(path.join(outside, 'more', 'process.coil'), PROCESS);
            fs.symlinkSync(path.join(outside, 'more'), path.join(dir, 'more'));
            fs.symlinkSync(dir, path.join(dir, 'more-loop')); // a loop back to the workspace
            const result = await checkPaths(['.'], { cwd: dir });
            expect(result.files.map(f => f.file)).toEqual(['more/process.coil', 'shared/library.coil']);
            // more/process.coil's workspace is more/ (no coil.json): it does not see shared/.
            const linked = await checkPaths(['.'], { cwd: dir });
            expect(linked.files).toHaveLength(2);
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it('a symbolic link to a .coil file, given as the argument, is checked against its workspace', async () => {
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-ws-outside-'));
        try {
            write('library.coil', LIBRARY);
            fs.writeFileSync(path.join(outside, 'process.coil'), PROCESS);
            fs.symlinkSync(path.join(outside, 'process.coil'), path.join(dir, 'process.coil'));
            const result = await checkPaths(['process.coil'], { cwd: dir });
            expect(result.files.map(f => f.file)).toEqual(['process.coil']);
            expect(result.diagnostics).toEqual([]);
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it('shows an absolute argument as given and a relative one relative to cwd', async () => {
        const file = write('sub/process.coil', PROCESS);
        write('sub/library.coil', LIBRARY);
        const other = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-ws-cwd-'));
        try {
            expect((await checkPaths([file], { cwd: other })).files.map(f => f.file)).toEqual([file]);
            expect((await checkPaths(['sub/process.coil'], { cwd: dir })).files.map(f => f.file)).toEqual(['sub/process.coil']);
        } finally {
            fs.rmSync(other, { recursive: true, force: true });
        }
    });

    it('a file nesting too deeply is reported as COIL-X001 on that file; the others are still checked', async () => {
        write('library.coil', LIBRARY);
        write('process.coil', PROCESS);
        const depth = 300;
        const deep = `process Deep {\n version 1.0.0\n product autologous\n identity isbt128\n vein_to_vein within 28 d\n`
            + 'parallel { branch B { '.repeat(depth)
            + 'step S at Lab.R1 by Operator { duration 1 h .. 2 h }'
            + ' } }'.repeat(depth) + '\n}\n';
        write('deep.coil', deep);
        const result = await checkPaths(['.'], { cwd: dir });
        const x001 = result.diagnostics.filter(d => d.code === 'COIL-X001');
        expect(x001.map(d => d.file)).toEqual(['deep.coil']);
        expect(x001[0].message).toMatch(/nests too deeply to check/);
        expect(result.files.map(f => f.file)).toEqual(['library.coil', 'process.coil']);
        expect(result.diagnostics.filter(d => d.file !== 'deep.coil')).toEqual([]);
    });
    it('links and validates only the files asked about; the rest is indexed so its names resolve', async () => {
        const library = path.join(dir, 'library.coil');
        const process = path.join(dir, 'process.coil');
        const documents = await buildWorkspace(
            [{ file: library, text: `${LIBRARY}\nrole Operator "Twice"\n` }, { file: process, text: PROCESS }],
            [],
            new Set([process]),
        );
        const [lib, proc] = documents;
        expect(proc.diagnostics).toEqual([]);
        expect(lib.diagnostics).toBeUndefined(); // not validated: its duplicate role is not looked for
        expect(lib.state).toBeLessThan(proc.state);
    });
});
