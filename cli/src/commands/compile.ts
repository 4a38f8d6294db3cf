/** `coil compile [paths...]`: the signed `coil-ir/1` workflow of each process, with its source map. */
import { Command } from 'commander';
import type { Io } from '../index.js';
import { compileOrReport, outputCommand, writeOutputs, type OutputFlags } from './outputs.js';

/** The file `coil compile` writes a process's signed workflow to, in an output folder. */
export const workflowFile = (process: string): string => `${process}.workflow.json`;
/** The file beside it that holds the workflow's source map. */
export const sourceMapFile = (process: string): string => `${process}.workflow.map.json`;

export function registerCompile(program: Command, io: Io, setStatus: (code: number) => void): void {
    outputCommand(program, 'compile', 'compile processes to signed coil-ir/1 workflows (JSON) with source maps; nothing is written if any process has errors', 'a .json file (one process; its source map goes beside it as .map.json) or a folder (one <Process>.workflow.json each); default: standard output, without source map')
        .action(async (paths: string[], flags: OutputFlags) => {
            const processes = await compileOrReport(paths, flags, io);
            if (!processes) return setStatus(1);
            const { serialise } = await import('@coil/compiler');
            const written = await writeOutputs(processes.map(p => ({
                main: { name: workflowFile(p.name), text: p.text },
                extra: [{ name: sourceMapFile(p.name), text: serialise(p.sourceMap) }],
            })), flags, '.json', io);
            for (const p of processes) {
                const file = written.find(f => !f.endsWith('.map.json') && (processes.length === 1 || f.endsWith(workflowFile(p.name))));
                if (file) io.stderr.write(`Compiled ${p.name} ${p.workflow.process.version} -> ${file} (${p.workflow.digest})\n`);
            }
            setStatus(0);
        });
}
