#!/usr/bin/env node
/**
 * Benchmark of the language server over the real protocol: `coil lsp --stdio` in a child process,
 * a JSON-RPC client here, as an editor would drive it. See bench/baselines/README.md.
 *
 * 1. On a generated ~5,000-line document (17 processes and the shared library): the time from a
 *    didChange (one figure of a step edited, as typing does) to the publishDiagnostics that follows,
 *    and the latency of completion at places an engineer completes (a role after `by`, a deviation
 *    after `raise`, a unit after a number, a keyword at the start of a member). Targets: p95 at most
 *    150 ms and 50 ms. The same-run baseline is Langium's parser alone on the same text, in this process.
 * 2. The server's memory (RSS and the JavaScript heap in use, read by the server after a full garbage
 *    collection: coil/memoryUsage) once it has loaded, linked and validated the generated ~50,000-line
 *    workspace of ~100 files, against an idle server on an empty folder, started the same way.
 *
 *   node bench/lsp.bench.js [--reps 60] [--warmup 10] [--update-baseline] [--seed 42]
 *
 * Run from the repository root after `npm run build` (`npm run bench` does both).
 */
import '@coil/language/polyfills';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NodeFileSystem } from 'langium/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createCoilServices } from '@coil/language';
import { generateLargeFile, generateWorkspace, writeSources } from './generate-workspace.js';
import { benchArguments, comparison, printReport, saveResults, fmtFigure, fmtInt, machine, median, percentile, now, round, table } from './measure.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const BASELINE_FILE = path.join(HERE, 'baselines', 'lsp.json');
const TARGETS = { diagnosticsP95Ms: 150, completionP95Ms: 50 };
const SIZES = { documentLines: 5000, workspaceLines: 50000, workspaceFiles: 100 };

// ---------------------------------------------------------------------------------------------
// A language client on a spawned server.

/** Starts `coil lsp --stdio` on `folder` and resolves once it has answered initialize. */
async function startServer(folder) {
    // --expose-gc: coil/memoryUsage collects garbage before it reads, so readings compare.
    const child = spawn(process.execPath, ['--expose-gc', path.join(ROOT, 'cli/bin/coil.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const waiting = [];
    connection.onNotification('textDocument/publishDiagnostics', params => {
        for (const w of [...waiting]) {
            if (w.uri === params.uri || w.uri === '*') {
                waiting.splice(waiting.indexOf(w), 1);
                w.resolve(params);
            }
        }
    });
    connection.listen();
    const root = pathToFileURL(folder).toString();
    await connection.sendRequest('initialize', {
        processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }],
        capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } },
    });
    connection.sendNotification('initialized', {});
    return {
        pid: child.pid, connection,
        /** The next publishDiagnostics for `uri` ('*': for any document). */
        nextDiagnostics: uri => new Promise(resolve => waiting.push({ uri, resolve })),
        rssMB: () => {
            const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
            return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
        },
        /** The server's RSS and heap in MB, read by the server after a full garbage collection. */
        async memory() {
            const usage = await connection.sendRequest('coil/memoryUsage');
            if (!usage.collected) throw new Error('the server did not collect garbage before reading its memory');
            return { rssMB: usage.rss / 2 ** 20, heapMB: usage.heapUsed / 2 ** 20 };
        },
        async stop() {
            const exited = new Promise(resolve => child.on('exit', resolve));
            await connection.sendRequest('shutdown');
            connection.sendNotification('exit');
            await exited;
            connection.dispose();
        },
    };
}

/**
 * Resolves once the server has loaded the workspace (Langium indexes every file at start-up and links
 * them; it validates the documents an editor opens): workspace symbols wait for the index, and the
 * diagnostics of an opened document come after the initial build.
 */
async function loaded(server, folder, file) {
    const symbols = await server.connection.sendRequest('workspace/symbol', { query: '' });
    const uri = pathToFileURL(path.join(folder, file.file)).toString();
    const published = server.nextDiagnostics(uri);
    server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'coil', version: 1, text: file.text } });
    const { diagnostics } = await published;
    const errors = diagnostics.filter(d => d.severity === 1);
    if (errors.length) throw new Error(`${file.file} has ${errors.length} errors, e.g. ${errors[0].message}: the benchmark measures the clean path`);
    return { uri, symbols: symbols.length };
}

/** The line and character of the `occurrence`-th `needle` in `text`, moved on by `offset`. */
function positionOf(text, needle, offset = 0, occurrence = 0) {
    let index = -1;
    for (let i = 0; i <= occurrence; i++) index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`'${needle}' not in the generated document`);
    const before = text.slice(0, index + offset).split('\n');
    return { line: before.length - 1, character: before.at(-1).length };
}

// ---------------------------------------------------------------------------------------------
// The measures.

/** Langium's parser alone on the document's text (the same-run baseline), median of `runs`. */
function parseOnly(text, runs) {
    const parser = createCoilServices(NodeFileSystem).Coil.parser.LangiumParser;
    const times = [];
    for (let i = 0; i < runs; i++) {
        const start = now();
        const result = parser.parse(text);
        times.push(now() - start);
        if (result.lexerErrors.length + result.parserErrors.length) throw new Error('the generated document does not parse');
    }
    return { medianMs: round(median(times), 2), runsMs: times.map(t => round(t, 2)) };
}

/**
 * didChange → publishDiagnostics: each edit changes the upper limit of the first collected volume
 * (a figure an engineer would edit), alternating between two values so every version differs.
 */
async function editLatency(server, uri, text, { warmup, reps }) {
    const needle = '150 mL .. 300 mL';
    if (!text.includes(needle)) throw new Error(`'${needle}' not in the generated document`);
    const latencies = [];
    let errors = 0;
    for (let i = 0; i < warmup + reps; i++) {
        const changed = text.replace(needle, `150 mL .. ${i % 2 ? 300 : 301 + (i % 50)} mL`);
        const published = server.nextDiagnostics(uri);
        const start = now();
        server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: changed }] });
        const params = await published;
        const ms = now() - start;
        errors += params.diagnostics.filter(d => d.severity === 1).length;
        if (i >= warmup) latencies.push(ms);
    }
    if (errors) throw new Error(`the edited document had ${errors} errors: the benchmark measures the clean path`);
    return latencies;
}

/** Completion latency at `places` in turn (one request at a time, as an editor sends them). */
async function completionLatency(server, uri, places, { warmup, reps }) {
    const latencies = [];
    const items = new Map();
    for (let i = 0; i < warmup + reps; i++) {
        const place = places[i % places.length];
        const start = now();
        const result = await server.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: place.position });
        const ms = now() - start;
        const list = Array.isArray(result) ? result : result?.items ?? [];
        if (!list.length) throw new Error(`no completion ${place.label}`);
        items.set(place.label, list.length);
        if (i >= warmup) latencies.push(ms);
    }
    return { latencies, items: Object.fromEntries(items) };
}

const stats = xs => ({ n: xs.length, p50Ms: round(percentile(xs, 0.5), 2), p95Ms: round(percentile(xs, 0.95), 2), maxMs: round(Math.max(...xs), 2) });

async function documentMeasures(tmp, options) {
    const sources = generateLargeFile({ seed: options.seed + 4200, lines: SIZES.documentLines });
    const folder = path.join(tmp, 'document');
    writeSources(folder, sources);
    const big = sources.find(s => s.file.startsWith('large/'));
    const uri = pathToFileURL(path.join(folder, big.file)).toString();
    const parse = parseOnly(big.text, 15);

    const server = await startServer(folder);
    try {
        await loaded(server, folder, big);
        const edits = await editLatency(server, uri, big.text, options);
        // Completion where engineers complete, in the middle of the document (its 9th process).
        const middle = big.text.indexOf('\nprocess ', big.text.length / 2);
        const at = (needle, offset) => positionOf(big.text, needle, offset, big.text.slice(0, middle).split(needle).length - 1);
        const places = [
            { label: 'a role after by', position: at(' by ', ' by '.length) },
            { label: 'a deviation after raise', position: at(' raise ', ' raise '.length) },
            { label: 'a unit after a number', position: at(' mL ..', 1) },
            { label: 'a member keyword at the start of a line', position: at('\n    sign performer', 5) },
        ];
        const completion = await completionLatency(server, uri, places, options);
        return {
            lines: big.lines, documentLines: sources.reduce((n, s) => n + s.lines, 0), parse,
            diagnostics: stats(edits), completion: { ...stats(completion.latencies), items: completion.items, places: places.map(p => p.label) },
            rssAfterEditsMB: round(server.rssMB()),
            hash: createHash('sha256').update(big.text).digest('hex').slice(0, 16),
        };
    } finally {
        await server.stop();
    }
}

/**
 * The server's memory once idle on an empty folder, and once the generated workspace is loaded and
 * validated: RSS and the JavaScript heap in use, both read after a full garbage collection (a
 * reading without one varied by a third with when the collector last ran).
 */
async function memoryMeasures(tmp, options) {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    const idle = await startServer(empty);
    await new Promise(resolve => setTimeout(resolve, 1000));
    const { rssMB: idleMB, heapMB: idleHeapMB } = await idle.memory();
    await idle.stop();

    const sources = generateWorkspace({ seed: options.seed, files: SIZES.workspaceFiles, lines: SIZES.workspaceLines });
    const folder = path.join(tmp, 'workspace');
    writeSources(folder, sources);
    const coil = sources.filter(s => s.file.endsWith('.coil'));
    const start = now();
    const server = await startServer(folder);
    try {
        const largest = coil.reduce((a, b) => (b.lines > a.lines ? b : a));
        const { symbols } = await loaded(server, folder, largest);
        const loadMs = now() - start;
        await new Promise(resolve => setTimeout(resolve, 1000));
        const { rssMB: loadedMB, heapMB: loadedHeapMB } = await server.memory();
        return {
            files: coil.length, symbols, lines: coil.reduce((n, s) => n + s.lines, 0), loadMs: round(loadMs), idleMB: round(idleMB), loadedMB: round(loadedMB),
            ratio: round(loadedMB / idleMB, 2), perThousandLinesMB: round((loadedMB - idleMB) / (coil.reduce((n, s) => n + s.lines, 0) / 1000), 2),
            idleHeapMB: round(idleHeapMB), loadedHeapMB: round(loadedHeapMB), heapRatio: round(loadedHeapMB / idleHeapMB, 2),
            hash: createHash('sha256').update(sources.map(s => s.text).join('\0')).digest('hex').slice(0, 16),
        };
    } finally {
        await server.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Report.

const figures = r => [
    ['didChange → diagnostics p50', r.document.diagnostics.p50Ms, 'ms', true],
    ['didChange → diagnostics p95', r.document.diagnostics.p95Ms, 'ms', true],
    ['didChange → diagnostics p50 / parse', r.ratios.diagnosticsToParse, 'x', true],
    ['completion p50', r.document.completion.p50Ms, 'ms', true],
    ['completion p95', r.document.completion.p95Ms, 'ms', true],
    ['completion p50 / parse', r.ratios.completionToParse, 'x', true],
    ['server RSS, workspace loaded', r.memory.loadedMB, 'MB', true],
    ['server RSS loaded / idle', r.memory.ratio, 'x', true],
    ['server heap after GC, workspace loaded', r.memory.loadedHeapMB, 'MB', true],
    ['server heap loaded / idle', r.memory.heapRatio, 'x', true],
];

function report(results, baseline) {
    const { document: d, memory: m, ratios, targets } = results;
    const ms = x => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    const out = [];
    out.push(`coil lsp benchmark: \`coil lsp --stdio\` in a child process, driven over JSON-RPC on its standard streams`);
    out.push(`Node ${results.machine.node}, ${results.machine.cpu}, ${results.machine.cores} cores; ${results.options.reps} timed requests of each kind after ${results.options.warmup} warm-up; load average ${results.load.join(', ')}`);
    out.push('');
    out.push(`A ${fmtInt(d.lines)}-line document (17 processes) in a workspace with the shared library; Langium's parser alone on it: ${ms(d.parse.medianMs)} ms (median, this process).`);
    out.push(table([
        ['didChange → publishDiagnostics', ms(d.diagnostics.p50Ms), ms(d.diagnostics.p95Ms), ms(d.diagnostics.maxMs), `${ratios.diagnosticsToParse.toFixed(2)}x`,
            `p95 ≤ ${TARGETS.diagnosticsP95Ms} ms: ${targets.diagnostics.pass ? 'PASS' : 'FAIL'}`],
        ['completion', ms(d.completion.p50Ms), ms(d.completion.p95Ms), ms(d.completion.maxMs), `${ratios.completionToParse.toFixed(2)}x`,
            `p95 ≤ ${TARGETS.completionP95Ms} ms: ${targets.completion.pass ? 'PASS' : 'FAIL'}`],
    ], ['measure', 'p50 ms', 'p95 ms', 'max ms', 'p50 / parse', 'target']));
    out.push(`(completion at: ${d.completion.places.join('; ')}; items offered: ${Object.values(d.completion.items).join(', ')})`);
    out.push('');
    out.push(`Memory: the server idle on an empty folder ${fmtFigure(m.idleMB)} MB RSS; after loading, linking and validating the ${fmtInt(m.lines)}-line workspace ` +
        `(${m.files} files, ${fmtInt(m.symbols)} symbols indexed; ${fmtInt(m.loadMs)} ms from start to the diagnostics of its largest file, opened once the index was ready): ${fmtFigure(m.loadedMB)} MB RSS, ${m.ratio.toFixed(2)}x idle, ` +
        `${m.perThousandLinesMB} MB per 1,000 lines. JavaScript heap in use: ${fmtFigure(m.idleHeapMB)} MB idle, ${fmtFigure(m.loadedHeapMB)} MB loaded, ${m.heapRatio.toFixed(2)}x ` +
        `(both readings after a full garbage collection).`);
    if (Math.max(...results.load) > results.machine.cores) out.push(`WARNING: the machine was busy (load average up to ${Math.max(...results.load)}): latencies are noisy.`);
    out.push('');
    if (baseline && baseline.workspaceHash !== results.workspaceHash) out.push('NOTE: the generated document or workspace differs from the baseline\'s: update the baseline.');
    out.push(...comparison(figures, results, baseline, BASELINE_FILE, 'the ratios (to parse, to idle)'));
    return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main.

async function main() {
    const values = benchArguments({ reps: 60, warmup: 10 });
    const options = { reps: Number(values.reps), warmup: Number(values.warmup), seed: Number(values.seed) };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-bench-lsp-'));
    const load = [round(os.loadavg()[0], 2)];
    try {
        const document = await documentMeasures(tmp, options);
        load.push(round(os.loadavg()[0], 2));
        const memory = await memoryMeasures(tmp, options);
        load.push(round(os.loadavg()[0], 2));
        const ratios = {
            diagnosticsToParse: round(document.diagnostics.p50Ms / document.parse.medianMs, 2),
            completionToParse: round(document.completion.p50Ms / document.parse.medianMs, 3),
        };
        const targets = {
            diagnostics: { target: TARGETS.diagnosticsP95Ms, value: document.diagnostics.p95Ms, pass: document.diagnostics.p95Ms <= TARGETS.diagnosticsP95Ms },
            completion: { target: TARGETS.completionP95Ms, value: document.completion.p95Ms, pass: document.completion.p95Ms <= TARGETS.completionP95Ms },
        };
        const results = {
            benchmark: 'coil lsp', date: new Date().toISOString(), machine: machine(), options: { ...options, sizes: SIZES, targets: TARGETS }, load,
            workspaceHash: `${document.hash}-${memory.hash}`, document, memory, ratios, targets, updatingBaseline: values['update-baseline'],
        };
        printReport({ results, baselineFile: BASELINE_FILE, report, heading: () => '' });
        saveResults({ results, resultsDir: RESULTS_DIR, name: 'lsp', latest: 'lsp-latest.json', baselineFile: BASELINE_FILE, updateBaseline: values['update-baseline'] });
        if (values.strict && !(targets.diagnostics.pass && targets.completion.pass)) process.exitCode = 1;
    } finally {
        if (!values.keep) fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(error => {
    console.error(error);
    process.exit(1);
});
