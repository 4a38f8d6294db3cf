/**
 * What `compile`, `graph` and `doc` share: compile the given paths (diagnostics as in `check`, on
 * stderr), refuse everything when any process has errors, and write one output per process,
 * atomically, to a file, a folder, or standard output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { CompiledProcess } from '@coil/compiler';
import type { Io } from '../index.js';
import { useColor } from './check.js';
import { VERSION } from '../version.js';

export interface OutputFlags {
    output?: string;
    color?: boolean;
    quiet?: boolean;
}

/** A command that compiles and writes one output per process, with the argument and options they all share. */
export function outputCommand(program: Command, name: string, description: string, outputHelp: string): Command {
    return program
        .command(name)
        .description(description)
        .argument('[paths...]', '.coil files or folders (default: the current folder)')
        .option('-o, --output <file-or-folder>', outputHelp)
        .option('--color', 'colour diagnostics even when not on a terminal')
        .option('--no-color', 'never colour diagnostics')
        .option('-q, --quiet', 'report errors only, not warnings');
}

/**
 * Compiles; on errors reports them and returns undefined (exit 1, nothing written). Warnings are
 * reported on stderr unless --quiet.
 */
export async function compileOrReport(paths: readonly string[], flags: OutputFlags, io: Io): Promise<CompiledProcess[] | undefined> {
    const { compilePaths, REPORTERS } = await import('@coil/compiler');
    const { CoilInputError } = await import('@coil/language');
    const result = await compilePaths(paths.length > 0 ? paths : ['.']);
    const shown = flags.quiet ? result.diagnostics.filter(d => d.severity === 'error') : result.diagnostics;
    if (shown.length > 0) {
        const counts = { error: 0, warning: 0, info: 0 };
        shown.forEach(d => counts[d.severity]++);
        const color = useColor({ color: flags.color, output: 'stderr' }, io);
        io.stderr.write(REPORTERS.text({ ...result, diagnostics: shown, counts }, { color, toolVersion: VERSION }));
    }
    if (result.counts.error > 0 || result.refused.length > 0) {
        io.stderr.write(`coil: nothing written: ${result.refused.length > 0 ? result.refused.join(', ') : 'the processes'} ${result.refused.length === 1 ? 'has' : 'have'} errors.\n`);
        return undefined;
    }
    if (result.processes.length === 0) {
        throw new CoilInputError('COIL-E007', `${paths.join(' ') || '.'}: no process to compile (these files declare only shared things)`);
    }
    return [...result.processes];
}

export interface Output {
    /** A file name for this output inside a folder: `AutologousFresh.workflow.json`. */
    readonly name: string;
    readonly text: string | Uint8Array;
}

/**
 * Where outputs go: with one output and no -o, standard output; with -o naming a file (it has
 * the expected extension, or does not exist as a folder), that file; otherwise, a folder.
 * Several outputs need a folder. All files are written only when every output is ready.
 */
export async function writeOutputs(outputs: ReadonlyArray<{ main: Output; extra?: Output[] }>, flags: OutputFlags, extension: string, io: Io): Promise<string[]> {
    const { CoilInputError } = await import('@coil/language');
    const target = flags.output;
    if (target === undefined) {
        if (outputs.length !== 1) {
            throw new CoilInputError('COIL-E006', `${outputs.length} processes to write but no output folder: give one with -o, e.g. -o build/`);
        }
        io.stdout.write(outputs[0].main.text);
        return [];
    }
    const isFolder = target.endsWith('/') || target.endsWith(path.sep) || (fs.existsSync(target) && fs.statSync(target).isDirectory()) || !target.endsWith(extension);
    const files: Array<{ file: string; text: string | Uint8Array }> = [];
    if (isFolder) {
        for (const { main, extra } of outputs) {
            for (const o of [main, ...(extra ?? [])]) files.push({ file: path.join(target, o.name), text: o.text });
        }
    } else {
        if (outputs.length !== 1) {
            throw new CoilInputError('COIL-E006', `${outputs.length} processes (${outputs.map(o => o.main.name.split('.')[0]).join(', ')}) but one output file ${target}: give a folder, e.g. -o ${path.dirname(target)}/`);
        }
        files.push({ file: target, text: outputs[0].main.text });
        // Extras (a source map) go beside the file: x.workflow.json -> x.workflow.map.json.
        const base = outputs[0].main.name.slice(0, -extension.length);
        for (const o of outputs[0].extra ?? []) {
            files.push({ file: target.slice(0, -extension.length) + o.name.slice(base.length), text: o.text });
        }
    }
    // Every file is written to a temporary one first; only when all are written are they renamed
    // into place, so that a failure leaves no output of this run, and no temporary file.
    const temporaries: string[] = [];
    try {
        for (const { file, text } of files) {
            fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
            const temporary = `${file}.${process.pid}.tmp`;
            temporaries.push(temporary);
            fs.writeFileSync(temporary, text);
        }
        for (const { file } of files) {
            if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw Object.assign(new Error(`${file} is a folder`), { code: 'EISDIR' });
        }
        files.forEach(({ file }, i) => fs.renameSync(temporaries[i], file));
    } catch (e) {
        for (const temporary of temporaries) fs.rmSync(temporary, { force: true });
        throw new CoilInputError('COIL-E005', `cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return files.map(f => f.file);
}
