/**
 * What the benchmarks share: clocks (wall and CPU), a forced GC between runs, medians and
 * rounding, the machine's description for a baseline, and plain-text tables.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parseArgs } from 'node:util';
import { formatSummary } from './profile-summary.js';

export const gc = globalThis.gc ?? (() => {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc');
})();

export const MB = 1024 * 1024;
export const now = () => performance.now();
/** CPU time of this process (all threads: JS, GC helpers) in ms. */
export const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
};
export const median = xs => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** The nearest-rank percentile (p in 0..1). */
export const percentile = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
export const round = (x, digits = 1) => Number(x.toFixed(digits));
export const fmtInt = x => Math.round(x).toLocaleString('en-US');
export const fmtFigure = x => (Math.abs(x) >= 1000 ? fmtInt(x) : String(round(x, 2)));

export function machine() {
    const cpus = os.cpus();
    return {
        node: process.version, v8: process.versions.v8, platform: `${process.platform} ${os.release()} ${process.arch}`,
        cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length, memoryGB: round(os.totalmem() / 1024 ** 3),
    };
}

/** Rows under a header, the first column left-aligned and the others right-aligned; empty cells allowed. */
export function table(rows, header) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => String(r[i] ?? '').length)));
    const line = r => r.map((cell, i) => (i === 0 ? String(cell ?? '').padEnd(widths[i]) : String(cell ?? '').padStart(widths[i]))).join('  ');
    return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The command line every benchmark takes (see bench/baselines/README.md), with its own defaults. */
export function benchArguments({ reps, warmup }) {
    const { values } = parseArgs({
        options: {
            reps: { type: 'string', default: String(reps) },
            warmup: { type: 'string', default: String(warmup) },
            seed: { type: 'string', default: '42' },
            'update-baseline': { type: 'boolean', default: false },
            profile: { type: 'boolean' },
            'no-profile': { type: 'boolean', default: false },
            'no-memory': { type: 'boolean', default: false },
            strict: { type: 'boolean', default: false },
            keep: { type: 'boolean', default: false },
            'child-memory': { type: 'string' },
        },
        allowPositionals: true,
    });
    return values;
}

/**
 * The lines comparing this run's figures ([label, value, unit, lowerIsBetter]) with a baseline's,
 * each as now / baseline, flagged beyond 10 %; `ratios` names what to compare across machines.
 */
export function comparison(figures, results, baseline, baselineFile, ratios) {
    if (!baseline) return [`No baseline at ${path.relative(process.cwd(), baselineFile)} yet: record one with --update-baseline.`, ''];
    const out = [];
    const base = new Map(figures(baseline).map(([label, value]) => [label, value]));
    const rows = figures(results).map(([label, value, unit, lowerIsBetter]) => {
        const b = base.get(label);
        if (b === undefined || !b) return [label, `${fmtFigure(value)} ${unit}`, '-', '-', ''];
        const ratio = value / b;
        const worse = lowerIsBetter ? ratio > 1.1 : ratio < 1 / 1.1;
        const better = lowerIsBetter ? ratio < 1 / 1.1 : ratio > 1.1;
        return [label, `${fmtFigure(value)} ${unit}`, `${fmtFigure(b)} ${unit}`, `${ratio.toFixed(2)}x`, worse ? 'worse' : better ? 'better' : ''];
    });
    out.push(`Compared with the ${results.updatingBaseline ? 'previous ' : ''}baseline of ${baseline.date} (${baseline.machine.cpu}, Node ${baseline.machine.node}, load up to ${baseline.load?.max ?? '?'}):`);
    if (baseline.workspaceHash !== results.workspaceHash) {
        out.push('  NOTE: the generated workspace differs from the baseline\'s (generator or seed changed); update the baseline.');
    }
    if (baseline.machine.cpu !== results.machine.cpu || baseline.machine.cores !== results.machine.cores) {
        out.push(`  NOTE: another machine than the baseline's: compare ${ratios}, not absolute times.`);
    }
    out.push(table(rows, ['figure', 'now', 'baseline', 'now / baseline', '']));
    out.push('');
    return out;
}

/**
 * Prints a run's report against the committed baseline (if any), then each profile of the run:
 * `heading(key, profile)`, the landmarks `landmarks(profile)` gives (inclusive time), and its summary.
 */
export function printReport({ results, baselineFile, report, heading, landmarks = () => [] }) {
    const baseline = fs.existsSync(baselineFile) ? JSON.parse(fs.readFileSync(baselineFile, 'utf8')) : undefined;
    console.log('');
    console.log(report(results, baseline));
    for (const [key, profile] of Object.entries(results.profiles ?? {})) {
        console.log(heading(key, profile));
        for (const l of landmarks(profile)) console.log(`  ${l.ms.toFixed(0).padStart(7)} ms ${(100 * l.share).toFixed(1).padStart(5)} %  ${l.label}`);
        console.log(formatSummary(profile));
        console.log('');
    }
}

/**
 * Writes a run's results to bench/results/ (`<name>-<date>.json` and `<latest>`) and, when asked,
 * the baseline (without the profile, which is big and machine-bound).
 */
export function saveResults({ results, resultsDir, name, latest, baselineFile, updateBaseline, profileKey }) {
    fs.mkdirSync(resultsDir, { recursive: true });
    const resultFile = path.join(resultsDir, `${name}-${results.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(resultFile, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(resultsDir, latest), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Results: ${path.relative(process.cwd(), resultFile)}`);
    if (updateBaseline) {
        const { [profileKey]: _profile, ...rest } = results;
        fs.mkdirSync(path.dirname(baselineFile), { recursive: true });
        fs.writeFileSync(baselineFile, `${JSON.stringify(rest, null, 2)}\n`);
        console.log(`Baseline updated: ${path.relative(process.cwd(), baselineFile)}`);
    }
}

/** A CPU profile (inspector, 200 µs sampling) of `runs` calls of `run`, written to `file`. */
export async function cpuProfile(run, runs, file) {
    const { Session } = await import('node:inspector/promises');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    for (let i = 0; i < runs; i++) await run();
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    fs.writeFileSync(file, JSON.stringify(profile));
    return profile;
}

/**
 * Inclusive time per function in a CPU profile (a function counted once per sample even when it
 * recurses), keyed by `keyOf(callFrame)`; with the profile's total, in microseconds.
 */
export function inclusiveTimes(profile, keyOf) {
    const { nodes, samples, timeDeltas } = profile;
    const byId = new Map(nodes.map(n => [n.id, n]));
    const parent = new Map();
    for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const inclusive = new Map();
    let total = 0;
    for (let i = 0; i < samples.length; i++) {
        const us = timeDeltas[i] ?? 0;
        total += us;
        const seen = new Set();
        for (let n = samples[i]; n !== undefined; n = parent.get(n)) {
            const key = keyOf(byId.get(n).callFrame);
            if (seen.has(key)) continue;
            seen.add(key);
            inclusive.set(key, (inclusive.get(key) ?? 0) + us);
        }
    }
    return { inclusive, total };
}
