/**
 * The compiled workflow (coil-ir/1): golden files, schema, invariants, determinism, verification.
 *
 * The golden files in test/compiler/golden/ are the serialised IR of every process in examples/.
 * After an intended change to the lowering, regenerate them and review the diff:
 *
 *     UPDATE_GOLDEN=1 npx vitest run test/compiler/ir.test.ts && git diff test/compiler/golden
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
    IR_SCHEMA, SOURCE_MAP_SCHEMA, canonicalJson, compilePaths, digestOf, serialise, validateSourceMap, validateWorkflow, verifyWorkflow,
    type CompiledProcess, type EventRef, type SignedWorkflow,
} from '@coil/compiler';

const repository = path.resolve(__dirname, '../..');
const examples = path.join(repository, 'examples');
const goldenDir = path.join(__dirname, 'golden');
const cli = path.join(repository, 'cli/bin/coil.js');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const REGENERATE = 'run `UPDATE_GOLDEN=1 npx vitest run test/compiler/ir.test.ts` and review the diff (git diff test/compiler/golden)';

async function compileExamples(): Promise<CompiledProcess[]> {
    const result = await compilePaths([examples], { cwd: repository });
    const errors = result.diagnostics.filter(d => d.severity === 'error');
    if (errors.length > 0 || result.refused.length > 0) {
        throw new Error(`examples/ does not compile: ${result.refused.join(', ')}\n${errors.map(e => `${e.file}:${e.line}: ${e.message}`).join('\n')}`);
    }
    return [...result.processes];
}

const compiled = await compileExamples();
const goldenPath = (name: string) => path.join(goldenDir, `${name}.workflow.json`);

if (UPDATE) {
    fs.mkdirSync(goldenDir, { recursive: true });
    const names = new Set(compiled.map(p => `${p.name}.workflow.json`));
    for (const file of fs.readdirSync(goldenDir)) if (file.endsWith('.workflow.json') && !names.has(file)) fs.rmSync(path.join(goldenDir, file));
    for (const p of compiled) fs.writeFileSync(goldenPath(p.name), serialise(p.workflow));
}

const readGolden = (name: string): string | undefined => (fs.existsSync(goldenPath(name)) ? fs.readFileSync(goldenPath(name), 'utf8') : undefined);
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('golden IR', () => {
    it('compiles the four example processes', () => {
        expect(compiled.map(p => p.name).sort()).toEqual(['AllogeneicNonViral', 'AutologousCryo', 'AutologousFresh', 'ShortCycle']);
    });

    it('has exactly one golden file per example process', () => {
        const files = fs.existsSync(goldenDir) ? fs.readdirSync(goldenDir).filter(f => f.endsWith('.workflow.json')).sort() : [];
        expect(files, `golden files and example processes differ: ${REGENERATE}`).toEqual(compiled.map(p => `${p.name}.workflow.json`).sort());
    });

    it.each(compiled.map(p => [p.name, p] as const))('%s: the serialised IR is byte-for-byte the golden file', (name, p) => {
        const golden = readGolden(name);
        expect(golden, `no golden file ${path.relative(repository, goldenPath(name))}: ${REGENERATE}`).toBeDefined();
        const actual = serialise(p.workflow);
        if (actual !== golden) {
            expect(actual, `the IR of ${name} differs from ${path.relative(repository, goldenPath(name))}; if the change is intended, ${REGENERATE}`).toBe(golden);
        }
    });
});

describe.each(compiled.map(p => [p.name, p] as const))('%s', (name, p) => {
    const golden = (): SignedWorkflow => {
        const text = readGolden(name);
        if (text === undefined) throw new Error(`no golden file for ${name}: ${REGENERATE}`);
        return JSON.parse(text) as SignedWorkflow;
    };

    it('the golden IR matches the schema and verifies', () => {
        const result = validateWorkflow(golden());
        expect(result.ok ? [] : result.errors).toEqual([]);
        expect(verifyWorkflow(golden())).toMatchObject({ ok: true });
    });

    it('the compiled IR matches the schema', () => {
        const result = validateWorkflow(clone(p.workflow));
        expect(result.ok ? [] : result.errors).toEqual([]);
    });

    it('the digest is the SHA-256 of the canonical JSON of the content, and digestOf agrees', () => {
        const w = golden();
        const { digest, ...content } = w;
        expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(`sha256:${createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex')}`).toBe(digest);
        expect(digestOf(w)).toBe(digest);
        expect(p.workflow.digest).toBe(digest);
    });

    it('the golden file is serialised with keys in canonical order', () => {
        const text = readGolden(name)!;
        expect(JSON.stringify(JSON.parse(text))).toBe(canonicalJson(JSON.parse(text)));
        expect(text.endsWith('}\n')).toBe(true);
    });

    it('the source map matches its schema and belongs to the workflow', () => {
        const result = validateSourceMap(clone(p.sourceMap));
        expect(result.ok ? [] : result.errors).toEqual([]);
        expect(p.sourceMap.digest).toBe(p.workflow.digest);
        expect(p.sourceMap.format).toBe('coil-sourcemap/1');
    });

    it('every source-map location points inside an existing file of the workspace', () => {
        const lines = new Map<string, string[]>();
        const problems: string[] = [];
        for (const [id, loc] of Object.entries(p.sourceMap.nodes)) {
            const file = path.join(examples, loc.file);
            if (path.isAbsolute(loc.file) || loc.file.includes('\\') || !file.startsWith(examples + path.sep)) {
                problems.push(`${id}: ${loc.file} is not a workspace-relative path`);
                continue;
            }
            if (!lines.has(file)) lines.set(file, fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(/\r?\n/) : []);
            const text = lines.get(file)!;
            if (text.length === 0) problems.push(`${id}: ${loc.file} does not exist`);
            else if (loc.line > text.length || loc.endLine > text.length) problems.push(`${id}: ${loc.file}:${loc.line}-${loc.endLine} is past the end (${text.length} lines)`);
            else if (loc.endLine < loc.line || (loc.endLine === loc.line && loc.endColumn < loc.column)) problems.push(`${id}: ends before it starts`);
            else if (loc.column > text[loc.line - 1]!.length + 1 || loc.endColumn > text[loc.endLine - 1]!.length + 1) problems.push(`${id}: a column is past the end of its line`);
        }
        expect(problems).toEqual([]);
    });

    it('every declared node but timers and the synthetic start/end has a source location, and every location is of a node', () => {
        const w = p.workflow;
        const ids = declared(w);
        const keys = Object.keys(p.sourceMap.nodes);
        const unlocated = [...ids.keys()].filter(id => !id.startsWith('timer:') && id !== 'start' && !/^end(:|$)/.test(id) && !(id in p.sourceMap.nodes));
        expect(unlocated).toEqual([]);
        const lanes = new Set(w.graph.nodes.flatMap(n => n.lane.map(l => l.split('/')[0]!)));
        expect(keys.filter(k => { const base = k.split('/')[0]!; return !ids.has(base) && !lanes.has(base); })).toEqual([]);
    });

    it('every declared id is unique', () => {
        const all = declaredList(p.workflow);
        expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
    });

    it('every id referenced resolves to a declared node of the right kind', () => {
        const ids = declared(p.workflow);
        const dangling = references(p.workflow).filter(r => !r.kinds.includes(ids.get(r.id) ?? '')).map(r => `${r.at}: ${r.id} (expected ${r.kinds.join(' or ')}, found ${ids.get(r.id) ?? 'nothing'})`);
        expect(dangling).toEqual([]);
    });

    it('events name a point their activity has', () => {
        const w = p.workflow;
        const events: Array<[string, EventRef]> = [
            ...w.holds.flatMap((h, i): Array<[string, EventRef]> => [[`holds/${i}/from`, h.from], [`holds/${i}/to`, h.to]]),
            ...w.timers.flatMap((t, i): Array<[string, EventRef]> => [
                ...('activity' in t.startsOn ? [[`timers/${i}/startsOn`, t.startsOn] as [string, EventRef]] : []),
                ...('activity' in t.stopsOn ? [[`timers/${i}/stopsOn`, t.stopsOn] as [string, EventRef]] : []),
            ]),
        ];
        const wrong = events.filter(([, e]) => (e.activity.startsWith('step:') ? !['start', 'end'].includes(e.point) : !['dispatch', 'receipt'].includes(e.point)));
        expect(wrong).toEqual([]);
    });

    it('the graph has one start, one end, and a node for every step, transfer and decision', () => {
        const { nodes } = p.workflow.graph;
        expect(nodes.filter(n => n.kind === 'start').map(n => n.id)).toEqual(['start']);
        expect(nodes.filter(n => n.id === 'end').map(n => n.kind)).toEqual(['end']);
        // Reject and terminate outcomes lead to `end:rejected` / `end:terminated`, reached only by those edges.
        for (const n of nodes.filter(x => x.kind === 'rejected' || x.kind === 'terminated')) {
            expect(n.id).toBe(n.kind === 'rejected' ? 'end:rejected' : 'end:terminated');
            expect(n.waitsFor).toEqual([]);
            const into = p.workflow.graph.edges.filter(e => e.to === n.id);
            expect(into.length).toBeGreaterThan(0);
            expect(into.every(e => e.kind === (n.kind === 'rejected' ? 'reject' : 'terminate'))).toBe(true);
        }
        const activities = [...p.workflow.steps, ...p.workflow.transfers, ...p.workflow.decisions].map(x => x.id).sort();
        expect(nodes.filter(n => ['step', 'transfer', 'decision'].includes(n.kind)).map(n => n.id).sort()).toEqual(activities);
        for (const n of nodes.filter(x => ['step', 'transfer', 'decision'].includes(x.kind))) expect(n.id.startsWith(`${n.kind}:`)).toBe(true);
        expect(nodes.filter(n => n.kind === 'release').map(n => n.id)).toEqual(p.workflow.release ? ['release'] : []);
        expect(new Set(nodes.map(n => n.id)).size).toBe(nodes.length);
    });

    it('waitsFor has no cycle, and every wait is drawn as an edge', () => {
        const { nodes, edges } = p.workflow.graph;
        const waits = new Map(nodes.map(n => [n.id, n.waitsFor]));
        const state = new Map<string, 'visiting' | 'done'>();
        const cycle: string[] = [];
        const visit = (id: string, trail: string[]): void => {
            if (state.get(id) === 'done') return;
            if (state.get(id) === 'visiting') { cycle.push([...trail, id].join(' <- ')); return; }
            state.set(id, 'visiting');
            for (const w of waits.get(id) ?? []) visit(w, [...trail, id]);
            state.set(id, 'done');
        };
        nodes.forEach(n => visit(n.id, []));
        expect(cycle).toEqual([]);
        const missing = nodes.flatMap(n => n.waitsFor.filter(w => !w.startsWith('decision:') && !edges.some(e => e.from === w && e.to === n.id)).map(w => `${w} -> ${n.id}`));
        expect(missing).toEqual([]);
        const extra = edges.filter(e => (e.kind === 'next' || e.kind === 'after') && !waits.get(e.to)?.includes(e.from)).map(e => `${e.from} -${e.kind}-> ${e.to}`);
        expect(extra).toEqual([]);
    });
});

describe('determinism', () => {
    it('compiling twice gives identical bytes', async () => {
        const again = await compileExamples();
        expect(again.map(p => serialise(p.workflow))).toEqual(compiled.map(p => serialise(p.workflow)));
        expect(again.map(p => serialise(p.sourceMap))).toEqual(compiled.map(p => serialise(p.sourceMap)));
    });

    it('layout never changes a digest: spacing and comments inside quantities and ranges compile alike', async () => {
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-ir-layout-'));
        try {
            fs.cpSync(examples, copy, { recursive: true });
            const file = path.join(copy, 'autologous-fresh.coil');
            const text = fs.readFileSync(file, 'utf8');
            // Lines with strings are left alone: a title is text as written.
            const spaced = text.split('\n').map(line => (line.includes('"') ? line
                : line.replace(/ °C/g, '°C').replace(/cells\/mL/g, 'cells / mL').replace(/ \.\. /g, ' /* to */ ..  '))).join('\n');
            expect(spaced).not.toBe(text);
            fs.writeFileSync(file, spaced);
            const result = await compilePaths([copy], { cwd: copy });
            expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
            const digests = (ps: readonly CompiledProcess[]) => Object.fromEntries(ps.map(p => [p.name, p.workflow.digest]));
            expect(digests(result.processes)).toEqual(digests(compiled));
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });

    it.each(compiled.map(p => [p.name, p] as const))('%s: `coil compile` from another working directory writes the same bytes and digest', (name, p) => {
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-ir-'));
        try {
            const out = path.join(cwd, 'x.workflow.json');
            const run = spawnSync(process.execPath, [cli, 'compile', path.resolve(repository, p.file), '-o', out], {
                cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
            });
            expect(run.status, run.stderr).toBe(0);
            const written = fs.readFileSync(out, 'utf8');
            expect(written).toBe(serialise(p.workflow));
            const golden = readGolden(name);
            expect(golden, REGENERATE).toBeDefined();
            expect(written === golden, `the CLI output for ${name} differs from the golden file: ${REGENERATE}`).toBe(true);
            expect((JSON.parse(written) as SignedWorkflow).digest).toBe((JSON.parse(golden!) as SignedWorkflow).digest);
            expect(fs.readFileSync(path.join(cwd, 'x.workflow.map.json'), 'utf8')).toBe(serialise(p.sourceMap));
        } finally {
            fs.rmSync(cwd, { recursive: true, force: true });
        }
    });
});

describe('schema and verification', () => {
    const fresh = compiled.find(p => p.name === 'AutologousFresh')!;
    const base = (): SignedWorkflow & Record<string, unknown> => clone(fresh.workflow) as SignedWorkflow & Record<string, unknown>;
    type Mutable = Record<string, any>;

    it('the schemas are draft 2020-12 with the published ids', () => {
        expect(IR_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
        expect(IR_SCHEMA.$id).toBe('https://coil.dev/schema/coil-ir-1.schema.json');
        expect(SOURCE_MAP_SCHEMA.$id).toBe('https://coil.dev/schema/coil-sourcemap-1.schema.json');
        expect(JSON.parse(fs.readFileSync(path.join(repository, 'compiler/schema/coil-ir-1.schema.json'), 'utf8'))).toEqual(IR_SCHEMA);
    });

    it('a missing required field fails the schema at its path', () => {
        const w = base();
        const i = w.steps.findIndex(s => s.duration !== null);
        delete (w.steps[i]!.duration as Mutable).min;
        const result = validateWorkflow(w);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors).toContainEqual({ path: `/steps/${i}/duration`, message: `/steps/${i}/duration: must have required property 'min'` });
        expect(verifyWorkflow(w)).toMatchObject({ ok: false, code: 'COIL-IR002' });
    });

    it('an extra property fails the schema, at the top and inside', () => {
        const top = { ...base(), extra: true };
        const result = validateWorkflow(top);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors.map(e => e.message)).toContain("/: must NOT have additional properties 'extra'");
        const inner = base();
        (inner.graph.nodes[0] as Mutable).colour = 'red';
        const r2 = validateWorkflow(inner);
        expect(r2.ok ? [] : r2.errors.map(e => e.path)).toEqual(['/graph/nodes/0']);
        expect(verifyWorkflow(inner)).toMatchObject({ ok: false, code: 'COIL-IR002' });
    });

    it('a wrong enum value or union kind fails the schema', () => {
        const w = base();
        (w.graph.edges[0] as Mutable).kind = 'sideways';
        const result = validateWorkflow(w);
        expect(result.ok ? [] : result.errors.map(e => e.path)).toEqual(['/graph/edges/0/kind']);
        const u = base();
        (u.deviations[0]!.actions as Mutable[]).push({ kind: 'panic' });
        expect(validateWorkflow(u).ok).toBe(false);
        const s = base();
        (s.process as Mutable).product = 'xenogeneic';
        expect(verifyWorkflow(s)).toMatchObject({ ok: false, code: 'COIL-IR002' });
    });

    it('a scenario entry has exactly one of action and expect', () => {
        const w = base();
        const entries = w.scenarios[0]!.entries as Mutable[];
        entries[0] = { ...entries[0], expect: { kind: 'batch', state: 'released' }, action: { kind: 'reject' } };
        expect(validateWorkflow(w).ok).toBe(false);
        entries[0] = { at: 0 };
        expect(validateWorkflow(w).ok).toBe(false);
    });

    it('a malformed digest or id fails the schema', () => {
        expect(validateWorkflow({ ...base(), digest: 'sha256:XYZ' }).ok).toBe(false);
        const w = base();
        (w.steps[0] as Mutable).id = 'Collect';
        expect(validateWorkflow(w).ok).toBe(false);
    });

    it('another format is COIL-IR001, checked before the schema', () => {
        const w = { ...base(), format: 'coil-ir/2', newSection: [] };
        const result = verifyWorkflow(w);
        expect(result).toMatchObject({ ok: false, code: 'COIL-IR001' });
        if (!result.ok) expect(result.message).toContain('coil-ir/2');
        const { format: _f, ...unformatted } = base();
        expect(verifyWorkflow(unformatted)).toMatchObject({ ok: false, code: 'COIL-IR001' });
    });

    it('a tampered value with the old digest is COIL-IR003', () => {
        const w = base();
        (w.timers[0]!.limit as Mutable).value += 3600;
        expect(validateWorkflow(w).ok).toBe(true);
        const result = verifyWorkflow(w);
        expect(result).toMatchObject({ ok: false, code: 'COIL-IR003' });
        if (!result.ok) expect(result.message).toContain(fresh.workflow.digest);
        expect(verifyWorkflow({ ...w, digest: digestOf(w) })).toMatchObject({ ok: true });
    });

    it('a non-object is refused without throwing', () => {
        for (const value of [42, null, undefined, 'coil-ir/1', [], [base()], true]) {
            expect(validateWorkflow(value).ok).toBe(false);
            expect(verifyWorkflow(value)).toMatchObject({ ok: false, code: 'COIL-IR002' });
        }
        expect(validateSourceMap(null).ok).toBe(false);
    });

    it('the error message lists the first few errors', () => {
        const w = base();
        for (const s of w.steps) (s as Mutable).extra = 1;
        const result = verifyWorkflow(w);
        expect(result.ok).toBe(false);
        if (!result.ok) {
            expect(result.message).toContain("/steps/0: must NOT have additional properties 'extra'");
            expect(result.message).toMatch(/and \d+ more/);
        }
    });

    it('a broken source map fails its schema', () => {
        const m = clone(fresh.sourceMap) as Mutable;
        const first = Object.keys(m.nodes)[0]!;
        m.nodes[first].line = 0;
        expect(validateSourceMap(m).ok).toBe(false);
        expect(validateSourceMap({ ...clone(fresh.sourceMap), format: 'coil-sourcemap/2' }).ok).toBe(false);
    });
});

describe('canonical JSON', () => {
    it('sorts keys at every depth, has no whitespace, and writes numbers in ECMAScript form', () => {
        const value = { b: { d: 1e21, c: 0.1, a: [3, { z: -0, y: 1.5e-7 }] }, a: 'x y', B: null, é: true, '10': 2, '9': 1 };
        expect(canonicalJson(value)).toBe('{"10":2,"9":1,"B":null,"a":"x y","b":{"a":[3,{"y":1.5e-7,"z":0}],"c":0.1,"d":1e+21},"é":true}');
    });

    it('the written file is the canonical form, indented: same keys in the same order, same numbers and strings', () => {
        const scalar = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.stringMatching(/^[a-zé0-9 ]{0,6}$/));
        const { value } = fc.letrec(tie => ({
            value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.stringMatching(/^[a-zA-Zé0-9]{0,4}$/), tie('value'), { maxKeys: 5 })),
        }));
        fc.assert(fc.property(value, v => {
            const written = serialise(v);
            expect(written.endsWith('\n')).toBe(true);
            // Strings hold no newline and no '": ', so removing the layout gives back the canonical text.
            expect(written.replace(/\n */g, '').replace(/": /g, '":')).toBe(canonicalJson(v));
        }), { numRuns: 300 });
    });

    it('is what the reference implementation of RFC 8785 (canonicalize) writes, index-like keys included', () => {
        const scalar = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.string());
        const { value } = fc.letrec(tie => ({
            value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.nat({ max: 20 }).map(String)), tie('value'), { maxKeys: 5 })),
        }));
        fc.assert(fc.property(value, v => {
            expect(canonicalJson(v)).toBe(canonicalize(v));
        }), { numRuns: 500 });
    });

    it('is independent of key insertion order', () => {
        expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
    });

    it('digestOf ignores the digest field and layout', () => {
        const w = clone(compiled[0]!.workflow);
        const { digest, ...content } = w;
        expect(digestOf(content as SignedWorkflow)).toBe(digest);
        expect(digestOf({ ...w, digest: 'sha256:0' } as SignedWorkflow)).toBe(digest);
        expect(digestOf(JSON.parse(JSON.stringify(w, null, 7)) as SignedWorkflow)).toBe(digest);
    });
});

// ---------------------------------------------------------------------------------------------
// Declared ids and references of a workflow.

type Kind = 'process' | 'site' | 'room' | 'equipment' | 'storage' | 'qualification' | 'role' | 'material' | 'assay' | 'step' | 'parameter'
    | 'transfer' | 'decision' | 'hold' | 'qc' | 'release' | 'deviation' | 'timer' | 'scenario' | 'node';

function declaredPairs(w: SignedWorkflow): Array<[string, Kind]> {
    return [
        [w.process.id, 'process'],
        ...w.sites.flatMap((s): Array<[string, Kind]> => [[s.id, 'site'], ...s.rooms.map((r): [string, Kind] => [r.id, 'room']),
            ...s.equipment.map((e): [string, Kind] => [e.id, 'equipment']), ...s.storage.map((x): [string, Kind] => [x.id, 'storage'])]),
        ...w.qualifications.map((q): [string, Kind] => [q.id, 'qualification']),
        ...w.roles.map((r): [string, Kind] => [r.id, 'role']),
        ...w.materials.map((m): [string, Kind] => [m.id, 'material']),
        ...w.assays.map((a): [string, Kind] => [a.id, 'assay']),
        ...w.steps.flatMap((s): Array<[string, Kind]> => [[s.id, 'step'], ...s.parameters.map((x): [string, Kind] => [x.id, 'parameter'])]),
        ...w.transfers.map((t): [string, Kind] => [t.id, 'transfer']),
        ...w.decisions.map((d): [string, Kind] => [d.id, 'decision']),
        ...w.holds.map((h): [string, Kind] => [h.id, 'hold']),
        ...w.qc.map((q): [string, Kind] => [q.id, 'qc']),
        ...(w.release ? [[w.release.id, 'release'] as [string, Kind]] : []),
        ...w.deviations.map((d): [string, Kind] => [d.id, 'deviation']),
        ...w.timers.map((t): [string, Kind] => [t.id, 'timer']),
        ...w.scenarios.map((s): [string, Kind] => [s.id, 'scenario']),
        // Graph nodes that are not declarations themselves.
        ...w.graph.nodes.filter(n => ['start', 'end', 'rejected', 'terminated'].includes(n.kind)).map((n): [string, Kind] => [n.id, 'node']),
    ];
}

const declaredList = (w: SignedWorkflow): string[] => declaredPairs(w).map(([id]) => id);

/** id -> kind. */
function declared(w: SignedWorkflow): Map<string, Kind> {
    return new Map<string, Kind>(declaredPairs(w));
}

interface Reference { readonly at: string; readonly id: string; readonly kinds: readonly Kind[] }

function references(w: SignedWorkflow): Reference[] {
    const out: Reference[] = [];
    const ref = (at: string, id: string | null | undefined, ...kinds: Kind[]): void => { if (id !== null && id !== undefined) out.push({ at, id, kinds }); };
    const activity: Kind[] = ['step', 'transfer'];
    const node: Kind[] = ['node', 'step', 'transfer', 'decision', 'release'];
    const placeRefs = (at: string, place: { site: string; room: string | null } | null): void => {
        if (!place) return;
        ref(`${at}/site`, place.site, 'site');
        ref(`${at}/room`, place.room, 'room');
        const site = w.sites.find(s => s.id === place.site);
        if (place.room && site && !site.rooms.some(r => r.id === place.room)) out.push({ at: `${at}/room`, id: `${place.room} (not in ${place.site})`, kinds: ['room'] });
    };
    const requirement = (at: string, r: NonNullable<SignedWorkflow['release']>['requires'][number]): void => {
        if (r.kind === 'qc-passed') ref(`${at}/qc`, r.qc, 'qc');
        if (r.kind === 'assay-passed') ref(`${at}/assay`, r.assay, 'assay');
        if (r.kind === 'step-complete') ref(`${at}/step`, r.step, 'step');
    };
    ref('/process/veinToVein/deviation', w.process.veinToVein?.deviation, 'deviation');
    w.sites.forEach((s, i) => s.equipment.forEach((e, j) => {
        ref(`/sites/${i}/equipment/${j}/room`, e.room, 'room');
        if (e.room && !s.rooms.some(r => r.id === e.room)) out.push({ at: `/sites/${i}/equipment/${j}/room`, id: `${e.room} (not in ${s.id})`, kinds: ['room'] });
    }));
    w.roles.forEach((r, i) => r.qualifications.forEach((q, j) => ref(`/roles/${i}/qualifications/${j}`, q, 'qualification')));
    w.steps.forEach((s, i) => {
        const at = `/steps/${i}`;
        placeRefs(`${at}/place`, s.place);
        ref(`${at}/performer`, s.performer, 'role');
        ref(`${at}/verifier/role`, s.verifier?.role, 'role');
        ref(`${at}/duration/onLate`, s.duration?.onLate, 'deviation');
        s.consumes.forEach((m, j) => ref(`${at}/consumes/${j}`, m.material, 'material'));
        s.produces.forEach((m, j) => ref(`${at}/produces/${j}`, m.material, 'material'));
        s.equipment.forEach((e, j) => ref(`${at}/equipment/${j}`, e, 'equipment'));
        s.parameters.forEach((p, j) => {
            ref(`${at}/parameters/${j}/onOutOfRange`, p.onOutOfRange, 'deviation');
            if (!p.id.startsWith(`parameter:${s.name}.`)) out.push({ at: `${at}/parameters/${j}/id`, id: `${p.id} (not of ${s.id})`, kinds: ['parameter'] });
        });
        s.identityChecks.forEach((c, j) => { ref(`${at}/identityChecks/${j}/material`, c.material, 'material'); ref(`${at}/identityChecks/${j}/onMismatch`, c.onMismatch, 'deviation'); });
        s.signatures.forEach((g, j) => { if (g.by.startsWith('role:')) ref(`${at}/signatures/${j}/by`, g.by, 'role'); });
        ref(`${at}/onFailure`, s.onFailure, 'deviation');
    });
    w.transfers.forEach((t, i) => {
        const at = `/transfers/${i}`;
        ref(`${at}/material`, t.material, 'material');
        placeRefs(`${at}/from`, t.from);
        placeRefs(`${at}/to`, t.to);
        ref(`${at}/carrier`, t.carrier, 'role');
        ref(`${at}/limit/onLate`, t.limit?.onLate, 'deviation');
        ref(`${at}/condition/onExcursion`, t.condition?.onExcursion, 'deviation');
        ref(`${at}/onMismatch`, t.onMismatch, 'deviation');
        ref(`${at}/sender`, t.sender, 'role');
        ref(`${at}/receiver`, t.receiver, 'role');
    });
    w.decisions.forEach((d, i) => {
        ref(`/decisions/${i}/parameter`, d.parameter, 'parameter');
        [...d.branches.map((b, j) => [`/decisions/${i}/branches/${j}/outcome`, b.outcome] as const), [`/decisions/${i}/otherwise`, d.otherwise] as const].forEach(([at, o]) => {
            if (o.kind === 'goto' || o.kind === 'rework') ref(`${at}/target`, o.target, ...activity);
        });
    });
    w.graph.nodes.forEach((n, i) => {
        ref(`/graph/nodes/${i}/id`, n.id, ...node);
        n.waitsFor.forEach((x, j) => ref(`/graph/nodes/${i}/waitsFor/${j}`, x, ...node));
    });
    const graphNodes = new Set(w.graph.nodes.map(n => n.id));
    w.graph.edges.forEach((e, i) => {
        for (const end of ['from', 'to'] as const) {
            ref(`/graph/edges/${i}/${end}`, e[end], ...node);
            if (!graphNodes.has(e[end])) out.push({ at: `/graph/edges/${i}/${end}`, id: `${e[end]} (not a graph node)`, kinds: ['node'] });
        }
    });
    w.graph.nodes.forEach((n, i) => n.waitsFor.forEach((x, j) => {
        if (!graphNodes.has(x)) out.push({ at: `/graph/nodes/${i}/waitsFor/${j}`, id: `${x} (not a graph node)`, kinds: ['node'] });
    }));
    w.holds.forEach((h, i) => {
        ref(`/holds/${i}/material`, h.material, 'material');
        ref(`/holds/${i}/from/activity`, h.from.activity, ...activity);
        ref(`/holds/${i}/to/activity`, h.to.activity, ...activity);
        ref(`/holds/${i}/onBreach`, h.onBreach, 'deviation');
    });
    w.qc.forEach((q, i) => {
        ref(`/qc/${i}/step`, q.step, 'step');
        ref(`/qc/${i}/material`, q.material, 'material');
        q.tests.forEach((t, j) => { ref(`/qc/${i}/tests/${j}/assay`, t.assay, 'assay'); ref(`/qc/${i}/tests/${j}/onFail`, t.onFail, 'deviation'); });
    });
    if (w.release) {
        ref('/release/material', w.release.material, 'material');
        ref('/release/role', w.release.role, 'role');
        w.release.requires.forEach((r, j) => requirement(`/release/requires/${j}`, r));
        if (w.release.exceptional) {
            ref('/release/exceptional/role', w.release.exceptional.role, 'role');
            w.release.exceptional.requires.forEach((r, j) => requirement(`/release/exceptional/requires/${j}`, r));
        }
    }
    w.deviations.forEach((d, i) => {
        const at = `/deviations/${i}`;
        d.actions.forEach((a, j) => {
            if (a.kind === 'quarantine') a.materials.forEach((m, k) => ref(`${at}/actions/${j}/materials/${k}`, m, 'material'));
            if (a.kind === 'notify') a.roles.forEach((r, k) => ref(`${at}/actions/${j}/roles/${k}`, r, 'role'));
            if (a.kind === 'rework') ref(`${at}/actions/${j}/step`, a.step, 'step');
        });
        ref(`${at}/disposition/role`, d.disposition?.role, 'role');
        d.raisedBy.forEach((r, j) => ref(`${at}/raisedBy/${j}`, r, 'step', 'transfer', 'parameter', 'hold', 'timer', 'qc', 'process'));
    });
    w.timers.forEach((t, i) => {
        const at = `/timers/${i}`;
        if ('activity' in t.startsOn) ref(`${at}/startsOn/activity`, t.startsOn.activity, ...activity);
        if ('activity' in t.stopsOn) ref(`${at}/stopsOn/activity`, t.stopsOn.activity, ...activity);
        ref(`${at}/raises`, t.raises, 'deviation');
        ref(`${at}/source`, t.source, 'hold', 'step', 'transfer', 'process', 'release');
    });
    w.scenarios.forEach((s, i) => s.entries.forEach((e, j) => {
        const at = `/scenarios/${i}/entries/${j}`;
        const a = e.action;
        if (a) {
            if ('step' in a) ref(`${at}/action/step`, a.step, 'step');
            if (a.kind === 'record') ref(`${at}/action/parameter`, a.parameter, 'parameter');
            if (a.kind === 'scan') ref(`${at}/action/target`, a.target, ...activity);
            if (a.kind === 'dispatch' || a.kind === 'receive') ref(`${at}/action/transfer`, a.transfer, 'transfer');
            if (a.kind === 'result') ref(`${at}/action/assay`, a.assay, 'assay');
            if (a.kind === 'raise' || a.kind === 'disposition') ref(`${at}/action/deviation`, a.deviation, 'deviation');
        }
        const x = e.expect;
        if (x?.kind === 'deviation') ref(`${at}/expect/deviation`, x.deviation, 'deviation');
        if (x?.kind === 'step') ref(`${at}/expect/step`, x.step, 'step');
    }));
    return out;
}
