/**
 * The analyses and the nominal schedule are pure functions of a workflow: they run on the golden
 * IR files read as plain JSON, without Langium, as the runtime will call them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse, scheduleOf, type Workflow } from '@coil/compiler';

const GOLDEN = path.resolve(__dirname, 'golden');
const load = (name: string): Workflow => JSON.parse(fs.readFileSync(path.join(GOLDEN, `${name}.workflow.json`), 'utf8')) as Workflow;
const HOUR = 3600;
const DAY = 24 * HOUR;
const names = fs.readdirSync(GOLDEN).filter(f => f.endsWith('.workflow.json')).map(f => f.replace('.workflow.json', ''));

describe('analyses on compiled workflows', () => {
    it.each(names)('%s has no findings', name => {
        expect(analyse(load(name))).toEqual([]);
    });

    it('finds a budget the fastest path cannot meet, naming the path, from the IR alone', () => {
        const w = load('AutologousFresh');
        const tight = { ...w, process: { ...w.process, veinToVein: { ...w.process.veinToVein!, limit: { value: 10 * DAY, unit: 's', text: '10 d' } } } };
        const findings = analyse(tight);
        expect(findings.map(f => f.code)).toEqual(['COIL-T006']);
        expect(findings[0].at).toBe('process:AutologousFresh/vein_to_vein');
        expect(findings[0].message).toContain('takes 11 d 7 h 30 min, more than its vein-to-vein budget of 10 d');
        expect(findings[0].message).toContain('VCN turnaround (2 d)');
    });

    it('finds a hold whose maximum is shorter than the work between its events', () => {
        const w = load('AutologousFresh');
        const holds = w.holds.map(h => ({ ...h, from: { activity: 'step:Collect', point: 'start' as const }, max: { value: 2 * HOUR, unit: 's', text: '2 h' } }));
        const findings = analyse({ ...w, holds });
        expect(findings.map(f => f.code)).toEqual(['COIL-T008']);
        expect(findings[0].message).toContain('the work between those events takes at least 3 h');
    });

    it('finds a material that changes site without a transfer when the transfer is removed', () => {
        const w = load('AutologousFresh');
        const graph = {
            nodes: w.graph.nodes.filter(n => n.id !== 'transfer:ShipApheresis').map(n => ({ ...n, waitsFor: n.waitsFor.map(x => (x === 'transfer:ShipApheresis' ? 'step:Collect' : x)) })),
            edges: w.graph.edges.filter(e => e.from !== 'transfer:ShipApheresis' && e.to !== 'transfer:ShipApheresis'),
        };
        const findings = analyse({ ...w, graph, transfers: w.transfers.filter(t => t.id !== 'transfer:ShipApheresis') });
        expect(findings.map(f => `${f.code} ${f.at}`)).toContain('COIL-C006 step:Select');
    });
});

describe('the nominal schedule', () => {
    const w = load('AutologousFresh');
    const schedule = scheduleOf(w);

    it('gives the fastest and slowest totals of the fresh process', () => {
        // Collect 3 h, selection 1 d, transduction 1 d, expansion 7 d, formulation 4 h, VCN 2 d, infusion 30 min.
        expect(schedule.fastest).toBe(11 * DAY + 7 * HOUR + 30 * 60);
        expect(schedule.slowest).toBe(31 * DAY + 23 * HOUR);
        expect(schedule.release?.earliest).toBe(11 * DAY + 7 * HOUR);
        expect(schedule.release?.latest).toBeGreaterThan(schedule.release!.earliest);
        expect(schedule.unbounded).toEqual([]);
    });

    it('has a critical path whose links add up to the fastest total', () => {
        const total = schedule.criticalPath.reduce((sum, link) => sum + link.seconds, 0);
        expect(total).toBe(schedule.fastest);
        expect(schedule.criticalPath[0].id).toBe('step:Collect');
        expect(schedule.criticalPath.at(-1)!.id).toBe('step:Infuse');
        expect(schedule.criticalPath.map(l => l.label)).toContain('VCN turnaround');
    });

    it('reports the slowest assay release waits for, not one pending at release', () => {
        // Sterility (14 d) is pending_allowed in this process; VCN (2 d) is the slowest it waits for.
        expect(schedule.slowestAssay).toEqual({ assay: 'assay:VCN', seconds: 2 * DAY });
    });

    it('times every activity on the way, earliest no later than latest, in the order of the flow', () => {
        const ids = schedule.activities.map(a => a.id);
        expect(ids).toEqual(w.graph.nodes.filter(n => n.kind === 'step' || n.kind === 'transfer').map(n => n.id));
        for (const a of schedule.activities) {
            expect(a.earliestEnd).toBeGreaterThanOrEqual(a.earliestStart);
            expect(a.latestStart).toBeGreaterThanOrEqual(a.earliestStart);
            expect(a.latestEnd).toBeGreaterThanOrEqual(a.earliestEnd);
        }
    });

    it('takes rework at its limit on the slowest path: one more expansion of up to 10 days', () => {
        const noRework = { ...w, decisions: w.decisions.map(d => ({ ...d, branches: d.branches.map(b => ({ ...b, outcome: { kind: 'continue' as const } })) })) };
        expect(schedule.slowest - scheduleOf(noRework).slowest).toBe(10 * DAY);
    });
});
