#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, or check.bench.js --profile): the functions with
 * the most self time, and self time per package / file.
 *
 *   node bench/profile-summary.js <file.cpuprofile> [--top 25]
 *
 * As a module: summariseProfile(profile, { top }) returns { totalMs, functions, files } and
 * formatSummary() prints it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A readable location: the package (or project folder) and the file, without the machine's paths. */
export function shortUrl(url) {
    if (!url) return '(native)';
    let p = url.replace(/^file:\/\//, '');
    const nm = p.lastIndexOf('/node_modules/');
    if (nm >= 0) return p.slice(nm + '/node_modules/'.length);
    const root = p.indexOf('/language/');
    if (root >= 0) return p.slice(root + 1);
    for (const dir of ['/compiler/', '/cli/', '/bench/']) {
        const i = p.indexOf(dir);
        if (i >= 0) return p.slice(i + 1);
    }
    return p.startsWith('node:') ? p : path.basename(p);
}

function packageOf(short) {
    if (short.startsWith('@')) return short.split('/').slice(0, 2).join('/');
    if (short.startsWith('language/')) return '@coil/language';
    if (short.startsWith('(')) return short;
    return short.split('/')[0];
}

const LANDMARKS = [
    ['parse (LangiumParser.parse, in fromString)', 'parse langium/lib/parser/langium-parser.js'],
    ['scopes (ScopeComputation.collectLocalSymbols)', 'collectLocalSymbols langium/lib/references/scope-computation.js'],
    ['link (Linker.link)', 'link langium/lib/references/linker.js'],
    ['  of which scope lookups (Linker.getCandidate)', 'getCandidate langium/lib/references/linker.js'],
    ['reference index (ReferenceDescriptionProvider.createDescriptions)', 'createDescriptions langium/lib/workspace/ast-descriptions.js:43'],
    ['validation (DocumentValidator.validateAstNodes)', 'validateAstNodes langium/lib/validation/document-validator.js'],
    ['parser construction (createLangiumParser)', 'createLangiumParser langium/lib/parser/langium-parser-builder.js'],
    ['garbage collector', '(garbage collector)'],
];

export function summariseProfile(profile, { top = 25 } = {}) {
    const { nodes, samples, timeDeltas } = profile;
    const byId = new Map(nodes.map(n => [n.id, n]));
    const parent = new Map();
    for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    // Samples taken while the inspector itself works (Profiler.stop) are the profiler's cost, not the program's.
    const inInspector = new Map();
    const isInspector = id => {
        if (!inInspector.has(id)) {
            const url = byId.get(id).callFrame.url;
            const p = parent.get(id);
            inInspector.set(id, url === 'node:inspector' || url === 'node:inspector/promises' || (p !== undefined && isInspector(p)));
        }
        return inInspector.get(id);
    };
    const self = new Map();
    for (let i = 0; i < samples.length; i++) {
        if (isInspector(samples[i])) continue;
        self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
    }
    const totalUs = [...self.values()].reduce((a, b) => a + b, 0);
    const functions = new Map();
    const files = new Map();
    const packages = new Map();
    for (const [id, us] of self) {
        const { callFrame } = byId.get(id);
        const file = shortUrl(callFrame.url);
        const name = callFrame.functionName || '(anonymous)';
        const key = `${name} ${file}:${callFrame.lineNumber + 1}`;
        const f = functions.get(key) ?? { name, file, line: callFrame.lineNumber + 1, us: 0 };
        f.us += us;
        functions.set(key, f);
        files.set(file, (files.get(file) ?? 0) + us);
        const pkg = packageOf(file);
        packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    }
    // Inclusive time (self + callees), each function counted once per sample even when recursive.
    const keyOf = id => {
        const { callFrame } = byId.get(id);
        return `${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    };
    const inclusive = new Map();
    for (const [id, us] of self) {
        const seen = new Set();
        for (let n = id; n !== undefined; n = parent.get(n)) {
            const key = keyOf(n);
            if (seen.has(key)) continue;
            seen.add(key);
            inclusive.set(key, (inclusive.get(key) ?? 0) + us);
        }
    }
    const sorted = map => [...map.entries()].sort((a, b) => b[1] - a[1]);
    // Inclusive time of the pipeline's landmarks (Langium's phase entry points and the GC).
    const landmarks = LANDMARKS.map(([label, prefix]) => {
        const us = [...inclusive.entries()].filter(([key]) => key.startsWith(prefix)).reduce((n, [, v]) => Math.max(n, v), 0);
        return { label, ms: us / 1000, share: us / totalUs };
    }).filter(l => l.ms > 0);
    return {
        totalMs: totalUs / 1000,
        landmarks,
        functions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, top)
            .map(f => ({ ...f, ms: f.us / 1000, share: f.us / totalUs })),
        files: sorted(files).slice(0, top).map(([file, us]) => ({ file, ms: us / 1000, share: us / totalUs })),
        packages: sorted(packages).map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs })),
        // Coil's own functions (language/, compiler/) by inclusive time: which checks and scopes cost most.
        // (The entry points in workspace/check.js are left out: after their first await, the build runs
        // from the microtask queue, so a sampled stack does not show them.)
        coilInclusive: sorted(inclusive).filter(([key]) => / (language|compiler)\//.test(key) && !key.includes('workspace/check.js')).slice(0, top)
            .map(([key, us]) => ({ key, ms: us / 1000, share: us / totalUs })),
    };
}

export function formatSummary(summary) {
    const pct = x => `${(100 * x).toFixed(1).padStart(5)} %`;
    const ms = x => `${x.toFixed(0).padStart(7)} ms`;
    const out = [`Sampled self time: ${summary.totalMs.toFixed(0)} ms`, ''];
    if (summary.landmarks?.length) {
        out.push('Pipeline landmarks (inclusive time):');
        for (const l of summary.landmarks) out.push(`  ${ms(l.ms)} ${pct(l.share)}  ${l.label}`);
        out.push('');
    }
    out.push('Top functions by self time:');
    for (const f of summary.functions) out.push(`  ${ms(f.ms)} ${pct(f.share)}  ${f.name}  ${f.file}:${f.line}`);
    out.push('', 'Self time by package:');
    for (const p of summary.packages.filter(p => p.share >= 0.005)) out.push(`  ${ms(p.ms)} ${pct(p.share)}  ${p.name}`);
    out.push('', 'Self time by file:');
    for (const f of summary.files.slice(0, 15)) out.push(`  ${ms(f.ms)} ${pct(f.share)}  ${f.file}`);
    if (summary.coilInclusive?.length) {
        out.push('', "Coil's own functions by inclusive time (self + callees):");
        for (const f of summary.coilInclusive.slice(0, 15)) out.push(`  ${ms(f.ms)} ${pct(f.share)}  ${f.key}`);
    }
    return out.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const args = process.argv.slice(2);
    const file = args.find(a => a.endsWith('.cpuprofile'));
    if (!file) {
        console.error('usage: node bench/profile-summary.js <file.cpuprofile> [--top 25]');
        process.exit(2);
    }
    const i = args.indexOf('--top');
    const top = i >= 0 ? Number(args[i + 1]) : 25;
    console.log(formatSummary(summariseProfile(JSON.parse(fs.readFileSync(file, 'utf8')), { top })));
}
