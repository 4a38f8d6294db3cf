/** `coil compile [paths...]`: the signed `coil-ir/1` workflow of each process, with its source map. */
import { Command } from 'commander';
import type { Io } from '../index.js';
import { compileOrReport, writeOutputs, type OutputFlags } from './outputs.js';

export function registerCompile(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('compile')
        .description('compile processes to signed coil-ir/1 workflows (JSON) with source maps; nothing is written if any process has errors')
        .argument('[paths...]', '.coil files or folders (default: the current folder)')
        .option('-o, --output <file-or-folder>', 'a .json file (one process; its source map goes beside it as .map.json) or a folder (one <Process>.workflow.json each); default: standard output, without source map')
        .option('--color', 'colour diagnostics even when not on a terminal')
        .option('--no-color', 'never colour diagnostics')
        .option('-q, --quiet', 'report errors only, not warnings')
        .action(async (paths: string[], flags: OutputFlags) => {
            const processes = await compileOrReport(paths, flags, io);
            if (!processes) return setStatus(1);
            const { serialise } = await import('@coil/compiler');
            const written = await writeOutputs(processes.map(p => ({
                main: { name: `${p.name}.workflow.json`, text: p.text },
                extra: [{ name: `${p.name}.workflow.map.json`, text: serialise(p.sourceMap) }],
            })), flags, '.json', io);
            for (const p of processes) {
                const file = written.find(f => !f.endsWith('.map.json') && (processes.length === 1 || f.endsWith(`${p.name}.workflow.json`)));
                if (file) io.stderr.write(`Compiled ${p.name} ${p.workflow.process.version} -> ${file} (${p.workflow.digest})\n`);
            }
            setStatus(0);
        });
}
