/**
 * Read-only views of a workflow's step graph that several analyses share: nodes by id, written
 * order, successors, and the ways through the decisions a completing batch can take.
 */
import type { Decision, Edge, GraphNode, Id, Outcome, Workflow } from '../ir/types.js';

export interface FlowModel {
    readonly workflow: Workflow;
    readonly nodes: ReadonlyMap<Id, GraphNode>;
    /** Position of each node in the written order (the graph lists nodes as written). */
    readonly order: ReadonlyMap<Id, number>;
    readonly decisions: ReadonlyMap<Id, Decision>;
    /** Edges out of each node. */
    readonly out: ReadonlyMap<Id, readonly Edge[]>;
}

const models = new WeakMap<Workflow, FlowModel>();

export function flowModel(workflow: Workflow): FlowModel {
    let model = models.get(workflow);
    if (model) return model;
    const nodes = new Map(workflow.graph.nodes.map(n => [n.id, n]));
    const order = new Map(workflow.graph.nodes.map((n, i) => [n.id, i]));
    const out = new Map<Id, Edge[]>();
    for (const edge of workflow.graph.edges) {
        const list = out.get(edge.from) ?? [];
        list.push(edge);
        out.set(edge.from, list);
    }
    model = { workflow, nodes, order, decisions: new Map(workflow.decisions.map(d => [d.id, d])), out };
    models.set(workflow, model);
    return model;
}

/** How a batch leaves each decision on one way through the process. */
export type Choices = ReadonlyMap<Id, Outcome>;

/** Past this many combinations of decision outcomes, the ways are sampled (a bound on the work). */
const MAX_COMBINATIONS = 1024;

/** Whether `completingChoices` lists every way, or only a sample of them (too many decisions). */
export function allWaysListed(model: FlowModel): boolean {
    return forwardOptions(model).reduce((n, d) => n * d.outcomes.length, 1) <= MAX_COMBINATIONS;
}

function forwardOptions(model: FlowModel): Array<{ id: Id; outcomes: Outcome[] }> {
    return [...model.decisions.values()].map(d => {
        const forward = [...d.branches.map(b => b.outcome), d.otherwise].filter(o => o.kind === 'continue' || o.kind === 'goto');
        const distinct = forward.filter((o, i) => forward.findIndex(p => sameOutcome(o, p)) === i);
        return { id: d.id, outcomes: distinct };
    }).filter(d => d.outcomes.length > 0);
}

/**
 * The ways through the process that end in its normal end: every combination of the decisions'
 * forward outcomes (continue, goto). Rework is a detour, not a way out: the slowest path adds it.
 * With too many combinations: every decision continuing, and each outcome of each decision with the
 * others continuing (so each goto is still seen once); see `allWaysListed`.
 */
export function completingChoices(model: FlowModel): Choices[] {
    const options = forwardOptions(model);
    if (!allWaysListed(model)) {
        const base = new Map(options.map(d => [d.id, d.outcomes.find(o => o.kind === 'continue') ?? d.outcomes[0]]));
        const ways: Array<Map<Id, Outcome>> = [base];
        for (const d of options) for (const o of d.outcomes) if (o !== base.get(d.id)) ways.push(new Map(base).set(d.id, o));
        return ways;
    }
    let result: Array<Map<Id, Outcome>> = [new Map()];
    for (const d of options) {
        result = result.flatMap(partial => d.outcomes.map(o => new Map(partial).set(d.id, o)));
    }
    return result;
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
    return a.kind === b.kind && (a.kind !== 'goto' || (b.kind === 'goto' && a.target === b.target));
}

/** The largest rework limit a decision allows, with its target: the slowest path goes round it that often. */
export function reworkOf(decision: Decision): { target: Id; limit: number } | undefined {
    const reworks = [...decision.branches.map(b => b.outcome), decision.otherwise].filter((o): o is Extract<Outcome, { kind: 'rework' }> => o.kind === 'rework');
    if (reworks.length === 0) return undefined;
    const most = reworks.reduce((a, b) => (b.limit > a.limit ? b : a));
    return { target: most.target, limit: most.limit };
}

/** Every node after `id` along the graph's forward edges (a rework loop goes back, so it is not followed). */
export function descendantsOf(model: FlowModel, id: Id): ReadonlySet<Id> {
    let cache = descendantCache.get(model);
    if (!cache) descendantCache.set(model, cache = new Map());
    let found = cache.get(id);
    if (found) return found;
    const seen = new Set<Id>();
    const queue = [id];
    while (queue.length > 0) {
        for (const edge of model.out.get(queue.pop()!) ?? []) {
            if (edge.kind === 'rework' || seen.has(edge.to)) continue;
            seen.add(edge.to);
            queue.push(edge.to);
        }
    }
    cache.set(id, found = seen);
    return found;
}

const descendantCache = new WeakMap<FlowModel, Map<Id, ReadonlySet<Id>>>();

/**
 * The nodes the chosen gotos jump over: those written between a decision and its target that
 * follow the decision (a parallel branch beside it runs on). They count as done when reached.
 */
export function skippedBy(model: FlowModel, choices: Choices): Set<Id> {
    const skipped = new Set<Id>();
    for (const [decision, outcome] of choices) {
        if (outcome.kind !== 'goto') continue;
        const from = model.order.get(decision) ?? 0;
        const to = model.order.get(outcome.target) ?? 0;
        for (const id of descendantsOf(model, decision)) {
            const at = model.order.get(id) ?? 0;
            if (at > from && at < to) skipped.add(id);
        }
    }
    return skipped;
}

/**
 * Nodes in an order where each comes after what it waits for, the decisions that jump to it and
 * the events its minimum holds start on (Kahn); nodes on a cycle are left out.
 */
export function topologicalOrder(model: FlowModel, choices: Choices): Id[] {
    const incoming = new Map<Id, Id[]>();
    for (const node of model.nodes.values()) incoming.set(node.id, [...node.waitsFor]);
    for (const [decision, outcome] of choices) {
        if (outcome.kind === 'goto' && incoming.has(outcome.target)) incoming.get(outcome.target)!.push(decision);
    }
    for (const hold of model.workflow.holds) {
        if (hold.min && hold.from.activity !== hold.to.activity) incoming.get(hold.to.activity)?.push(hold.from.activity);
    }
    const remaining = new Map([...incoming].map(([id, list]) => [id, new Set(list.filter(x => incoming.has(x))).size]));
    const dependants = new Map<Id, Id[]>();
    for (const [id, list] of incoming) for (const from of new Set(list)) if (incoming.has(from)) dependants.set(from, [...(dependants.get(from) ?? []), id]);
    const ready = [...remaining].filter(([, n]) => n === 0).map(([id]) => id).sort((a, b) => model.order.get(a)! - model.order.get(b)!);
    const result: Id[] = [];
    while (ready.length > 0) {
        const id = ready.shift()!;
        result.push(id);
        for (const next of dependants.get(id) ?? []) {
            const n = remaining.get(next)! - 1;
            remaining.set(next, n);
            if (n === 0) ready.push(next);
        }
    }
    return result;
}
