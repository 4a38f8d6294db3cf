/**
 * Coil's own LSP requests (cli/src/lsp/protocol.ts), behind the VS Code extension's commands,
 * over the real protocol against `coil lsp --stdio`: compile writes what `coil compile` writes and
 * refuses what it refuses; the diagram is the compiler's SVG with where each node is written; the
 * scenarios are listed from the editor's text and run as `coil test` runs them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, LSPErrorCodes } from 'vscode-languageserver-protocol';
import type {
    CompileResult, DiagramResult, MemoryUsageResult, RunScenarioResult, ScenariosResult,
} from '../../cli/src/lsp/protocol.js';
import { repository, startLsp, textIn, type LspSession } from '../lsp/harness.js';

const COIL = path.join(repository, 'cli/bin/coil.js');
let lsp: LspSession;

beforeAll(async () => {
    lsp = await startLsp();
}, 60_000);

afterAll(async () => {
    if (lsp.server.exitCode === null) await lsp.stop();
});

const fileIn = (name: string) => path.join(lsp.workspace, name);
const compile = (file: string, outputDirectory?: string) => lsp.client.sendRequest<CompileResult>('coil/compile', { uri: lsp.uriOf(file), outputDirectory });
const runScenario = (file: string, name: string) => lsp.client.sendRequest<RunScenarioResult>('coil/runScenario', { uri: lsp.uriOf(file), name });

/** Runs `body` with `file` changed on disk as `edit` says, and puts it back afterwards. */
async function withEdited<T>(file: string, edit: (text: string) => string, body: () => Promise<T>): Promise<T> {
    const original = fs.readFileSync(fileIn(file), 'utf8');
    const edited = edit(original);
    expect(edited, 'the edit changes the file').not.toBe(original);
    fs.writeFileSync(fileIn(file), edited);
    try {
        return await body();
    } finally {
        fs.writeFileSync(fileIn(file), original);
    }
}

describe('coil/compile', () => {
    it('writes the workflow and its source map beside the file, byte for byte what `coil compile` writes', async () => {
        const result = await compile('autologous-fresh.coil');
        expect(result.problems.filter(p => p.severity === 'error')).toEqual([]);
        expect(result.compiled.map(c => c.process)).toEqual(['AutologousFresh']);
        const [compiled] = result.compiled;
        expect(compiled.workflowUri).toBe(pathToFileURL(fileIn('AutologousFresh.workflow.json')).toString());
        expect(compiled.sourceMapUri).toBe(pathToFileURL(fileIn('AutologousFresh.workflow.map.json')).toString());

        const cli = fs.mkdtempSync(path.join(lsp.workspace, '..', 'coil-cli-compile-'));
        try {
            execFileSync(process.execPath, [COIL, 'compile', fileIn('autologous-fresh.coil'), '-o', `${cli}/`], { stdio: 'pipe' });
            const fromCli = JSON.parse(fs.readFileSync(path.join(cli, 'AutologousFresh.workflow.json'), 'utf8')) as { digest: string; process: { version: string } };
            expect(compiled.digest).toBe(fromCli.digest);
            expect(compiled.version).toBe(fromCli.process.version);
            for (const name of ['AutologousFresh.workflow.json', 'AutologousFresh.workflow.map.json']) {
                expect(fs.readFileSync(fileIn(name), 'utf8'), name).toBe(fs.readFileSync(path.join(cli, name), 'utf8'));
            }
        } finally {
            fs.rmSync(cli, { recursive: true, force: true });
        }
    });

    it('writes into the output folder it is given, relative to the file', async () => {
        const result = await compile('short-cycle.coil', 'build/workflows');
        expect(result.compiled.map(c => c.workflowUri)).toEqual([pathToFileURL(fileIn('build/workflows/ShortCycle.workflow.json')).toString()]);
        const written = JSON.parse(fs.readFileSync(fileIn('build/workflows/ShortCycle.workflow.json'), 'utf8')) as { digest: string };
        expect(written.digest).toBe(result.compiled[0].digest);
        expect(fs.existsSync(fileIn('ShortCycle.workflow.json'))).toBe(false);
    });

    it('reports the errors, where they are, and writes nothing', async () => {
        const result = await withEdited('short-cycle.coil', t => t.replace('on out_of_range raise LowStartingMaterial', 'on out_of_range raise LowStartingMaterials'),
            () => compile('short-cycle.coil'));
        expect(result.compiled).toEqual([]);
        const unknown = result.problems.find(p => p.code === 'COIL-D001');
        expect(unknown, JSON.stringify(result.problems)).toBeDefined();
        expect(unknown!.severity).toBe('error');
        expect(unknown!.uri).toBe(lsp.uriOf('short-cycle.coil'));
        expect(unknown!.message).toContain('LowStartingMaterials');
        const text = fs.readFileSync(fileIn('short-cycle.coil'), 'utf8').replace('LowStartingMaterial', 'LowStartingMaterials');
        expect(textIn(text, unknown!.range)).toBe('LowStartingMaterials');
        expect(fs.existsSync(fileIn('ShortCycle.workflow.json'))).toBe(false);
    });

    it('fails, saying why, when the output folder cannot be written', async () => {
        // A file stands where the folder would be.
        await expect(compile('short-cycle.coil', 'autologous-fresh.coil')).rejects.toMatchObject({ code: LSPErrorCodes.RequestFailed, message: expect.stringMatching(/cannot write/) });
        expect(fs.readFileSync(fileIn('autologous-fresh.coil'), 'utf8')).toMatch(/^\/\/ Autologous/);
    });

    it('refuses a document that is not a saved file, and a file with no process', async () => {
        await expect(lsp.client.sendRequest('coil/compile', { uri: 'untitled:Untitled-1' })).rejects.toThrow(/not a saved file/);
        await expect(compile('library/sites.coil')).rejects.toThrow(/declares only shared things .* there is no process to compile/);
    });
});

describe('coil/diagram', () => {
    it('draws every step of the process, each with the range of its name', async () => {
        const { uri, text } = await lsp.open('autologous-fresh.coil');
        const { diagrams } = await lsp.client.sendRequest<DiagramResult>('coil/diagram', { uri });
        expect(diagrams.map(d => d.process)).toEqual(['AutologousFresh']);
        const [diagram] = diagrams;
        expect(diagram.complete).toBe(true);
        expect(diagram.svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        const steps = [...text.matchAll(/^\s*step (\w+)/gm)].map(m => m[1]);
        expect(steps.length).toBeGreaterThan(5);
        for (const step of steps) {
            expect(diagram.svg, step).toContain(`data-id="step:${step}"`);
            const declared = diagram.nodes[`step:${step}`];
            expect(declared.uri).toBe(uri);
            expect(textIn(text, declared.range)).toBe(step);
        }
        // Shared declarations are found in the library they are written in.
        const plant = diagram.nodes['site:Plant'];
        expect(plant.uri).toBe(lsp.uriOf('library/sites.coil'));
        expect(textIn(fs.readFileSync(fileIn('library/sites.coil'), 'utf8'), plant.range)).toBe('Plant');
    });

    it('answers for a process that reworks a step not declared, saying the drawing is incomplete', async () => {
        const { uri, text } = await lsp.open('autologous-fresh.coil');
        await lsp.change(uri, text.replace('rework Expand at most', 'rework Expandd at most'));
        await lsp.diagnosticsFor(uri, d => d.some(x => x.message.includes('Expandd')));
        const { diagrams } = await lsp.client.sendRequest<DiagramResult>('coil/diagram', { uri });
        expect(diagrams.map(d => [d.process, d.complete])).toEqual([['AutologousFresh', false]]);
        expect(diagrams[0].nodes['step:Collect']).toBeDefined();
        await lsp.change(uri, text);
    });

    it('draws the text in the editor, saved or not', async () => {
        const { uri, text } = await lsp.open('autologous-fresh.coil');
        await lsp.change(uri, text.replace('step Select "', 'step Select "Unsaved: '));
        const { diagrams } = await lsp.client.sendRequest<DiagramResult>('coil/diagram', { uri });
        expect(diagrams[0].svg).toContain('Unsaved: ');
        await lsp.change(uri, text);
    });
});

describe('coil/scenarios and coil/runScenario', () => {
    const examples = ['autologous-fresh.coil', 'autologous-cryo.coil', 'allogeneic-nonviral.coil', 'short-cycle.coil'];

    it('lists the scenarios of a document, each with its whole block', async () => {
        const { uri, text } = await lsp.open('short-cycle.coil');
        const { scenarios } = await lsp.client.sendRequest<ScenariosResult>('coil/scenarios', { uri });
        const titles = [...text.matchAll(/^\s*scenario "([^"]+)"/gm)].map(m => m[1]);
        expect(titles.length).toBeGreaterThan(3);
        expect(scenarios.map(s => s.name)).toEqual(titles);
        for (const s of scenarios) {
            expect(s.process).toBe('ShortCycle');
            expect(textIn(text, s.range)).toMatch(new RegExp(`^scenario "${s.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" \\{[^]*\\}$`));
        }
    });

    it('leaves out a scenario still being typed, which has no title yet', async () => {
        const { uri, text } = await lsp.open('short-cycle.coil');
        const first = text.indexOf('  scenario "');
        const typing = `${text.slice(0, first)}  scenario {\n    at 1 h start batch identity "X"\n  }\n\n${text.slice(first)}`;
        await lsp.change(uri, typing);
        await lsp.diagnosticsFor(uri, d => d.some(x => x.severity === DiagnosticSeverity.Error));
        const { scenarios } = await lsp.client.sendRequest<ScenariosResult>('coil/scenarios', { uri });
        const titles = [...text.matchAll(/^\s*scenario "([^"]+)"/gm)].map(m => m[1]);
        expect(scenarios.map(s => [s.process, s.name])).toEqual(titles.map(title => ['ShortCycle', title]));
        await lsp.change(uri, text);
    });

    it('runs every scenario of the examples with the outcome `coil test` gives', async () => {
        const cli = spawnSync(process.execPath, [COIL, 'test', lsp.workspace, '--format', 'json'], { encoding: 'utf8' });
        const expected = (JSON.parse(cli.stdout) as { scenarios: Array<{ title: string; passed: boolean }> }).scenarios;
        expect(expected.length).toBeGreaterThan(15);
        const outcomes: Array<{ title: string; passed: boolean }> = [];
        for (const file of examples) {
            const { scenarios } = await lsp.client.sendRequest<ScenariosResult>('coil/scenarios', { uri: lsp.uriOf(file) });
            for (const s of scenarios) {
                const run = await runScenario(file, s.name);
                expect(run.outcome, run.report).not.toBe('errored');
                expect(run.timeline).toContain('Batch started for identity');
                outcomes.push({ title: s.name, passed: run.outcome === 'passed' });
            }
        }
        const byTitle = (a: { title: string }, b: { title: string }) => a.title.localeCompare(b.title);
        expect(outcomes.sort(byTitle)).toEqual(expected.map(e => ({ title: e.title, passed: e.passed })).sort(byTitle));
        expect(outcomes.every(o => o.passed)).toBe(true);
    });

    it('reports a broken expectation as a failure, at the line that expected it, with the timeline', async () => {
        const broken = 'at 53 h expect deviation HoldExceeded closed';
        const run = await withEdited('autologous-fresh.coil', t => t.replace('at 53 h expect deviation HoldExceeded open', broken),
            () => runScenario('autologous-fresh.coil', 'late apheresis is quarantined until QA decides'));
        expect(run.outcome).toBe('failed');
        expect(run.failure!.expected).toContain('HoldExceeded');
        expect(run.failure!.actual).toContain('open');
        expect(run.failure!.message).toBe(`Expected ${run.failure!.expected}, but ${run.failure!.actual}.`);
        const location = run.failure!.location!;
        expect(location.uri).toBe(lsp.uriOf('autologous-fresh.coil'));
        const edited = fs.readFileSync(fileIn('autologous-fresh.coil'), 'utf8').replace('at 53 h expect deviation HoldExceeded open', broken);
        expect(textIn(edited, location.range)).toBe(broken);
        expect(run.timeline).toMatch(/HoldExceeded|hold/i);
        expect(run.report).toContain('✗ late apheresis is quarantined until QA decides');
    });

    it('runs nothing when the process has errors, and says why', async () => {
        const run = await withEdited('short-cycle.coil', t => t.replace('on out_of_range raise LowStartingMaterial', 'on out_of_range raise LowStartingMaterials'),
            () => runScenario('short-cycle.coil', 'harvest before 20 h of transduction is refused'));
        expect(run.outcome).toBe('errored');
        expect(run.problems.some(p => p.code === 'COIL-D001' && p.severity === 'error')).toBe(true);
        expect(run.report).toContain('has errors');
    });

    it('refuses a scenario the file does not have', async () => {
        await expect(runScenario('short-cycle.coil', 'no such scenario')).rejects.toThrow(/No scenario "no such scenario"/);
    });
});

describe('coil/memoryUsage', () => {
    it("reports the server's memory, and collects garbage first when Node lets it", async () => {
        const plain = await lsp.client.sendRequest<MemoryUsageResult>('coil/memoryUsage');
        expect(plain.collected).toBe(false);
        expect(plain.heapUsed).toBeGreaterThan(1_000_000);
        expect(plain.rss).toBeGreaterThan(plain.heapUsed);

        const withGc = await startLsp({ nodeOptions: ['--expose-gc'] });
        try {
            await withGc.open('autologous-fresh.coil');
            await withGc.diagnosticsFor(withGc.uriOf('autologous-fresh.coil'), d => d.length === 0);
            const readings = [];
            for (let i = 0; i < 3; i++) readings.push(await withGc.client.sendRequest<MemoryUsageResult>('coil/memoryUsage'));
            expect(readings.every(r => r.collected)).toBe(true);
            // After a full collection, nothing is left to collect: the heap stays within 5 % from one reading to the next.
            const used = readings.map(r => r.heapUsed);
            expect(Math.max(...used) / Math.min(...used)).toBeLessThan(1.05);
        } finally {
            await withGc.stop();
        }
    });
});
