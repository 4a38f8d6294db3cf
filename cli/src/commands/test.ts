/** `coil test [paths...]`: run every scenario on the in-memory store with a virtual clock. */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import type { ScenarioFormat, ScenarioReport } from '@coil/runtime';
import { EXIT, type Io } from '../index.js';
import { useColor } from './check.js';
import { loadWorkflows } from './workflows.js';

/** Listed here so that `coil test --help` need not load the runtime; a test checks them against SCENARIO_FORMATS. */
export const TEST_FORMATS: readonly ScenarioFormat[] = ['text', 'junit', 'json'];

interface TestFlags {
    format: ScenarioFormat;
    output?: string;
    scenario?: string;
    timeline?: boolean;
    color?: boolean;
    quiet?: boolean;
}

export function registerTest(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('test')
        .description('run the scenarios of processes on a virtual clock; exit 0 when all pass, 1 when one fails, 2 on usage or I/O errors')
        .argument('[paths...]', '.coil files or folders, or compiled *.workflow.json files (default: the current folder)')
        .addOption(new Option('-f, --format <format>', 'report format').choices(TEST_FORMATS).default('text'))
        .option('-o, --output <file>', 'write the report to a file instead of standard output')
        .option('-s, --scenario <text>', 'run only the scenarios whose title contains this text')
        .option('--timeline', 'print the batch timeline of each failed scenario')
        .option('--color', 'colour the text report even when not on a terminal')
        .option('--no-color', 'never colour the text report')
        .option('-q, --quiet', 'report compile errors only, not warnings')
        .action(async (paths: string[], flags: TestFlags) => {
            const workflows = await loadWorkflows(paths, { quiet: true, color: flags.color }, io);
            if (!workflows) return setStatus(EXIT.errors);
            const runtime = await import('@coil/runtime');
            const reports: ScenarioReport[] = [];
            for (const w of workflows) {
                for (const scenario of w.workflow.scenarios) {
                    if (flags.scenario && !scenario.title.includes(flags.scenario)) continue;
                    const result = await runtime.runScenario(w.workflow, scenario);
                    const nodes = w.sourceMap?.nodes ?? {};
                    const mapped = (result.failure ? nodes[`${scenario.id}/entry:${result.failure.entry}`] : undefined) ?? nodes[scenario.id] ?? null;
                    // Scenarios are written inside their process: name its file as the user gave it.
                    const location = mapped && w.file ? { ...mapped, file: w.file } : mapped;
                    reports.push({ process: w.name, file: w.file ?? location?.file ?? null, result, location });
                }
            }
            const color = useColor(flags, io);
            const text = flags.format === 'junit' ? runtime.renderJunit(reports)
                : flags.format === 'json' ? runtime.renderJson(reports)
                : runtime.renderText(reports, { color, timelines: flags.timeline ? r => runtime.renderTimeline(r.result.plant.timeline(r.result.epoch)) : undefined });
            if (flags.output) fs.writeFileSync(flags.output, text);
            else io.stdout.write(text);
            setStatus(reports.every(r => r.result.passed) ? EXIT.ok : EXIT.errors);
        });
}
