/** `coil graph [paths...]`: each process's flow as a diagram, in Mermaid, DOT or a standalone SVG. */
import { Command, Option } from 'commander';
import type { Io } from '../index.js';
import { compileOrReport, outputCommand, writeOutputs, type OutputFlags } from './outputs.js';

/** Listed here, not asked of the compiler, so that `coil graph --help` need not load it. */
export const GRAPH_FORMATS = ['mermaid', 'dot', 'svg'] as const;
type GraphFormat = typeof GRAPH_FORMATS[number];

const EXTENSIONS: Record<GraphFormat, string> = { mermaid: '.mmd', dot: '.dot', svg: '.svg' };

interface GraphFlags extends OutputFlags {
    format: GraphFormat;
}

export function registerGraph(program: Command, io: Io, setStatus: (code: number) => void): void {
    outputCommand(program, 'graph', 'draw each process: steps grouped by site, custody transfers, holds, decisions, rework, release gate and deviations; nothing is written if any process has errors', 'a file with the format\'s extension (one process) or a folder (one <Process>.mmd, .dot or .svg each); default: standard output')
        .addOption(new Option('-f, --format <format>', 'diagram format').choices(GRAPH_FORMATS).default('mermaid'))
        .action(async (paths: string[], flags: GraphFlags) => {
            const processes = await compileOrReport(paths, flags, io);
            if (!processes) return setStatus(1);
            const { toMermaid, toDot, renderSvg } = await import('@coil/compiler');
            const extension = EXTENSIONS[flags.format];
            const outputs = [];
            for (const p of processes) {
                const text = flags.format === 'svg' ? await renderSvg(p.workflow) : flags.format === 'dot' ? toDot(p.workflow) : toMermaid(p.workflow);
                outputs.push({ main: { name: `${p.name}${extension}`, text } });
            }
            const written = await writeOutputs(outputs, flags, extension, io);
            for (const file of written) io.stderr.write(`Drew ${file}\n`);
            setStatus(0);
        });
}
