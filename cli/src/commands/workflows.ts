/**
 * What `test`, `run` (and later `serve`) run: compiled workflows, from .coil sources compiled on the
 * spot (refused, with the diagnostics, when they have errors) or from `*.workflow.json` files
 * (verified by the runtime when loaded), each with its source map when there is one.
 */
import * as fs from 'node:fs';
import type { SignedWorkflow, SourceMap } from '@coil/compiler/ir';
import type { Io } from '../index.js';
import { compileOrReport, type OutputFlags } from './outputs.js';

export interface RunnableWorkflow {
    readonly name: string;
    readonly file: string | null;
    readonly workflow: SignedWorkflow;
    readonly sourceMap: SourceMap | null;
}

/** The workflows in `paths`, or undefined when sources have errors (reported on stderr). */
export async function loadWorkflows(paths: readonly string[], flags: OutputFlags, io: Io): Promise<RunnableWorkflow[] | undefined> {
    const { CoilInputError } = await import('@coil/language');
    const compiled = paths.filter(p => p.endsWith('.workflow.json'));
    const sources = paths.filter(p => !p.endsWith('.workflow.json'));
    const result: RunnableWorkflow[] = [];
    for (const file of compiled) {
        let workflow: SignedWorkflow;
        try {
            workflow = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedWorkflow;
        } catch (e) {
            throw new CoilInputError('COIL-E001', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        const mapFile = file.replace(/\.workflow\.json$/, '.workflow.map.json');
        const sourceMap = fs.existsSync(mapFile) ? (JSON.parse(fs.readFileSync(mapFile, 'utf8')) as SourceMap) : null;
        result.push({ name: workflow.process?.name ?? file, file: null, workflow, sourceMap: sourceMap?.digest === workflow.digest ? sourceMap : null });
    }
    if (sources.length > 0 || paths.length === 0) {
        const processes = await compileOrReport(sources, flags, io);
        if (!processes) return undefined;
        for (const p of processes) result.push({ name: p.name, file: p.file, workflow: p.workflow, sourceMap: p.sourceMap });
    }
    return result;
}
