/**
 * `coil doc [paths...]`: the master batch record of each process, one self-contained HTML file
 * per process for QA review (see compiler/src/emit/doc). Nothing is written if any process has
 * errors, as for `compile`.
 */
import { Command } from 'commander';
import type { Io } from '../index.js';
import { VERSION } from '../version.js';
import { compileOrReport, outputCommand, writeOutputs, type OutputFlags } from './outputs.js';

export function registerDoc(program: Command, io: Io, setStatus: (code: number) => void): void {
    outputCommand(program, 'doc', 'write the master batch record of each process as one self-contained HTML file for QA review; nothing is written if any process has errors', 'an .html file (one process) or a folder (one <Process>.batch-record.html each); default: standard output')
        .action(async (paths: string[], flags: OutputFlags) => {
            const processes = await compileOrReport(paths, flags, io);
            if (!processes) return setStatus(1);
            const { renderBatchRecord } = await import('@coil/compiler');
            // Rendered one after another: each waits on the diagram layout, and order keeps output stable.
            const outputs = [];
            for (const p of processes) {
                const html = await renderBatchRecord(p.workflow, { toolVersion: VERSION });
                outputs.push({ main: { name: `${p.name}.batch-record.html`, text: html } });
            }
            const written = await writeOutputs(outputs, flags, '.html', io);
            for (const p of processes) {
                const file = written.find(f => processes.length === 1 || f.endsWith(`${p.name}.batch-record.html`));
                if (file) io.stderr.write(`Wrote the master batch record of ${p.name} ${p.workflow.process.version} -> ${file} (${p.workflow.digest})\n`);
            }
            setStatus(0);
        });
}
