/**
 * The step graph as a whole: every activity can be reached, no way through the process ends
 * without release (rejection and termination are ends too), and no activities wait for each other
 * through the written order or a minimum hold (a cycle of `after` alone is the language's COIL-F003).
 */
import type { Edge, Id, Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';
import { flowModel, type FlowModel } from './flow-model.js';

const nameOf = (id: Id): string => id.replace(/^\w+:/, '');

export function graphShape(workflow: Workflow): Finding[] {
    const model = flowModel(workflow);
    const cycles = waitingCycles(model);
    return [...unreachable(model, cycles.flatMap(c => c.members)), ...skipsRelease(model), ...cycles.flatMap(c => c.finding ?? [])];
}

/** Nodes reachable from `from`, following edges (every branch of a decision), never entering `avoid`. */
function reachable(model: FlowModel, from: Id, avoid?: Id, forwardOnly = false): Set<Id> {
    const seen = new Set<Id>([from]);
    const queue = [from];
    while (queue.length > 0) {
        const id = queue.pop()!;
        for (const edge of model.out.get(id) ?? []) {
            if (edge.to === avoid || seen.has(edge.to) || (forwardOnly && edge.kind === 'rework')) continue;
            seen.add(edge.to);
            queue.push(edge.to);
        }
    }
    return seen;
}

/** Nodes that can complete while the release has not: each waits only for such nodes (a join needs all of its inputs). */
function completableWithoutRelease(model: FlowModel): Set<Id> {
    const done = new Set<Id>(['start']);
    for (let grew = true; grew;) {
        grew = false;
        for (const node of model.nodes.values()) {
            if (done.has(node.id) || node.id === 'release' || node.waitsFor.length === 0 || !node.waitsFor.every(x => done.has(x))) continue;
            done.add(node.id);
            grew = true;
        }
    }
    return done;
}

/** Activities no way reaches. Those waiting in a cycle are reported as such, and what follows them is not reported again. */
function unreachable(model: FlowModel, waiting: readonly Id[]): Finding[] {
    const seen = new Set<Id>();
    for (const seed of ['start', ...waiting]) if (!seen.has(seed)) reachable(model, seed).forEach(id => seen.add(id));
    return model.workflow.graph.nodes
        .filter(n => (n.kind === 'step' || n.kind === 'transfer' || n.kind === 'decision') && !seen.has(n.id))
        .map(n => ({
            code: 'COIL-F011' as const,
            at: n.id,
            message: `${nameOf(n.id)} can never run: every way to it is skipped by a 'goto' or waits for something that never runs. Remove it, or change the goto that jumps over it.`,
        }));
}

function skipsRelease(model: FlowModel): Finding[] {
    const w = model.workflow;
    if (!model.nodes.has('release')) {
        if (w.steps.length === 0) return [];
        // A warning, not an error: a process being drafted, or one that only collects and stores
        // starting material for later manufacture, has no release yet.
        return [{
            code: 'COIL-F014',
            at: w.process.id,
            message: `${w.process.name} never releases a product, so no batch of it can end in release. If it makes a product, add a release where it belongs in the flow, e.g. 'release DrugProduct by QAReviewer { requires qc passed  sign "Released" }'.`,
        }];
    }
    const before = reachable(model, 'start', 'release');
    if (!before.has('end')) return [];
    // Rework loops go back; they do not carry a batch past release.
    const after = reachable(model, 'release', undefined, true);
    // Gotos that jump from before release to after it, around the gate.
    const bypasses = w.graph.edges.filter((e: Edge) => e.kind === 'goto' && before.has(e.from) && !after.has(e.from) && after.has(e.to));
    if (bypasses.length > 0) {
        return bypasses.map(e => ({
            code: 'COIL-F012' as const,
            at: e.from,
            message: `'goto ${nameOf(e.to)}' in ${nameOf(e.from)} jumps past the release, so a batch could reach ${nameOf(e.to)} and the end of the process unreleased. Make the goto lead to a step before the release, or end that way in 'reject' or 'terminate'.`,
        }));
    }
    // Otherwise an activity written after the release waits, through 'after', only for activities before it.
    // That matters when it handles the released material, or when the batch could then end unreleased;
    // an activity on the patient's side that leaves the product alone (lymphodepletion) may go ahead.
    const releaseAt = model.order.get('release') ?? 0;
    const unreleased = completableWithoutRelease(model);
    const unreleasedEnd = unreleased.has('end');
    const material = w.release!.material;
    const handles = (id: Id) => w.steps.some(s => s.id === id && s.consumes.some(u => u.material === material)) || w.transfers.some(t => t.id === id && t.material === material);
    const escaping = w.graph.nodes.find(n => (model.order.get(n.id) ?? 0) > releaseAt && unreleased.has(n.id) && n.kind !== 'end' && (unreleasedEnd || handles(n.id)));
    if (!escaping) return [];
    const waits = escaping.waitsFor.map(nameOf).join(', ');
    return [{
        code: 'COIL-F012',
        at: escaping.id,
        message: `${nameOf(escaping.id)} is written after the release but waits only for ${waits}, not for the release, so it can run before the product is released. Let it wait for the release (remove its 'after', or write it right after the release), or move it before the release.`,
    }];
}

/**
 * Cycles of waiting (strongly connected components) through the written order, `after` and
 * minimum holds. Cycles made of `after` alone are left to the language (COIL-F003), and a hold
 * whose end is written before its start to COIL-T005.
 */
function waitingCycles(model: FlowModel): Array<{ members: Id[]; finding?: Finding }> {
    const edges = new Map<Id, Array<{ to: Id; kind: 'next' | 'after' | 'hold' }>>();
    const add = (from: Id, to: Id, kind: 'next' | 'after' | 'hold') => edges.set(from, [...(edges.get(from) ?? []), { to, kind }]);
    const explicit = new Set(model.workflow.graph.edges.filter(e => e.kind === 'after').map(e => `${e.from}\u0000${e.to}`));
    for (const node of model.workflow.graph.nodes) {
        for (const w of node.waitsFor) add(w, node.id, explicit.has(`${w}\u0000${node.id}`) ? 'after' : 'next');
    }
    for (const hold of model.workflow.holds) {
        const forward = (model.order.get(hold.to.activity) ?? 0) > (model.order.get(hold.from.activity) ?? 0);
        if (hold.min && forward) add(hold.from.activity, hold.to.activity, 'hold');
    }
    const cycles: Array<{ members: Id[]; finding?: Finding }> = [];
    for (const component of stronglyConnected([...model.nodes.keys()], id => (edges.get(id) ?? []).map(e => e.to))) {
        const members = new Set(component);
        const inside = component.flatMap(from => (edges.get(from) ?? []).filter(e => members.has(e.to)).map(e => ({ from, ...e })));
        if (inside.length === 0) continue;
        if (inside.every(e => e.kind === 'after')) {
            cycles.push({ members: component });
            continue;
        }
        const first = component.reduce((a, b) => ((model.order.get(a) ?? 0) <= (model.order.get(b) ?? 0) ? a : b));
        const names = component.sort((a, b) => (model.order.get(a) ?? 0) - (model.order.get(b) ?? 0)).map(nameOf);
        const why = inside.some(e => e.kind === 'hold') ? 'through the written order, \'after\' and a minimum hold' : 'through \'after\' and the written order (each activity waits for the one written before it)';
        cycles.push({
            members: component,
            finding: {
                code: 'COIL-F013',
                at: first,
                message: `${names.join(', ')} wait for each other ${why}, so none of them can ever start. Remove an 'after', or move the activity it names before it.`,
            },
        });
    }
    return cycles;
}

/** Tarjan's algorithm, iterative (a long process must not overflow the stack). */
function stronglyConnected(ids: readonly Id[], next: (id: Id) => readonly Id[]): Id[][] {
    const index = new Map<Id, number>();
    const low = new Map<Id, number>();
    const onStack = new Set<Id>();
    const stack: Id[] = [];
    const components: Id[][] = [];
    let counter = 0;
    for (const root of ids) {
        if (index.has(root)) continue;
        const work: Array<{ id: Id; successors: readonly Id[]; i: number }> = [];
        const open = (id: Id) => {
            index.set(id, counter);
            low.set(id, counter++);
            stack.push(id);
            onStack.add(id);
            work.push({ id, successors: next(id), i: 0 });
        };
        open(root);
        while (work.length > 0) {
            const frame = work[work.length - 1];
            if (frame.i < frame.successors.length) {
                const w = frame.successors[frame.i++];
                if (!index.has(w)) open(w);
                else if (onStack.has(w)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(w)!));
                continue;
            }
            work.pop();
            if (work.length > 0) {
                const parent = work[work.length - 1].id;
                low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
            }
            if (low.get(frame.id) === index.get(frame.id)) {
                const component: Id[] = [];
                let w: Id;
                do {
                    w = stack.pop()!;
                    onStack.delete(w);
                    component.push(w);
                } while (w !== frame.id);
                components.push(component);
            }
        }
    }
    return components;
}
