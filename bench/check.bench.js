#!/usr/bin/env node
/**
 * Benchmark of `coil check`: how much the whole pipeline (parse, index, scope, link, validate)
 * costs compared with Langium's parser alone, on a generated workspace of ~100 files / ~50,000
 * lines and on one ~10,000-line file. See bench/baselines/README.md.
 *
 *   node bench/check.bench.js [--reps 7] [--warmup 2] [--update-baseline] [--profile | --no-profile]
 *                             [--no-memory] [--strict] [--keep] [--seed 42]
 *
 * Run from the repository root after `npm run build` (`npm run bench` does both).
 */
import '@coil/language/polyfills';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DocumentState, URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { buildWorkspace, checkPaths, createCoilServices, listCoilFiles } from '@coil/language';
import { generateLargeFile, generateWorkspace, writeSources } from './generate-workspace.js';
import { benchArguments, comparison, printReport, cpuProfile, saveResults, cpuNow, fmtFigure, fmtInt, gc, machine, MB, median, now, round, table } from './measure.js';
import { summariseProfile } from './profile-summary.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(HERE, 'results');
const BASELINE_FILE = path.join(HERE, 'baselines', 'check.json');
/** The target: the full check costs at most this many times the parse alone. */
const TARGET_RATIO = 3;



// ---------------------------------------------------------------------------------------------
// The two measures.

/** Langium's parser alone on every file, on a fresh services instance built before the clock starts. */
function parseOnly(sources) {
    const parser = createCoilServices(NodeFileSystem).Coil.parser.LangiumParser;
    gc();
    const start = now();
    const cpuStart = cpuNow();
    let errors = 0;
    for (const { text } of sources) {
        const result = parser.parse(text);
        errors += result.lexerErrors.length + result.parserErrors.length;
    }
    const ms = now() - start;
    const cpuMs = cpuNow() - cpuStart;
    if (errors > 0) throw new Error(`parse-only: ${errors} lexer/parser errors in the generated files`);
    return { ms, cpuMs };
}

/** The whole check pipeline, exactly as the CLI runs it (buildWorkspace: services, parse, index, link, validate). */
async function fullCheck(sources) {
    gc();
    const start = now();
    const cpuStart = cpuNow();
    const documents = await buildWorkspace(sources);
    const ms = now() - start;
    const cpuMs = cpuNow() - cpuStart;
    const errors = documents.flatMap(d => d.diagnostics ?? []).filter(d => d.severity === 1);
    if (errors.length > 0) throw new Error(`full check: ${errors.length} errors, e.g. ${errors[0].message}`);
    return { ms, cpuMs };
}

/**
 * The same work as buildWorkspace, split into phases (services, parse, index, scopes, link,
 * reference index, validation), optionally sampling the heap after every document of every phase.
 */
async function instrumentedBuild(sources, { sampleHeap = false } = {}) {
    let heapPeak = 0;
    const sample = () => {
        if (sampleHeap) heapPeak = Math.max(heapPeak, v8.getHeapStatistics().used_heap_size);
    };
    const phases = {};
    const phasesCpu = {};
    let last = now();
    let lastCpu = cpuNow();
    const mark = name => {
        const t = now();
        const c = cpuNow();
        phases[name] = (phases[name] ?? 0) + (t - last);
        phasesCpu[name] = (phasesCpu[name] ?? 0) + (c - lastCpu);
        last = t;
        lastCpu = c;
    };
    const services = createCoilServices(NodeFileSystem);
    void services.Coil.parser.LangiumParser; // built lazily otherwise, on the first document
    mark('services');
    const factory = services.shared.workspace.LangiumDocumentFactory;
    const langiumDocuments = services.shared.workspace.LangiumDocuments;
    const documents = sources.map(({ file, text }) => {
        const document = factory.fromString(text, URI.file(path.resolve(file)));
        langiumDocuments.addDocument(document);
        sample();
        return document;
    });
    mark('parse');
    const builder = services.shared.workspace.DocumentBuilder;
    const names = {
        [DocumentState.IndexedContent]: 'index', [DocumentState.ComputedScopes]: 'scopes', [DocumentState.Linked]: 'link',
        [DocumentState.IndexedReferences]: 'refIndex', [DocumentState.Validated]: 'validate',
    };
    for (const [state, name] of Object.entries(names)) {
        builder.onBuildPhase(Number(state), () => mark(name));
        if (sampleHeap) builder.onDocumentPhase(Number(state), sample);
    }
    await builder.build(documents, { validation: true });
    return { phases, phasesCpu, heapPeak, documents };
}

// ---------------------------------------------------------------------------------------------
// Memory, each measure in a fresh process (cold, like the CLI): peak RSS is a process-wide maximum.

async function childMemory(mode, dir) {
    const files = listCoilFiles([dir]);
    const sources = files.map(file => ({ file, text: fs.readFileSync(file, 'utf8') }));
    gc();
    const before = process.memoryUsage();
    let heapPeak = 0;
    let keep;
    if (mode === 'parse') {
        const parser = createCoilServices(NodeFileSystem).Coil.parser.LangiumParser;
        keep = sources.map(s => {
            const result = parser.parse(s.text);
            heapPeak = Math.max(heapPeak, v8.getHeapStatistics().used_heap_size);
            return result;
        });
    } else {
        const built = await instrumentedBuild(sources, { sampleHeap: true });
        heapPeak = built.heapPeak;
        keep = built.documents;
    }
    gc();
    const after = process.memoryUsage();
    const result = {
        mode, documents: keep.length,
        rssBeforeMB: round(before.rss / MB), peakRssMB: round(process.resourceUsage().maxRSS / 1024),
        heapBeforeMB: round(before.heapUsed / MB), heapPeakMB: round(heapPeak / MB),
        heapRetainedMB: round((after.heapUsed - before.heapUsed) / MB),
    };
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
// Profile of the full check, in this process, with the inspector.

async function profileFullCheck(sources, runs, file) {
    return summariseProfile(await cpuProfile(() => fullCheck(sources), runs, file), { top: 25 });
}

// ---------------------------------------------------------------------------------------------
// Reporting.


/** The figures compared with the baseline: [label, value, unit, lowerIsBetter]. */
function figures(results) {
    const out = [];
    for (const [key, c] of Object.entries(results.cases)) {
        out.push([`${key}: parse-only median`, c.parse.medianMs, 'ms', true]);
        out.push([`${key}: full check median`, c.full.medianMs, 'ms', true]);
        out.push([`${key}: full / parse-only`, c.ratio, 'x', true]);
        out.push([`${key}: full / parse-only (cpu)`, c.cpuRatio, 'x', true]);
        out.push([`${key}: full check cpu median`, c.full.cpuMedianMs, 'ms', true]);
        out.push([`${key}: parse-only lines/s`, c.parse.linesPerSecond, 'lines/s', false]);
        out.push([`${key}: full check lines/s`, c.full.linesPerSecond, 'lines/s', false]);
        if (c.memory) {
            out.push([`${key}: full peak RSS`, c.memory.full.peakRssMB, 'MB', true]);
            out.push([`${key}: full retained heap`, c.memory.full.heapRetainedMB, 'MB', true]);
            out.push([`${key}: parse peak RSS`, c.memory.parse.peakRssMB, 'MB', true]);
        }
    }
    return out;
}



function report(results, baseline) {
    const out = [];
    const m = results.machine;
    out.push(`coil check benchmark, ${results.date}`);
    out.push(`Node ${m.node} on ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GiB; ${results.options.reps} repetitions after ${results.options.warmup} warm-up runs`);
    out.push('');
    const rows = [];
    for (const [key, c] of Object.entries(results.cases)) {
        rows.push([`${key} (${c.files} files, ${fmtInt(c.lines)} lines)`, '', '', '', '']);
        rows.push(['  parse-only (LangiumParser.parse)', c.parse.minMs.toFixed(0), c.parse.medianMs.toFixed(0), fmtInt(c.parse.linesPerSecond), c.parse.cpuMedianMs.toFixed(0), '']);
        rows.push(['  full check (buildWorkspace)', c.full.minMs.toFixed(0), c.full.medianMs.toFixed(0), fmtInt(c.full.linesPerSecond), c.full.cpuMedianMs.toFixed(0), '']);
        rows.push(['  full / parse-only', c.ratioOfMins.toFixed(2) + 'x', c.ratio.toFixed(2) + 'x', '', c.cpuRatio.toFixed(2) + 'x', `${c.ratio <= TARGET_RATIO ? 'PASS' : 'FAIL'} (target <= ${TARGET_RATIO}x; paired ${c.pairedRatio.toFixed(2)}x)`]);
    }
    out.push(table(rows, ['', 'min ms', 'median ms', 'lines/s', 'cpu median ms', '']));
    out.push('(PASS/FAIL on the median wall-clock ratio; cpu = process CPU time, all threads, less sensitive to other load.)');
    const load = results.load;
    if (load.max > m.cores) {
        out.push(`WARNING: the machine was busy (load average up to ${load.max} on ${m.cores} cores): wall-clock figures are noisy; compare the cpu figures.`);
    }
    out.push('');
    const phaseRows = [];
    const phaseNames = ['services', 'parse', 'index', 'scopes', 'link', 'refIndex', 'validate'];
    for (const [key, c] of Object.entries(results.cases)) {
        for (const [label, ph] of [['wall', c.phases], ['cpu', c.phasesCpu]]) {
            const total = phaseNames.reduce((n, p) => n + ph[p], 0);
            phaseRows.push([`${key} ${label}`, ...phaseNames.map(p => `${ph[p].toFixed(0)} (${(100 * ph[p] / total).toFixed(0)}%)`), total.toFixed(0)]);
        }
    }
    out.push('Where the full check goes (instrumented copy of buildWorkspace, median ms per phase; the parse phase keeps');
    out.push('every AST alive, as a build must, which costs more GC than parse-only, which drops each AST):');
    out.push(table(phaseRows, ['', ...phaseNames, 'total']));
    out.push('');
    if (Object.values(results.cases).some(c => c.memory)) {
        const memRows = [];
        for (const [key, c] of Object.entries(results.cases)) {
            if (!c.memory) continue;
            for (const mode of ['parse', 'full']) {
                const x = c.memory[mode];
                memRows.push([`${key}, ${mode === 'parse' ? 'parse-only' : 'full check'}`, x.rssBeforeMB, x.peakRssMB, x.heapPeakMB, x.heapRetainedMB]);
            }
        }
        out.push('Memory (MB; each in a fresh process, one cold run; heap peak sampled per document and phase):');
        out.push(table(memRows, ['', 'RSS before', 'peak RSS', 'heap peak', 'heap retained']));
        out.push(`This process: peak RSS ${results.processPeakRssMB} MB.`);
        out.push('');
    }
    out.push(...comparison(figures, results, baseline, BASELINE_FILE, 'the full / parse-only ratios'));
    return out.join('\n');
}


// ---------------------------------------------------------------------------------------------
// Main.

async function runCase(name, sources, options) {
    const lines = sources.reduce((n, s) => n + s.lines, 0);
    for (let i = 0; i < options.warmup; i++) {
        parseOnly(sources);
        await fullCheck(sources);
    }
    const parse = [];
    const full = [];
    for (let i = 0; i < options.reps; i++) {
        // Interleaved, so that drift (thermal, other load) affects both measures alike.
        parse.push(parseOnly(sources));
        full.push(await fullCheck(sources));
        process.stderr.write(`  ${name} ${i + 1}/${options.reps}: parse-only ${parse[i].ms.toFixed(0)} ms (cpu ${parse[i].cpuMs.toFixed(0)}), ` +
            `full ${full[i].ms.toFixed(0)} ms (cpu ${full[i].cpuMs.toFixed(0)}), load ${os.loadavg()[0].toFixed(1)}\n`);
    }
    const phaseRuns = [];
    for (let i = 0; i < Math.max(1, Math.min(3, options.reps)); i++) {
        gc();
        phaseRuns.push(await instrumentedBuild(sources));
    }
    const phaseMedians = which => Object.fromEntries(Object.keys(phaseRuns[0][which]).map(p => [p, round(median(phaseRuns.map(r => r[which][p] ?? 0)), 1)]));
    const phases = phaseMedians('phases');
    const phasesCpu = phaseMedians('phasesCpu');
    const stat = runs => {
        const xs = runs.map(r => r.ms);
        const cpu = runs.map(r => r.cpuMs);
        return {
            runsMs: xs.map(x => round(x)), minMs: round(Math.min(...xs)), medianMs: round(median(xs)),
            linesPerSecond: Math.round(lines / (median(xs) / 1000)),
            cpuRunsMs: cpu.map(x => round(x)), cpuMinMs: round(Math.min(...cpu)), cpuMedianMs: round(median(cpu)),
        };
    };
    const p = stat(parse);
    const f = stat(full);
    return {
        files: sources.length, lines, parse: p, full: f,
        ratio: round(f.medianMs / p.medianMs, 2), ratioOfMins: round(f.minMs / p.minMs, 2), cpuRatio: round(f.cpuMedianMs / p.cpuMedianMs, 2),
        // Each repetition's full / parse-only, then the median: cancels drift between repetitions.
        pairedRatio: round(median(full.map((x, i) => x.ms / parse[i].ms)), 2),
        pass: f.medianMs / p.medianMs <= TARGET_RATIO, phases, phasesCpu,
    };
}

async function main() {
    const values = benchArguments({ reps: 7, warmup: 2 });
    if (values['child-memory']) {
        return childMemory(values['child-memory'], process.argv[process.argv.length - 1]);
    }
    const options = { reps: Number(values.reps), warmup: Number(values.warmup), seed: Number(values.seed) };
    const started = now();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-bench-'));
    try {
        // 1. Generate, write and read back the two workspaces.
        const generated = {
            workspace: generateWorkspace({ seed: options.seed, files: 100, lines: 50000 }),
            largeFile: generateLargeFile({ seed: options.seed + 1, lines: 10000 }),
        };
        const hash = createHash('sha256');
        const dirs = {};
        const sources = {};
        for (const [key, files] of Object.entries(generated)) {
            dirs[key] = path.join(tmp, key);
            writeSources(dirs[key], files);
            files.forEach(f => hash.update(f.file).update(f.text));
            sources[key] = files.filter(f => f.file.endsWith('.coil')).map(f => ({ file: path.join(dirs[key], f.file), text: fs.readFileSync(path.join(dirs[key], f.file), 'utf8'), lines: f.lines }));
        }
        const workspaceHash = hash.digest('hex').slice(0, 16);

        // 2. The generated code must be valid, so that the benchmark measures the real path and not error recovery.
        const validity = {};
        for (const [key, dir] of Object.entries(dirs)) {
            const result = await checkPaths([dir], { cwd: dir });
            validity[key] = result.counts;
            if (result.counts.error > 0) {
                for (const d of result.diagnostics.filter(x => x.severity === 'error').slice(0, 10)) {
                    console.error(`${path.join(dir, d.file)}:${d.start.line}:${d.start.column} ${d.code} ${d.message}`);
                }
                throw new Error(`the generated ${key} has ${result.counts.error} errors: fix bench/generate-workspace.js (kept in ${tmp})`);
            }
        }
        process.stderr.write(`generated ${sources.workspace.length} + 1 files in ${tmp}; both check with 0 errors ` +
            `(${validity.workspace.warning + validity.largeFile.warning} warnings)\n`);

        // 3. Timings, in this process.
        const cases = {};
        const loads = [os.loadavg()[0]];
        for (const key of Object.keys(sources)) {
            cases[key] = await runCase(key, sources[key], options);
            loads.push(os.loadavg()[0]);
        }

        // 4. Memory, in fresh processes.
        if (!values['no-memory']) {
            for (const key of Object.keys(sources)) {
                cases[key].memory = { parse: measureMemory('parse', dirs[key]), full: measureMemory('full', dirs[key]) };
            }
        }

        const results = {
            benchmark: 'coil check', date: new Date().toISOString(), machine: machine(),
            options: { ...options, targetRatio: TARGET_RATIO }, workspaceHash, validity, cases,
            load: { samples: loads.map(x => round(x, 2)), max: round(Math.max(...loads), 2) },
            processPeakRssMB: round(process.resourceUsage().maxRSS / 1024),
        };

        // 5. A profile of the full check when the target is missed (or when asked).
        const missed = Object.values(cases).some(c => !c.pass);
        if (values.profile || (missed && !values['no-profile'])) {
            fs.mkdirSync(RESULTS_DIR, { recursive: true });
            results.profiles = {};
            for (const key of Object.keys(cases)) {
                if (!values.profile && cases[key].pass) continue;
                const file = path.join(RESULTS_DIR, `check-full-${key}-${results.date.replace(/[:.]/g, '-')}.cpuprofile`);
                const summary = await profileFullCheck(sources[key], 2, file);
                results.profiles[key] = { file: path.relative(process.cwd(), file), ...summary };
            }
        }
        results.elapsedSeconds = round((now() - started) / 1000);
        if (values['update-baseline']) Object.defineProperty(results, 'updatingBaseline', { value: true, enumerable: false });

        // 6. Report, results, baseline.
        printReport({
            results, baselineFile: BASELINE_FILE, report,
            heading: (key, profile) => `Profile of the full check, ${key} (2 runs; ${profile.file}; node bench/profile-summary.js <file> for more):`,
        });
        saveResults({ results, resultsDir: RESULTS_DIR, name: 'check', latest: 'latest.json', baselineFile: BASELINE_FILE, updateBaseline: values['update-baseline'], profileKey: 'profiles' });
        console.log(`Overall: ${missed ? 'FAIL' : 'PASS'} (full check <= ${TARGET_RATIO}x parse-only), ${results.elapsedSeconds} s`);
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
