/**
 * A compiled workflow indexed for the engine: looked up by id instead of searched, built once per
 * digest. The engine reads only this; it never sees Coil source.
 */
import { descendantsOf, flowModel, skippedBy, type Deviation, type GraphNode, type Id, type Parameter, type QcPlan, type QcTest, type Role, type SignedWorkflow, type Step, type Timer, type Transfer, type Decision as IrDecision } from '@coil/compiler/ir';

/** Where a timer starts or stops: `step:Collect/end`, `transfer:Ship/dispatch`, `batch/start`, `batch/end`, `release/exceptional`, `authority/notified`. */
export type EventPoint = string;

export class Definition {
    readonly digest: string;
    readonly nodes = new Map<Id, GraphNode>();
    readonly steps = new Map<Id, Step>();
    readonly transfers = new Map<Id, Transfer>();
    readonly decisions = new Map<Id, IrDecision>();
    readonly parameters = new Map<Id, { readonly parameter: Parameter; readonly step: Step }>();
    readonly roles = new Map<Id, Role>();
    readonly deviations = new Map<Id, Deviation>();
    /** QC plans sampled at the end of each step. */
    readonly plansOnStep = new Map<Id, QcPlan[]>();
    readonly plans = new Map<Id, QcPlan>();
    /** Every test of every plan that uses an assay. */
    readonly testsOfAssay = new Map<Id, Array<{ readonly plan: QcPlan; readonly test: QcTest }>>();
    /** Timers that start and stop on each event point. Minimum holds are kept apart: they never fire. */
    readonly timersStartingOn = new Map<EventPoint, Timer[]>();
    readonly timersStoppingOn = new Map<EventPoint, Timer[]>();
    readonly timers = new Map<Id, Timer>();
    /** Nodes that wait for each node. */
    readonly dependants = new Map<Id, Id[]>();
    readonly names = new Map<Id, string>();
    private readonly reworkSets = new Map<string, readonly Id[]>();
    private readonly gotoSets = new Map<string, readonly Id[]>();

    constructor(readonly workflow: SignedWorkflow) {
        this.digest = workflow.digest;
        for (const node of workflow.graph.nodes) {
            this.nodes.set(node.id, node);
            for (const w of node.waitsFor) (this.dependants.get(w) ?? this.dependants.set(w, []).get(w)!).push(node.id);
        }
        for (const step of workflow.steps) {
            this.steps.set(step.id, step);
            for (const parameter of step.parameters) this.parameters.set(parameter.id, { parameter, step });
        }
        for (const t of workflow.transfers) this.transfers.set(t.id, t);
        for (const d of workflow.decisions) this.decisions.set(d.id, d);
        for (const r of workflow.roles) this.roles.set(r.id, r);
        for (const d of workflow.deviations) this.deviations.set(d.id, d);
        for (const plan of workflow.qc) {
            this.plans.set(plan.id, plan);
            (this.plansOnStep.get(plan.step) ?? this.plansOnStep.set(plan.step, []).get(plan.step)!).push(plan);
            for (const test of plan.tests) (this.testsOfAssay.get(test.assay) ?? this.testsOfAssay.set(test.assay, []).get(test.assay)!).push({ plan, test });
        }
        for (const timer of workflow.timers) {
            this.timers.set(timer.id, timer);
            const start = pointOf(timer.startsOn);
            const stop = pointOf(timer.stopsOn);
            (this.timersStartingOn.get(start) ?? this.timersStartingOn.set(start, []).get(start)!).push(timer);
            (this.timersStoppingOn.get(stop) ?? this.timersStoppingOn.set(stop, []).get(stop)!).push(timer);
        }
        const all: Array<{ id: Id; name: string }> = [
            workflow.process, ...workflow.sites, ...workflow.sites.flatMap(s => [...s.rooms, ...s.equipment, ...s.storage]),
            ...workflow.qualifications, ...workflow.roles, ...workflow.materials, ...workflow.assays, ...workflow.steps,
            ...workflow.transfers, ...workflow.decisions, ...workflow.qc, ...workflow.deviations,
            ...workflow.steps.flatMap(s => s.parameters.map(p => ({ id: p.id, name: `${s.name}.${p.name}` }))),
        ];
        for (const { id, name } of all) this.names.set(id, name);
    }

    /** A name for people: `Collect`, `Collect.volume`; falls back to the id without its kind. */
    name(id: Id): string {
        return this.names.get(id) ?? id.replace(/^[a-z-]+:/, '');
    }

    role(id: string): Role | undefined {
        return this.roles.get(id) ?? this.roles.get(`role:${id}`);
    }

    /**
     * What a rework from `from` (a decision, or null for a deviation's disposition) back to `target`
     * runs again: the target and every node between it and `from`; for a disposition, the target and
     * whatever after it has already begun (the caller filters by state).
     */
    reworkSet(target: Id, from: Id | null): readonly Id[] {
        const key = `${target}>${from ?? ''}`;
        let set = this.reworkSets.get(key);
        if (!set) {
            const model = flowModel(this.workflow);
            const after = descendantsOf(model, target);
            const before = from ? this.ancestorsOf(from) : null;
            set = [target, ...[...after].filter(id => id !== target && (before === null || before.has(id) || id === from))];
            this.reworkSets.set(key, set);
        }
        return set;
    }

    /** The nodes a decision's goto jumps over. */
    skippedByGoto(decision: Id, target: Id): readonly Id[] {
        const key = `${decision}>${target}`;
        let set = this.gotoSets.get(key);
        if (!set) {
            set = [...skippedBy(flowModel(this.workflow), new Map([[decision, { kind: 'goto', target } as const]]))];
            this.gotoSets.set(key, set);
        }
        return set;
    }

    private ancestorsOf(id: Id): Set<Id> {
        const seen = new Set<Id>();
        const queue = [id];
        while (queue.length > 0) {
            for (const w of this.nodes.get(queue.pop()!)?.waitsFor ?? []) {
                if (!seen.has(w)) {
                    seen.add(w);
                    queue.push(w);
                }
            }
        }
        return seen;
    }
}

export function pointOf(on: Timer['startsOn'] | Timer['stopsOn']): EventPoint {
    if ('activity' in on) return `${on.activity}/${on.point}`;
    if ('batch' in on) return `batch/${on.batch}`;
    if ('release' in on) return `release/${on.release}`;
    return `authority/${on.authority}`;
}

const cache = new WeakMap<SignedWorkflow, Definition>();

/** The indexed definition of a verified workflow (cached per workflow object). */
export function definitionOf(workflow: SignedWorkflow): Definition {
    let definition = cache.get(workflow);
    if (!definition) cache.set(workflow, definition = new Definition(workflow));
    return definition;
}
