/**
 * `coil graph` and its emitters: the SVG is well-formed, complete and deterministic for every
 * example; Mermaid and DOT name every node, edge and site and escape their labels; the CLI writes
 * the file or refuses with the documented exit status.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePaths, renderSvg, toDot, toMermaid, type Workflow } from '@coil/compiler';

const require = createRequire(import.meta.url);
const sax = require('sax') as typeof import('sax');
const repository = path.resolve(__dirname, '../..');
const examples = path.join(repository, 'examples');

interface Element { name: string; attributes: Record<string, string> }

/** Parses strictly; throws on the first error. Returns the elements and the text nodes. */
function parseXml(xml: string): { elements: Element[]; texts: string[] } {
    const parser = sax.parser(true, {});
    const elements: Element[] = [];
    const texts: string[] = [];
    parser.onerror = e => { throw e; };
    parser.onopentag = tag => { elements.push({ name: tag.name, attributes: tag.attributes as Record<string, string> }); };
    parser.ontext = t => { texts.push(t); };
    parser.write(xml).close();
    return { elements, texts };
}

function coil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, ['cli/bin/coil.js', ...args], { cwd: repository, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let workflows: Array<{ name: string; workflow: Workflow }>;
let temporary: string;

/** A small process whose titles hold every character the formats must escape. */
const AWKWARD = `process Awkward "Quotes \\"and\\" [brackets] <tags> & #hash" {
  version 1.0.0
  product autologous
  identity isbt128
  vein_to_vein within 28 d

  step Expand "Expand \\"fast\\" [x] <y> & #1" at Plant.SuiteA by Operator {
    duration 7 d .. 10 d
    consumes Cells
    produces Cells
    verify identity of Cells
    record yield >= 1e9 cells
  }

  decide YieldCheck on Expand.yield {
    when < 1e9 cells rework Expand at most 2 times
    otherwise continue
  }

  step Harvest at Plant.SuiteA by Operator {
    duration 2 h .. 4 h
    consumes Cells
    produces DrugProduct
    verify identity of Cells
  }
}
`;

beforeAll(async () => {
    const result = await compilePaths([examples]);
    expect(result.refused).toEqual([]);
    workflows = result.processes.map(p => ({ name: p.name, workflow: p.workflow }));
    expect(workflows.length).toBe(4);
    temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-graph-'));
    fs.mkdirSync(path.join(temporary, 'awkward'));
    fs.copyFileSync(path.join(repository, 'test/language/corpus/_library/library.coil'), path.join(temporary, 'awkward', 'library.coil'));
    fs.writeFileSync(path.join(temporary, 'awkward', 'awkward.coil'), AWKWARD);
    fs.mkdirSync(path.join(temporary, 'broken'));
    fs.copyFileSync(path.join(repository, 'test/cli/fixtures/broken.coil'), path.join(temporary, 'broken', 'broken.coil'));
});
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));

async function awkward(): Promise<Workflow> {
    const result = await compilePaths([path.join(temporary, 'awkward')]);
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([]);
    return result.processes[0].workflow;
}

function usedSites(w: Workflow): Set<string> {
    return new Set(w.steps.map(s => s.place?.site).filter((s): s is string => !!s));
}

describe('renderSvg', () => {
    it('draws every example as well-formed, complete SVG with finite coordinates inside its viewBox', async () => {
        for (const { name, workflow } of workflows) {
            const svg = await renderSvg(workflow);
            const { elements, texts } = parseXml(svg);
            const root = elements[0];
            expect(root.name, name).toBe('svg');
            expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
            const [vx, vy, vw, vh] = root.attributes.viewBox.split(' ').map(Number);
            expect([vx, vy, vw, vh].every(Number.isFinite), name).toBe(true);
            const text = texts.join('\n');
            const byId = new Map(elements.filter(e => e.attributes['data-id']).map(e => [e.attributes['data-id'], e]));
            for (const step of workflow.steps) {
                expect(byId.get(step.id)?.attributes.class, `${name} ${step.id}`).toBe('node step');
                expect(byId.get(step.id)?.attributes.id).toBe(step.id);
                // Long titles are wrapped: every word is there.
                for (const word of (step.title ?? step.name).split(' ')) expect(text, `${name} ${step.id}`).toContain(word);
            }
            for (const transfer of workflow.transfers) {
                expect(byId.get(transfer.id)?.attributes.class, transfer.id).toMatch(/^node transfer (custody|internal)$/);
                expect(text).toContain(transfer.name);
            }
            expect(byId.get('release')?.attributes.class).toBe('node release');
            expect(text).toContain('Release gate');
            for (const site of usedSites(workflow)) expect(byId.get(site)?.attributes.class, site).toBe('site');
            // Every coordinate is a finite number, and every shape lies inside the viewBox.
            for (const e of elements) {
                for (const key of ['x', 'y', 'width', 'height', 'cx', 'cy', 'rx', 'ry']) {
                    if (e.attributes[key] !== undefined) expect(Number.isFinite(Number(e.attributes[key])), `${name} ${e.name} ${key}`).toBe(true);
                }
                const numbers = [...(e.attributes.points ?? '').matchAll(/-?[\d.]+/g), ...(e.attributes.d ?? '').matchAll(/-?[\d.]+/g)].map(m => Number(m[0]));
                expect(numbers.every(Number.isFinite)).toBe(true);
            }
            const heading = 30;
            for (const e of elements.filter(x => x.name === 'rect' && x.attributes.x !== undefined)) {
                const x = Number(e.attributes.x);
                const y = Number(e.attributes.y) + heading;
                expect(x, `${name} rect`).toBeGreaterThanOrEqual(vx);
                expect(x + Number(e.attributes.width)).toBeLessThanOrEqual(vx + vw);
                expect(y + Number(e.attributes.height)).toBeLessThanOrEqual(vy + vh);
            }
            for (const e of elements.filter(x => x.name === 'polygon')) {
                const coordinates = e.attributes.points.split(' ').map(p => p.split(',').map(Number));
                for (const [x, y] of coordinates) {
                    expect(x).toBeGreaterThanOrEqual(vx);
                    expect(x).toBeLessThanOrEqual(vx + vw);
                    expect(y + heading).toBeLessThanOrEqual(vy + vh);
                }
            }
            // Self-contained: nothing fetched, nothing run.
            expect(svg).not.toMatch(/<script|@import|url\((?!#)|href=/);
        }
    });

    it('draws holds, rework, reject and custody edges with their labels', async () => {
        const fresh = workflows.find(w => w.name === 'AutologousFresh')!.workflow;
        const svg = await renderSvg(fresh);
        expect(svg).toContain('hold Apheresis ≤ 48 h, 2–8 °C');
        expect(svg).toContain('rework ≤ 1×');
        expect(svg).toContain('≤ 30 h, 2–8 °C');
        expect(svg).toMatch(/class="edge next custody"/);
        const cryo = workflows.find(w => w.name === 'AutologousCryo')!.workflow;
        const cryoSvg = await renderSvg(cryo);
        expect(cryoSvg).toContain('class="node rejected"');
        expect(cryoSvg).toContain('&lt; 50 %: reject');
        expect(cryoSvg).toContain('class="legend"');
        for (const d of cryo.deviations) expect(cryoSvg).toContain(`data-id="${d.id}"`);
    });

    it('is deterministic: the same workflow gives the same bytes', async () => {
        for (const { workflow } of workflows) expect(await renderSvg(workflow)).toBe(await renderSvg(workflow));
    });

    it('escapes titles with quotes, brackets, angle brackets and ampersands', async () => {
        const svg = await renderSvg(await awkward());
        const { texts } = parseXml(svg);
        expect(texts.join(' ')).toContain('"fast"');
        expect(texts.join(' ')).toContain('<y> & #1');
    });
});

describe('toMermaid', () => {
    const mermaidId = (id: string): string => `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;

    it('has a flowchart, a subgraph per site used, every node and every IR edge', () => {
        for (const { name, workflow } of workflows) {
            const text = toMermaid(workflow);
            const lines = text.split('\n');
            expect(lines.find(l => !l.startsWith('%%'))).toBe('flowchart TD');
            const subgraphs = lines.filter(l => /^\s*subgraph n_site_/.test(l));
            expect(subgraphs.length, name).toBe(usedSites(workflow).size);
            for (const node of workflow.graph.nodes) {
                expect(lines.some(l => new RegExp(`^\\s*${mermaidId(node.id)}[\\[({]`).test(l)), `${name} ${node.id}`).toBe(true);
            }
            const links = lines.filter(l => /^\s*n_\S+ (-->|==>)/.test(l));
            expect(links.length, name).toBe(workflow.graph.edges.length);
            for (const e of workflow.graph.edges) {
                expect(links.some(l => l.trim().startsWith(`${mermaidId(e.from)} `) && l.trim().endsWith(` ${mermaidId(e.to)}`)), `${e.from} -> ${e.to}`).toBe(true);
            }
            expect(lines.filter(l => l.includes('-.->')).length).toBe(workflow.holds.length);
            expect(lines.filter(l => /^\s*subgraph /.test(l)).length).toBe(lines.filter(l => /^\s*end$/.test(l)).length);
        }
    });

    it('escapes quotes and angle brackets with entity codes', async () => {
        const text = toMermaid(await awkward());
        expect(text).toContain('n_step_Expand["Expand #quot;fast#quot; [x] #lt;y#gt; #amp; #35;1');
        // No raw quote inside any label: every `"` opens or closes a label.
        for (const line of text.split('\n').filter(l => l.includes('Expand #quot;'))) {
            expect(line.match(/"/g)?.length).toBe(2);
        }
    });
});

describe('toDot', () => {
    it('declares every node and edge, one cluster per site, with balanced braces', () => {
        for (const { name, workflow } of workflows) {
            const text = toDot(workflow);
            expect(text.startsWith('digraph ')).toBe(true);
            const unquoted = text.replace(/"(\\.|[^"\\])*"/g, '""');
            expect(unquoted.split('{').length, name).toBe(unquoted.split('}').length);
            expect(text.match(/subgraph cluster_/g)?.length, name).toBe(usedSites(workflow).size);
            for (const node of workflow.graph.nodes) expect(text, node.id).toMatch(new RegExp(`^\\s*"${node.id}" \\[label=`, 'm'));
            expect(text.match(/^\s*"[^"]+" -> "[^"]+"/gm)?.length).toBe(workflow.graph.edges.length + workflow.holds.length);
        }
    });

    it('is accepted by Graphviz for every example and for awkward titles', async () => {
        const version = spawnSync('dot', ['-V'], { encoding: 'utf8' });
        if (version.error) throw new Error('Graphviz `dot` is required by this test: apt-get install -y graphviz');
        for (const workflow of [...workflows.map(w => w.workflow), await awkward()]) {
            const run = spawnSync('dot', ['-Tsvg'], { input: toDot(workflow), encoding: 'utf8' });
            expect(run.stderr, workflow.process.name).toBe('');
            expect(run.status).toBe(0);
        }
    });

    it('escapes quotes and backslashes', async () => {
        const text = toDot(await awkward());
        expect(text).toContain('label="Expand \\"fast\\" [x] <y> & #1');
    });
});

describe('coil graph', () => {
    it('writes an SVG file that parses, and exits 0', () => {
        const file = path.join(temporary, 'flow.svg');
        const run = coil('graph', 'examples/autologous-fresh.coil', '--format', 'svg', '-o', file);
        expect(run.stderr).toContain('Drew');
        expect(run.status).toBe(0);
        expect(parseXml(fs.readFileSync(file, 'utf8')).elements[0].name).toBe('svg');
    });

    it('writes Mermaid to standard output by default, and one file per process into a folder', () => {
        const run = coil('graph', 'examples/autologous-fresh.coil');
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(/^flowchart TD$/m);
        const folder = path.join(temporary, 'dots');
        expect(coil('graph', 'examples/', '-f', 'dot', '-o', `${folder}/`).status).toBe(0);
        expect(fs.readdirSync(folder).sort()).toEqual(workflows.map(w => `${w.name}.dot`).sort());
    });

    it('exits 2 on an unknown format', () => {
        const run = coil('graph', 'examples/autologous-fresh.coil', '--format', 'png');
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/'png' is invalid/);
    });

    it('exits 1 and writes nothing when the process has errors', () => {
        const file = path.join(temporary, 'broken.svg');
        const run = coil('graph', path.join(temporary, 'broken', 'broken.coil'), '--format', 'svg', '-o', file);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('nothing written');
        expect(fs.existsSync(file)).toBe(false);
        expect(run.stdout).toBe('');
    });
});
