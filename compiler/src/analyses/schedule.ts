/**
 * The nominal schedule: when each activity starts and ends on the fastest way through the process
 * (minimum durations and holds, no rework, QC turnarounds that release waits for) and on the
 * slowest (maximum durations and limits, every rework loop taken as often as allowed). Pure.
 */
import type { EventRef, Hold, Id, QcPlan, Workflow } from '../ir/types.js';
import { completingChoices, flowModel, reworkOf, skippedBy, topologicalOrder, type Choices, type FlowModel } from './flow-model.js';
import type { CriticalLink, Schedule, ScheduledActivity } from './schedule-types.js';

export type { CriticalLink, Schedule, ScheduledActivity } from './schedule-types.js';

type Mode = 'min' | 'max';

/** Why an event happens when it does: the link to follow back along the critical path. */
type Cause =
    | { readonly kind: 'origin' }
    | { readonly kind: 'waits'; readonly node: Id }
    | { readonly kind: 'hold'; readonly hold: Hold }
    | { readonly kind: 'qc'; readonly plan: QcPlan; readonly test: number; readonly seconds: number };

export interface Timing {
    readonly start: Map<Id, number>;
    readonly end: Map<Id, number>;
    readonly startCause: Map<Id, Cause>;
    readonly endCause: Map<Id, Cause>;
    /** Nodes that run on this way (skipped ones are timed too, taking no time). */
    readonly active: Set<Id>;
    readonly unbounded: Set<Id>;
    /** False when release waits for QC samples a goto skipped: this way can never be released. */
    releasable: boolean;
}

/** The QC tests release waits for: those of the plans (or assays) it requires, unless pending is allowed. */
export function testsReleaseWaitsFor(workflow: Workflow): Array<{ plan: QcPlan; test: number }> {
    const requires = workflow.release?.requires ?? [];
    const plans = new Set<Id>();
    const assays = new Set<Id>();
    for (const r of requires) {
        if (r.kind === 'qc-passed') (r.qc ? [r.qc] : workflow.qc.map(q => q.id)).forEach(id => plans.add(id));
        if (r.kind === 'assay-passed') assays.add(r.assay);
    }
    return workflow.qc.flatMap(plan => plan.tests
        .map((test, i) => ({ plan, test: i, t: test }))
        .filter(({ plan: p, t }) => !t.pendingAllowed && (plans.has(p.id) || assays.has(t.assay)))
        .map(({ plan: p, test }) => ({ plan: p, test })));
}

export function timeOf(timing: Timing, event: EventRef): number | undefined {
    return event.point === 'start' || event.point === 'dispatch' ? timing.start.get(event.activity) : timing.end.get(event.activity);
}

function isStartPoint(point: EventRef['point']): boolean {
    return point === 'start' || point === 'dispatch';
}

/**
 * Times of every event on one way through the process, from batch start; or, with `origin`, from
 * that event, counting only what must happen after it (the minimum work between two events).
 */
export function evaluate(model: FlowModel, choices: Choices, mode: Mode, options: { holds?: boolean; origin?: EventRef; rework?: boolean } = {}): Timing {
    const origin = options.origin;
    // The slowest way goes round each rework loop as often as allowed: the loop's body, measured
    // once without rework (two loops over one step add one body each), delays the decision's end.
    const reworks = new Map<Id, number>();
    if (mode === 'max' && options.rework !== false && [...model.decisions.values()].some(d => reworkOf(d))) {
        const base = evaluate(model, choices, mode, { ...options, rework: false });
        for (const decision of model.decisions.values()) {
            const rework = reworkOf(decision);
            if (!rework || !base.active.has(decision.id) || !base.active.has(rework.target)) continue;
            reworks.set(decision.id, rework.limit * Math.max(0, base.end.get(decision.id)! - base.start.get(rework.target)!));
        }
    }
    const w = model.workflow;
    const steps = new Map(w.steps.map(s => [s.id, s]));
    const transfers = new Map(w.transfers.map(t => [t.id, t]));
    const holds = options.holds === false ? [] : w.holds.filter(h => h.min);
    const waitedTests = testsReleaseWaitsFor(w);
    const timing: Timing = { start: new Map(), end: new Map(), startCause: new Map(), endCause: new Map(), active: new Set(), unbounded: new Set(), releasable: true };
    const skipped = skippedBy(model, choices);
    const gotoInto = new Map<Id, Id[]>();
    for (const [decision, outcome] of choices) if (outcome.kind === 'goto') gotoInto.set(outcome.target, [...(gotoInto.get(outcome.target) ?? []), decision]);
    for (const id of topologicalOrder(model, choices)) {
        const node = model.nodes.get(id)!;
        // A node is ready when what it waits for has completed or been skipped: skipped nodes are timed too.
        const arrivals: Array<{ at: number; cause: Cause }> = [];
        for (const from of node.waitsFor) if (timing.end.has(from)) arrivals.push({ at: timing.end.get(from)!, cause: { kind: 'waits', node: from } });
        for (const decision of gotoInto.get(id) ?? []) if (timing.end.has(decision)) arrivals.push({ at: timing.end.get(decision)!, cause: { kind: 'waits', node: decision } });
        const isOrigin = origin?.activity === id;
        if (isOrigin) arrivals.length = 0;
        else if ((origin || node.kind !== 'start') && arrivals.length === 0) continue;
        let start = latest(arrivals, { at: 0, cause: { kind: 'origin' } });
        if (skipped.has(id) && !isOrigin) {
            timing.start.set(id, start.at);
            timing.end.set(id, start.at);
            timing.startCause.set(id, start.cause);
            timing.endCause.set(id, start.cause);
            continue;
        }
        timing.active.add(id);
        start = latest(holdsInto(holds, timing, id, true), start);
        if (node.kind === 'release') {
            if (waitedTests.some(t => !timing.active.has(t.plan.step))) timing.releasable = false;
            start = latest(waitedTests.filter(t => timing.active.has(t.plan.step)).map(({ plan, test }) => {
                const seconds = plan.tests[test].turnaround?.value ?? 0;
                return { at: timing.end.get(plan.step)! + seconds, cause: { kind: 'qc', plan, test, seconds } as Cause };
            }), start);
        }
        timing.start.set(id, start.at);
        timing.startCause.set(id, start.cause);
        let length = 0;
        const step = steps.get(id);
        const transfer = transfers.get(id);
        if (isOrigin && !isStartPoint(origin.point)) {
            length = 0;
        } else if (step) {
            const min = step.duration?.min?.value ?? 0;
            const max = step.duration?.max?.value;
            if (max === undefined) timing.unbounded.add(id);
            length = mode === 'min' ? min : max ?? min;
        } else if (transfer) {
            if (!transfer.limit) timing.unbounded.add(id);
            length = mode === 'min' ? 0 : transfer.limit?.max.value ?? 0;
        }
        let end = { at: start.at + length + (reworks.get(id) ?? 0), cause: { kind: 'origin' } as Cause };
        end = latest(holdsInto(holds, timing, id, false), end);
        timing.end.set(id, end.at);
        timing.endCause.set(id, end.cause);
    }
    return timing;
}

function latest<T extends { at: number }>(candidates: readonly T[], floor: T): T {
    return candidates.reduce((a, b) => (b.at > a.at ? b : a), floor);
}

/** Minimum holds ending at this activity's start (or end), from events already timed. */
function holdsInto(holds: readonly Hold[], timing: Timing, id: Id, atStart: boolean): Array<{ at: number; cause: Cause }> {
    const result: Array<{ at: number; cause: Cause }> = [];
    for (const hold of holds) {
        if (hold.to.activity !== id || isStartPoint(hold.to.point) !== atStart) continue;
        const from = timeOf(timing, hold.from);
        if (from !== undefined && (hold.from.activity !== id || !atStart)) result.push({ at: from + hold.min!.value, cause: { kind: 'hold', hold } });
    }
    return result;
}

export function scheduleOf(workflow: Workflow): Schedule {
    const model = flowModel(workflow);
    // The ways a batch can be released on (all ways, when none can: the process is reported for that).
    const all = completingChoices(model).map(c => ({ choices: c, timing: evaluate(model, c, 'min') }));
    const releasable = all.filter(w => w.timing.releasable);
    const timed = releasable.length > 0 ? releasable : all;
    const ways = timed.map(w => w.choices);
    const fastest = best(timed, (a, b) => a < b);
    const slowest = best(ways.map(c => ({ choices: c, timing: evaluate(model, c, 'max') })), (a, b) => a > b);
    // Earliest times on the fastest way, latest on the slowest; an activity on only one of them is
    // timed on the other way too.
    const timings = {
        min: fastest.timing,
        max: slowest.timing,
        minOnSlowest: evaluate(model, slowest.choices, 'min'),
        maxOnFastest: evaluate(model, fastest.choices, 'max'),
    };
    // An activity on neither way (a tie chose other ways) is timed on the first way it runs on.
    const other = new Map<Id, { min: Timing; max: Timing }>();
    for (const node of workflow.graph.nodes) {
        if (timings.min.active.has(node.id) || timings.max.active.has(node.id) || timings.minOnSlowest.active.has(node.id) || timings.maxOnFastest.active.has(node.id)) continue;
        const way = ways.find(c => !skippedBy(model, c).has(node.id));
        if (way) other.set(node.id, { min: evaluate(model, way, 'min'), max: evaluate(model, way, 'max') });
    }
    const runs = (id: Id) => timings.min.active.has(id) || timings.max.active.has(id) || (other.get(id)?.min.active.has(id) ?? false);
    const early = (id: Id) => (timings.min.active.has(id) ? timings.min : timings.minOnSlowest.active.has(id) ? timings.minOnSlowest : other.get(id)?.min ?? timings.minOnSlowest);
    const late = (id: Id) => (timings.max.active.has(id) ? timings.max : timings.maxOnFastest.active.has(id) ? timings.maxOnFastest : other.get(id)?.max ?? timings.maxOnFastest);
    const activities: ScheduledActivity[] = workflow.graph.nodes
        .filter(n => (n.kind === 'step' || n.kind === 'transfer') && runs(n.id))
        .map(n => ({ id: n.id, earliestStart: early(n.id).start.get(n.id)!, earliestEnd: early(n.id).end.get(n.id)!, latestStart: late(n.id).start.get(n.id)!, latestEnd: late(n.id).end.get(n.id)! }));
    const min = timings.min;
    const release = runs('release') ? { earliest: early('release').start.get('release')!, latest: late('release').start.get('release')! } : null;
    const waited = testsReleaseWaitsFor(workflow).map(({ plan, test }) => ({ assay: plan.tests[test].assay, seconds: plan.tests[test].turnaround?.value ?? 0 }));
    return {
        activities,
        release,
        fastest: min.end.get('end') ?? 0,
        slowest: slowest.timing.end.get('end') ?? 0,
        unbounded: [...slowest.timing.unbounded].filter(id => slowest.timing.active.has(id)),
        criticalPath: criticalPath(workflow, min),
        slowestAssay: waited.length > 0 ? waited.reduce((a, b) => (b.seconds > a.seconds ? b : a)) : null,
    };
}

function best<T extends { timing: Timing }>(candidates: readonly T[], better: (a: number, b: number) => boolean): T {
    const total = (c: T) => c.timing.end.get('end') ?? 0;
    return candidates.reduce((a, b) => (total(b) !== total(a) && better(total(b), total(a)) ? b : a));
}

/** Follows the causes back from the end: the links whose lengths add up to the fastest total. */
function criticalPath(workflow: Workflow, timing: Timing): CriticalLink[] {
    const links: CriticalLink[] = [];
    const names = new Map<Id, string>([...workflow.steps, ...workflow.transfers].map(a => [a.id, a.title ?? a.name]));
    let at: { id: Id; atStart: boolean } | undefined = timing.end.has('end') ? { id: 'end', atStart: false } : undefined;
    for (let guard = 0; at && guard < 100_000; guard++) {
        const { id, atStart } = at;
        const cause = (atStart ? timing.startCause : timing.endCause).get(id) ?? { kind: 'origin' };
        if (!atStart) {
            if (cause.kind === 'hold') {
                links.unshift(holdLink(cause.hold));
                at = { id: cause.hold.from.activity, atStart: isStartPoint(cause.hold.from.point) };
                continue;
            }
            const seconds = timing.end.get(id)! - timing.start.get(id)!;
            if (names.has(id) && timing.active.has(id)) links.unshift({ id, label: names.get(id)!, seconds });
            at = { id, atStart: true };
            continue;
        }
        if (cause.kind === 'waits') at = { id: cause.node, atStart: false };
        else if (cause.kind === 'hold') {
            links.unshift(holdLink(cause.hold));
            at = { id: cause.hold.from.activity, atStart: isStartPoint(cause.hold.from.point) };
        } else if (cause.kind === 'qc') {
            const test = cause.plan.tests[cause.test];
            links.unshift({ id: `${cause.plan.id}/test:${cause.test + 1}`, label: `${test.assay.replace(/^assay:/, '')} turnaround`, seconds: cause.seconds });
            at = { id: cause.plan.step, atStart: false };
        } else at = undefined;
    }
    return links;
}

function holdLink(hold: Hold): CriticalLink {
    return { id: hold.id, label: `hold ${hold.material.replace(/^material:/, '')} at least ${hold.min!.text}`, seconds: hold.min!.value };
}
