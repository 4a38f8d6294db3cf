/**
 * `coil run [paths...] --db <file>`: execute one batch, a named scenario or the happy path, on a
 * virtual clock and the chosen store, and print its timeline and where its record is.
 */
import { Command } from 'commander';
import type { Scenario } from '@coil/compiler/ir';
import { EXIT, type Io } from '../index.js';
import { useColor } from './check.js';
import { openStore } from './store.js';
import { loadWorkflows, type RunnableWorkflow } from './workflows.js';

interface RunFlags {
    db?: string;
    scenario?: string;
    process?: string;
    batch?: string;
    color?: boolean;
}

export function registerRun(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('run')
        .description('run one batch (a scenario, or the happy path) on a virtual clock and print its timeline; exit 1 when it fails or gets stuck')
        .argument('[paths...]', '.coil files or folders, or compiled *.workflow.json files (default: the current folder)')
        .option('--db <file>', 'keep the batch record in this SQLite file (created if missing); default: in memory')
        .option('-s, --scenario <text>', 'run the scenario whose title contains this text (default: the happy path)')
        .option('-p, --process <name>', 'the process to run, when the paths hold several')
        .option('--batch <id>', 'the batch id (default: <Process>-<n>, the next free number)')
        .option('--color', 'colour the timeline even when not on a terminal')
        .option('--no-color', 'never colour the timeline')
        .action(async (paths: string[], flags: RunFlags) => {
            const { CoilInputError } = await import('@coil/language');
            const workflows = await loadWorkflows(paths, { quiet: true, color: flags.color }, io);
            if (!workflows) return setStatus(EXIT.errors);
            const { workflow: chosen, scenario } = choose(workflows, flags, (code, message) => new CoilInputError(code, message));
            const runtime = await import('@coil/runtime');
            const store = await openStore(flags.db, { mustExist: false });
            try {
                const existing = new Set((await store.batches()).map(b => b.batch));
                let batch = flags.batch;
                for (let n = existing.size + 1; !batch || existing.has(batch); n++) batch = `${chosen.name}-${n}`;
                if (flags.batch && existing.has(flags.batch)) throw new CoilInputError('COIL-E008', `${flags.db}: batch ${flags.batch} already exists; choose another id with --batch`);
                const w = chosen.workflow;
                const color = useColor(flags, io);
                const c = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
                io.stdout.write(`${c('1', `${w.process.name} ${w.process.version}`)} ${c('2', w.digest)}\n`);
                io.stdout.write(`${scenario ? `Scenario "${scenario.title}"` : 'Happy path (no scenario given)'}, batch ${batch}, virtual clock from ${new Date(runtime.scenarioEpoch(w)).toISOString()}\n\n`);
                let ok: boolean;
                let plant;
                let epoch: number;
                let note = '';
                if (scenario) {
                    const result = await runtime.runScenario(w, scenario, { store, batch });
                    ({ plant, epoch } = result);
                    ok = result.passed;
                    if (result.failure) note = `Scenario failed at ${result.failure.at / 3600} h: expected ${result.failure.expected}; actual: ${result.failure.actual}`;
                } else {
                    const result = await runtime.runAutopilot(w, { store, batch });
                    ({ plant, epoch } = result);
                    ok = result.stuck === null;
                    if (result.stuck) note = `The batch is stuck: ${result.stuck}`;
                }
                const lines = plant.timeline(epoch);
                io.stdout.write(`${runtime.renderTimeline(lines, { showAuto: scenario !== null }).split('\n').map((l, i) => (lines[i].notable ? c(lines[i].kind === 'refused' ? '33' : '1', l) : l)).join('\n')}\n\n`);
                const state = (await plant.state())!;
                const issues = await plant.runtime.verify(batch);
                const open = runtime.openDeviations(state).map(d => plant.def.name(d.deviation));
                io.stdout.write(`Batch ${batch}: ${c('1', runtime.batchStatus(state))}${state.ended ? ', complete' : ''}; ${state.version} events; ${open.length ? `open deviations: ${open.join(', ')}` : 'no open deviation'}\n`);
                io.stdout.write(`Audit trail: ${issues.length === 0 ? 'hash chain verified' : `BROKEN: ${issues[0].message}`}\n`);
                io.stdout.write(flags.db ? `Batch record: ${flags.db} (check it any time with: coil verify --db ${flags.db})\n` : 'Batch record: in memory only (give --db <file> to keep it)\n');
                if (note) io.stderr.write(`coil: ${note}\n`);
                setStatus(ok && issues.length === 0 ? EXIT.ok : EXIT.errors);
            } finally {
                await store.close();
            }
        });
}

function choose(workflows: RunnableWorkflow[], flags: RunFlags, error: (code: 'COIL-E008', message: string) => Error): { workflow: RunnableWorkflow; scenario: Scenario | null } {
    let candidates = flags.process ? workflows.filter(w => w.name === flags.process) : workflows;
    if (candidates.length === 0) throw error('COIL-E008', `no process named ${flags.process}; there are: ${workflows.map(w => w.name).join(', ')}`);
    if (flags.scenario) {
        const matches = candidates.flatMap(w => w.workflow.scenarios.filter(s => s.title.includes(flags.scenario!)).map(s => ({ workflow: w, scenario: s })));
        if (matches.length === 0) throw error('COIL-E008', `no scenario title contains "${flags.scenario}"`);
        if (matches.length > 1) throw error('COIL-E008', `${matches.length} scenarios match "${flags.scenario}": ${matches.map(m => `${m.workflow.name}: "${m.scenario.title}"`).join('; ')}; give more of the title${flags.process ? '' : ' or --process'}`);
        return matches[0];
    }
    if (candidates.length > 1) {
        const flagship = candidates.filter(w => w.file !== null);
        candidates = flagship.length === 1 ? flagship : candidates;
    }
    if (candidates.length > 1) throw error('COIL-E008', `${candidates.length} processes: name one with --process (${candidates.map(w => w.name).join(', ')})`);
    return { workflow: candidates[0], scenario: null };
}
