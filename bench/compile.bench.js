#!/usr/bin/env node
/**
 * Benchmark of `coil compile`: what compiling the generated ~50,000-line workspace (102 files, 100
 * processes) to signed `coil-ir/1` workflows costs compared with `coil check` of the same workspace
 * (the language's checks alone), how big the IR is, and how long a runtime takes to JSON.parse it.
 * Same generator and seed as check.bench.js. See bench/baselines/README.md.
 *
 *   node bench/compile.bench.js [--reps 5] [--warmup 1] [--update-baseline] [--profile | --no-profile]
 *                               [--no-memory] [--strict] [--keep] [--seed 42]
 *
 * Run from the repository root after `npm run build`.
 */
import '@coil/language/polyfills';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildWorkspace, checkPaths, isProcess, listCoilFiles } from '@coil/language';
import { analysisModule, compilePaths, locateInWorkspace, locationsOf, lowerProcess, serialise, signAndSerialise, validateWorkflow } from '@coil/compiler';
import { generateWorkspace, writeSources } from './generate-workspace.js';
import { benchArguments, comparison, cpuProfile, inclusiveTimes, saveResults, cpuNow, fmtFigure, fmtInt, gc, machine, MB, median, now, round, table } from './measure.js';
import { formatSummary, shortUrl, summariseProfile } from './profile-summary.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(HERE, 'results');
const BASELINE_FILE = path.join(HERE, 'baselines', 'compile.json');
/** The target: compiling costs at most this many times checking. */
const TARGET_RATIO = 1.5;
/** The parts of the compile after the build, in the order they run for each process. */
const EMIT_PARTS = ['lower', 'signAndSerialise', 'validate', 'sourceMap'];



// ---------------------------------------------------------------------------------------------
// The measures.

function errorsOf(documents) {
    return documents.flatMap(d => d.diagnostics ?? []).filter(d => d.severity === 1);
}

/** `coil check` without the compiler: buildWorkspace with the language's checks only. */
async function check(sources) {
    gc();
    const start = now();
    const cpuStart = cpuNow();
    const documents = await buildWorkspace(sources);
    const ms = now() - start;
    const cpuMs = cpuNow() - cpuStart;
    const errors = errorsOf(documents);
    if (errors.length > 0) throw new Error(`check: ${errors.length} errors, e.g. ${errors[0].message}`);
    return { ms, cpuMs };
}

/**
 * The analyses as a validation module, with the time spent in them (lowering + analyse, per
 * process) counted; each lowering is kept in `lowered` for the emit to reuse, as compilePaths does.
 */
function timedAnalysisModule(counter, lowered) {
    const module = analysisModule({ lowered });
    const inner = module.checks.Process;
    return {
        checks: {
            ...module.checks,
            Process: (process, accept) => {
                const t = now();
                try {
                    return inner(process, accept);
                } finally {
                    counter.ms += now() - t;
                }
            },
        },
    };
}

/** The source map of a workflow, as compilePaths makes it (locationsOf sorts the node ids). */
function sourceMapOf(digest, lowered) {
    return { format: 'coil-sourcemap/1', digest, nodes: Object.fromEntries(locationsOf(lowered, locateInWorkspace)) };
}

/**
 * What `coil compile` does for the whole workspace, in memory: build with the analyses, then for
 * every process lower, sign, validate against the schema, serialise, and make and serialise the
 * source map. Throws on any error: a compile that refuses measures nothing.
 */
async function compile(sources, { keep = false } = {}) {
    gc();
    const analyses = { ms: 0 };
    const cache = new Map();
    const start = now();
    const cpuStart = cpuNow();
    const documents = await buildWorkspace(sources, [timedAnalysisModule(analyses, cache)]);
    const built = now();
    const cpuBuilt = cpuNow();
    const errors = errorsOf(documents);
    if (errors.length > 0) throw new Error(`compile: ${errors.length} errors after the analyses, e.g. ${errors[0].message}`);
    const parts = Object.fromEntries(EMIT_PARTS.map(p => [p, 0]));
    const outputs = [];
    let t = now();
    const lap = part => {
        const t2 = now();
        parts[part] += t2 - t;
        t = t2;
    };
    for (const document of documents) {
        for (const process of document.parseResult.value.elements.filter(isProcess)) {
            t = now();
            const lowered = cache.get(process) ?? lowerProcess(process);
            lap('lower');
            if (!lowered.complete) throw new Error(`compile: ${process.name} did not lower completely`);
            const { signed: workflow, text } = signAndSerialise(lowered.workflow);
            lap('signAndSerialise');
            const valid = validateWorkflow(workflow);
            lap('validate');
            if (!valid.ok) throw new Error(`compile: the workflow of ${process.name} fails its schema: ${valid.errors.map(e => e.message).join('; ')}`);
            const map = serialise(sourceMapOf(workflow.digest, lowered));
            lap('sourceMap');
            outputs.push({ name: process.name, digest: workflow.digest, text, map });
        }
    }
    const end = now();
    const cpuEnd = cpuNow();
    return {
        ms: end - start, cpuMs: cpuEnd - cpuStart,
        buildMs: built - start, buildCpuMs: cpuBuilt - cpuStart,
        emitMs: end - built, emitCpuMs: cpuEnd - cpuBuilt,
        analysesMs: analyses.ms, parts,
        outputs: keep ? outputs : undefined, documents: keep ? documents : undefined,
        processes: outputs.length,
    };
}

/** JSON.parse of every serialised workflow: what a runtime pays at least to load them. */
function parseIr(texts) {
    gc();
    const start = now();
    const cpuStart = cpuNow();
    let keys = 0;
    for (const text of texts) keys += Object.keys(JSON.parse(text)).length;
    const ms = now() - start;
    const cpuMs = cpuNow() - cpuStart;
    if (keys === 0) throw new Error('JSON.parse: nothing parsed');
    return { ms, cpuMs };
}

// ---------------------------------------------------------------------------------------------
// Memory, each measure in a fresh process (cold, like the CLI): peak RSS is a process-wide maximum.

async function childMemory(mode, dir) {
    const files = listCoilFiles([dir]);
    const sources = files.map(file => ({ file, text: fs.readFileSync(file, 'utf8') }));
    gc();
    const before = process.memoryUsage();
    let keep;
    let heapAfterBuildMB;
    if (mode === 'check') {
        keep = await buildWorkspace(sources);
    } else {
        const analyses = { ms: 0 };
        const cache = new Map();
        const documents = await buildWorkspace(sources, [timedAnalysisModule(analyses, cache)]);
        gc();
        heapAfterBuildMB = round((process.memoryUsage().heapUsed - before.heapUsed) / MB);
        const outputs = [];
        for (const document of documents) {
            for (const p of document.parseResult.value.elements.filter(isProcess)) {
                const lowered = cache.get(p) ?? lowerProcess(p);
                const { signed: workflow, text } = signAndSerialise(lowered.workflow);
                validateWorkflow(workflow);
                outputs.push(text, serialise(sourceMapOf(workflow.digest, lowered)));
            }
        }
        keep = { documents, outputs };
    }
    gc();
    const after = process.memoryUsage();
    const result = {
        mode,
        rssBeforeMB: round(before.rss / MB), peakRssMB: round(process.resourceUsage().maxRSS / 1024),
        heapBeforeMB: round(before.heapUsed / MB),
        // Heap held by the built documents (after a full GC): what the build leaves for what follows.
        heapAfterBuildMB: heapAfterBuildMB ?? round((after.heapUsed - before.heapUsed) / MB),
        // ... and with the serialised workflows and source maps too.
        heapRetainedMB: round((after.heapUsed - before.heapUsed) / MB),
    };
    void keep;
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measureMemory(mode, dir) {
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child-memory', mode, dir], {
        encoding: 'utf8', cwd: process.cwd(), maxBuffer: 16 * MB,
    });
    if (child.status !== 0) throw new Error(`memory child (${mode}) failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop());
}

// ---------------------------------------------------------------------------------------------
// Profile of the compile, in this process, with the inspector.

/** The compiler's entry points, by inclusive time (self + callees), to see where the compile's own work goes. */
const COMPILER_LANDMARKS = [
    ['build: parse + link + language checks', null],
    ['analyses module (lower + analyse, in validation)', ['Process bench/compile.bench.js']],
    ['  lowerProcess (in the module and after the build)', ['lowerProcess compiler/dist/lower/index.js']],
    ['  analyse', ['analyse compiler/dist/analyses/index.js']],
    ['signAndSerialise (canonical order once, SHA-256, indented text)', ['signAndSerialise compiler/dist/ir/digest.js']],
    ['validateWorkflow (ajv)', ['validateWorkflow compiler/dist/ir/validate.js']],
    ['serialise (the source maps)', ['serialise compiler/dist/ir/digest.js']],
    ['  sortedCopy (canonical key order)', ['sortedCopy compiler/dist/ir/digest.js']],
    ['sourceMapOf', ['sourceMapOf bench/compile.bench.js']],
    ['garbage collector', ['(garbage collector) (native)']],
];

function compilerLandmarks(profile) {
    const { inclusive, total } = inclusiveTimes(profile, callFrame => `${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}`);
    return COMPILER_LANDMARKS.filter(([, keys]) => keys).map(([label, keys]) => {
        const us = Math.max(0, ...keys.map(k => inclusive.get(k) ?? 0));
        return { label, ms: round(us / 1000), share: round(us / total, 3) };
    });
}

async function profileCompile(sources, runs, file) {
    const profile = await cpuProfile(() => compile(sources), runs, file);
    return { ...summariseProfile(profile, { top: 25 }), compiler: compilerLandmarks(profile) };
}

// ---------------------------------------------------------------------------------------------
// Reporting.


/** The figures compared with the baseline: [label, value, unit, lowerIsBetter]. */
function figures(results) {
    const c = results.workspace;
    const out = [
        ['check median', c.check.medianMs, 'ms', true],
        ['compile median', c.compile.medianMs, 'ms', true],
        ['  build with analyses', c.compile.buildMedianMs, 'ms', true],
        ['  analyses module (in the build)', c.compile.analysesMedianMs, 'ms', true],
        ['  build less check (paired)', c.compile.buildOverCheckMedianMs, 'ms', true],
        ['  emit (lower, sign + serialise, validate, map)', c.compile.emitMedianMs, 'ms', true],
        ['  beyond the build (analyses + emit)', c.compile.beyondBuildMedianMs, 'ms', true],
        ['compile / check', c.ratio, 'x', true],
        ['compile / check (cpu)', c.cpuRatio, 'x', true],
        ['compile / check (paired)', c.pairedRatio, 'x', true],
        ['compile lines/s', c.compile.linesPerSecond, 'lines/s', false],
        ['IR bytes (all workflows)', c.ir.workflowBytes, 'B', true],
        ['IR bytes per source line', c.ir.bytesPerLine, 'B', true],
        ['largest workflow', c.ir.largest.bytes, 'B', true],
        ['source-map bytes', c.ir.sourceMapBytes, 'B', true],
        ['JSON.parse of the IR median', c.jsonParse.medianMs, 'ms', true],
        ['compile / JSON.parse', c.compileOverJsonParse, 'x', true],
    ];
    if (c.memory) {
        out.push(['check peak RSS', c.memory.check.peakRssMB, 'MB', true]);
        out.push(['check retained heap', c.memory.check.heapRetainedMB, 'MB', true]);
        out.push(['compile peak RSS', c.memory.compile.peakRssMB, 'MB', true]);
        out.push(['compile heap after build', c.memory.compile.heapAfterBuildMB, 'MB', true]);
        out.push(['compile retained heap (+ outputs)', c.memory.compile.heapRetainedMB, 'MB', true]);
    }
    return out;
}


const fmtBytes = b => (b >= MB ? `${(b / MB).toFixed(2)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

function report(results, baseline) {
    const out = [];
    const m = results.machine;
    const c = results.workspace;
    out.push(`coil compile benchmark, ${results.date}`);
    out.push(`Node ${m.node} on ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GiB; ${results.options.reps} repetitions after ${results.options.warmup} warm-up runs`);
    out.push(`workspace: ${c.files} files, ${fmtInt(c.lines)} lines, ${c.processes} processes`);
    out.push('');
    const ms = x => x.toFixed(0);
    const rows = [
        ['check (buildWorkspace, language checks)', ms(c.check.minMs), ms(c.check.medianMs), fmtInt(c.check.linesPerSecond), ms(c.check.cpuMedianMs), ''],
        ['compile (build + analyses + emit)', ms(c.compile.minMs), ms(c.compile.medianMs), fmtInt(c.compile.linesPerSecond), ms(c.compile.cpuMedianMs), ''],
        ['  build with [analysisModule()]', '', ms(c.compile.buildMedianMs), '', ms(c.compile.buildCpuMedianMs), ''],
        ['    of which the analyses (lower + analyse)', '', ms(c.compile.analysesMedianMs), '', '', ''],
        ['    build less check (paired)', '', ms(c.compile.buildOverCheckMedianMs), '', '', 'analyses + their GC and noise'],
        ['  emit, after the build', '', ms(c.compile.emitMedianMs), '', ms(c.compile.emitCpuMedianMs), ''],
        ...EMIT_PARTS.map(p => [`    ${p}`, '', ms(c.compile.partsMedianMs[p]), '', '', `${(100 * c.compile.partsMedianMs[p] / c.compile.emitMedianMs).toFixed(0)} %`]),
        ['  beyond the build (analyses + emit)', '', ms(c.compile.beyondBuildMedianMs), '', '', `${(100 * c.compile.beyondBuildMedianMs / c.compile.medianMs).toFixed(0)} % of compile`],
        ['compile / check', c.ratioOfMins.toFixed(2) + 'x', c.ratio.toFixed(2) + 'x', '', c.cpuRatio.toFixed(2) + 'x',
            `${c.pass ? 'PASS' : 'FAIL'} (target <= ${TARGET_RATIO}x; paired ${c.pairedRatio.toFixed(2)}x)`],
        ['JSON.parse of all workflows', ms(c.jsonParse.minMs), ms(c.jsonParse.medianMs), '', ms(c.jsonParse.cpuMedianMs), `${fmtInt(c.ir.workflowBytes / MB / (c.jsonParse.medianMs / 1000))} MiB/s`],
        ['compile / JSON.parse', '', c.compileOverJsonParse.toFixed(1) + 'x', '', '', ''],
    ];
    out.push(table(rows, ['', 'min ms', 'median ms', 'lines/s', 'cpu median ms', '']));
    out.push('(PASS/FAIL on the median wall-clock ratio; cpu = process CPU time, all threads, less sensitive to other load;');
    out.push(' the analyses run inside the build, as validation checks, and lower each process once more than the emit does.)');
    if (results.load.max > m.cores) {
        out.push(`WARNING: the machine was busy (load average up to ${results.load.max} on ${m.cores} cores): wall-clock figures are noisy; compare the cpu figures.`);
    }
    out.push('');
    const ir = c.ir;
    out.push('IR size (serialised as `coil compile` writes them: canonical key order, 2-space indent):');
    out.push(table([
        ['workflows', `${ir.workflows}`, `${fmtBytes(ir.workflowBytes)} (${fmtInt(ir.workflowBytes)} B)`],
        ['per source line', '', `${fmtInt(ir.bytesPerLine)} B`],
        ['per workflow (median)', '', fmtBytes(ir.medianWorkflowBytes)],
        ['largest workflow', ir.largest.name, `${fmtBytes(ir.largest.bytes)} (${fmtInt(ir.largest.sourceLines)} source lines)`],
        ['source maps', `${ir.workflows}`, `${fmtBytes(ir.sourceMapBytes)} (${fmtInt(ir.sourceMapBytes)} B)`],
        ['sources (.coil)', `${c.files}`, fmtBytes(ir.sourceBytes)],
    ], ['', 'count / name', 'bytes']));
    out.push('');
    if (c.memory) {
        const memRows = ['check', 'compile'].map(mode => {
            const x = c.memory[mode];
            return [mode, x.rssBeforeMB, x.peakRssMB, x.heapAfterBuildMB, x.heapRetainedMB];
        });
        out.push('Memory (MB; each in a fresh process, one cold run; heap retained after a full GC):');
        out.push(table(memRows, ['', 'RSS before', 'peak RSS', 'heap after build', 'heap retained (+ outputs)']));
        out.push(`This process: peak RSS ${results.processPeakRssMB} MB.`);
        out.push('');
    }
    const v = results.validity;
    out.push(`Validity: 0 errors; warnings ${Object.entries(v.warningsByCode).map(([code, n]) => `${code} x${n}`).join(', ') || 'none'}; ` +
        `compilePaths compiled ${v.compilePaths.compiled}, refused ${v.compilePaths.refused}, digests identical to this benchmark's: ${v.compilePaths.sameDigests ? 'yes' : 'NO'} ` +
        `(one run from files, ${fmtInt(v.compilePaths.ms)} ms).`);
    out.push('');
    out.push(...comparison(figures, results, baseline, BASELINE_FILE, 'the ratios'));
    return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main.

async function runCase(sources, options) {
    const lines = sources.reduce((n, s) => n + s.lines, 0);
    let last;
    for (let i = 0; i < options.warmup; i++) {
        await check(sources);
        last = await compile(sources, { keep: true });
    }
    if (!last) last = await compile(sources, { keep: true });
    const texts = last.outputs.map(o => o.text);
    for (let i = 0; i < options.warmup; i++) parseIr(texts);
    const checks = [];
    const compiles = [];
    const parses = [];
    for (let i = 0; i < options.reps; i++) {
        // Interleaved, so that drift (thermal, other load) affects every measure alike.
        checks.push(await check(sources));
        compiles.push(await compile(sources));
        parses.push(parseIr(texts));
        const c = compiles[i];
        process.stderr.write(`  ${i + 1}/${options.reps}: check ${checks[i].ms.toFixed(0)} ms (cpu ${checks[i].cpuMs.toFixed(0)}), ` +
            `compile ${c.ms.toFixed(0)} ms (cpu ${c.cpuMs.toFixed(0)}; build ${c.buildMs.toFixed(0)}, of which analyses ${c.analysesMs.toFixed(0)}; emit ${c.emitMs.toFixed(0)}), ` +
            `JSON.parse ${parses[i].ms.toFixed(0)} ms, load ${os.loadavg()[0].toFixed(1)}\n`);
    }
    const stat = runs => {
        const xs = runs.map(r => r.ms);
        const cpu = runs.map(r => r.cpuMs);
        return {
            runsMs: xs.map(x => round(x)), minMs: round(Math.min(...xs)), medianMs: round(median(xs)),
            linesPerSecond: Math.round(lines / (median(xs) / 1000)),
            cpuRunsMs: cpu.map(x => round(x)), cpuMinMs: round(Math.min(...cpu)), cpuMedianMs: round(median(cpu)),
        };
    };
    const k = stat(checks);
    const c = {
        ...stat(compiles),
        buildMedianMs: round(median(compiles.map(r => r.buildMs))),
        buildCpuMedianMs: round(median(compiles.map(r => r.buildCpuMs))),
        analysesMedianMs: round(median(compiles.map(r => r.analysesMs))),
        emitMedianMs: round(median(compiles.map(r => r.emitMs))),
        emitCpuMedianMs: round(median(compiles.map(r => r.emitCpuMs))),
        beyondBuildMedianMs: round(median(compiles.map(r => r.analysesMs + r.emitMs))),
        // The build with the analyses less the check of the same repetition: the analyses plus what
        // they cost the rest of the build (GC of their garbage, mostly).
        buildOverCheckMedianMs: round(median(compiles.map((r, i) => r.buildMs - checks[i].ms))),
        partsMedianMs: Object.fromEntries(EMIT_PARTS.map(p => [p, round(median(compiles.map(r => r.parts[p])))])),
    };
    const { linesPerSecond: _unused, ...j } = stat(parses);
    // The IR, from the last warm-up compile (every compile makes the same bytes).
    const fileOf = new Map(last.documents.flatMap(d => d.parseResult.value.elements.filter(isProcess).map(p => [p.name, d])));
    const sizes = last.outputs.map(o => ({ name: o.name, bytes: Buffer.byteLength(o.text), mapBytes: Buffer.byteLength(o.map) }));
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const largestDoc = fileOf.get(largest.name);
    const workflowBytes = sizes.reduce((n, s) => n + s.bytes, 0);
    const ir = {
        workflows: sizes.length, workflowBytes, bytesPerLine: Math.round(workflowBytes / lines),
        medianWorkflowBytes: median(sizes.map(s => s.bytes)),
        largest: { name: largest.name, bytes: largest.bytes, sourceLines: largestDoc ? largestDoc.textDocument.lineCount : 0 },
        sourceMapBytes: sizes.reduce((n, s) => n + s.mapBytes, 0),
        sourceBytes: sources.reduce((n, s) => n + Buffer.byteLength(s.text), 0),
    };
    return {
        files: sources.length, lines, processes: last.processes, check: k, compile: c, jsonParse: j, ir,
        digests: Object.fromEntries(last.outputs.map(o => [o.name, o.digest])),
        ratio: round(c.medianMs / k.medianMs, 2), ratioOfMins: round(c.minMs / k.minMs, 2), cpuRatio: round(c.cpuMedianMs / k.cpuMedianMs, 2),
        // Each repetition's compile / check, then the median: cancels drift between repetitions.
        pairedRatio: round(median(compiles.map((x, i) => x.ms / checks[i].ms)), 2),
        compileOverJsonParse: round(c.medianMs / j.medianMs, 1),
        pass: c.medianMs / k.medianMs <= TARGET_RATIO,
    };
}

async function main() {
    const values = benchArguments({ reps: 5, warmup: 1 });
    if (values['child-memory']) {
        return childMemory(values['child-memory'], process.argv[process.argv.length - 1]);
    }
    const options = { reps: Number(values.reps), warmup: Number(values.warmup), seed: Number(values.seed) };
    const started = now();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-compile-bench-'));
    try {
        // 1. Generate, write and read back the workspace (the same as check.bench.js's `workspace` case).
        const files = generateWorkspace({ seed: options.seed, files: 100, lines: 50000 });
        const dir = path.join(tmp, 'workspace');
        writeSources(dir, files);
        const hash = createHash('sha256');
        files.forEach(f => hash.update(f.file).update(f.text));
        const workspaceHash = hash.digest('hex').slice(0, 16);
        const sources = files.filter(f => f.file.endsWith('.coil'))
            .map(f => ({ file: path.join(dir, f.file), text: fs.readFileSync(path.join(dir, f.file), 'utf8'), lines: f.lines }));

        // 2. Valid under the analyses, or the compile would refuse and measure nothing.
        const checked = await checkPaths([dir], { cwd: dir, modules: [analysisModule()] });
        if (checked.counts.error > 0) {
            for (const d of checked.diagnostics.filter(x => x.severity === 'error').slice(0, 15)) {
                console.error(`${path.join(dir, d.file)}:${d.start.line}:${d.start.column} ${d.code} ${d.message}`);
            }
            const codes = {};
            for (const d of checked.diagnostics.filter(x => x.severity === 'error')) codes[d.code] = (codes[d.code] ?? 0) + 1;
            throw new Error(`the generated workspace has ${checked.counts.error} errors under the analyses (${JSON.stringify(codes)}): ` +
                `fix bench/generate-workspace.js (kept in ${tmp})`);
        }
        const warningsByCode = {};
        for (const d of checked.diagnostics.filter(x => x.severity !== 'error')) warningsByCode[d.code] = (warningsByCode[d.code] ?? 0) + 1;
        // The CLI's own pipeline, once, from the files: it must compile every process.
        let t = now();
        const compiled = await compilePaths([dir], { cwd: dir });
        const compilePathsMs = now() - t;
        if (compiled.refused.length > 0 || compiled.counts.error > 0) {
            throw new Error(`compilePaths refused ${compiled.refused.length} processes (${compiled.refused.slice(0, 5).join(', ')}) with ${compiled.counts.error} errors (kept in ${tmp})`);
        }
        process.stderr.write(`generated ${sources.length} files (${compiled.processes.length} processes) in ${tmp}; 0 errors under the analyses ` +
            `(${checked.counts.warning} warnings); compilePaths ${compilePathsMs.toFixed(0)} ms\n`);

        // 3. Timings, in this process.
        const loads = [os.loadavg()[0]];
        const workspace = await runCase(sources, options);
        loads.push(os.loadavg()[0]);
        const sameDigests = compiled.processes.length === workspace.processes
            && compiled.processes.every(p => workspace.digests[p.name] === p.workflow.digest);
        if (!sameDigests) throw new Error('the in-memory compile does not make the same workflows as compilePaths: the benchmark is out of date');
        delete workspace.digests;

        // 4. Memory, in fresh processes.
        if (!values['no-memory']) workspace.memory = { check: measureMemory('check', dir), compile: measureMemory('compile', dir) };

        const results = {
            benchmark: 'coil compile', date: new Date().toISOString(), machine: machine(),
            options: { ...options, targetRatio: TARGET_RATIO }, workspaceHash,
            validity: {
                ...checked.counts, warningsByCode,
                compilePaths: { compiled: compiled.processes.length, refused: compiled.refused.length, sameDigests, ms: round(compilePathsMs) },
            },
            workspace,
            load: { samples: loads.map(x => round(x, 2)), max: round(Math.max(...loads), 2) },
            processPeakRssMB: round(process.resourceUsage().maxRSS / 1024),
        };

        // 5. A profile of the compile when the target is missed (or when asked).
        const missed = !workspace.pass;
        if (values.profile || (missed && !values['no-profile'])) {
            fs.mkdirSync(RESULTS_DIR, { recursive: true });
            const file = path.join(RESULTS_DIR, `compile-${results.date.replace(/[:.]/g, '-')}.cpuprofile`);
            results.profile = { file: path.relative(process.cwd(), file), ...(await profileCompile(sources, 2, file)) };
        }
        results.elapsedSeconds = round((now() - started) / 1000);
        if (values['update-baseline']) Object.defineProperty(results, 'updatingBaseline', { value: true, enumerable: false });

        // 6. Report, results, baseline.
        const baseline = fs.existsSync(BASELINE_FILE) ? JSON.parse(fs.readFileSync(BASELINE_FILE, 'utf8')) : undefined;
        console.log('');
        console.log(report(results, baseline));
        if (results.profile) {
            console.log(`Profile of the compile (2 runs; ${results.profile.file}; node bench/profile-summary.js <file> for more):`);
            console.log('The compiler\'s parts (inclusive time):');
            for (const l of results.profile.compiler) console.log(`  ${l.ms.toFixed(0).padStart(7)} ms ${(100 * l.share).toFixed(1).padStart(5)} %  ${l.label}`);
            console.log('');
            console.log(formatSummary(results.profile));
            console.log('');
        }
        saveResults({ results, resultsDir: RESULTS_DIR, name: 'compile', latest: 'compile-latest.json', baselineFile: BASELINE_FILE, updateBaseline: values['update-baseline'], profileKey: 'profile' });
        console.log(`Overall: ${missed ? 'FAIL' : 'PASS'} (compile <= ${TARGET_RATIO}x check), ${results.elapsedSeconds} s`);
        if (missed && values.strict) process.exitCode = 1;
    } finally {
        if (values.keep) console.error(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(e => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
});
