/**
 * The nominal schedule: when each activity starts and ends on the fastest way through the process
 * (minimum durations and holds, no rework, QC turnarounds that release waits for) and on the
 * slowest (maximum durations and limits, every rework loop taken as often as allowed). Pure.
 */
import type { EventRef, Hold, Id, QcPlan, Workflow } from '../ir/types.js';
import { completingChoices, flowModel, reworkOf, topologicalOrder, type Choices, type FlowModel } from './flow-model.js';
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
    readonly active: Set<Id>;
    readonly unbounded: Set<Id>;
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
export function evaluate(model: FlowModel, choices: Choices, mode: Mode, options: { holds?: boolean; origin?: EventRef } = {}): Timing {
    const origin = options.origin;
    const w = model.workflow;
    const steps = new Map(w.steps.map(s => [s.id, s]));
    const transfers = new Map(w.transfers.map(t => [t.id, t]));
    const holds = options.holds === false ? [] : w.holds.filter(h => h.min);
    const waitedTests = testsReleaseWaitsFor(w);
    const timing: Timing = { start: new Map(), end: new Map(), startCause: new Map(), endCause: new Map(), active: new Set(), unbounded: new Set() };
    const gotoInto = new Map<Id, Id[]>();
    for (const [decision, outcome] of choices) if (outcome.kind === 'goto') gotoInto.set(outcome.target, [...(gotoInto.get(outcome.target) ?? []), decision]);
    const passes = (from: Id): boolean => {
        if (!timing.active.has(from)) return false;
        const outcome = choices.get(from);
        return outcome === undefined || outcome.kind === 'continue';
    };
    for (const id of topologicalOrder(model, choices)) {
        const node = model.nodes.get(id)!;
        const arrivals: Array<{ at: number; cause: Cause }> = [];
        for (const from of node.waitsFor) if (passes(from)) arrivals.push({ at: timing.end.get(from)!, cause: { kind: 'waits', node: from } });
        for (const decision of gotoInto.get(id) ?? []) if (timing.active.has(decision)) arrivals.push({ at: timing.end.get(decision)!, cause: { kind: 'waits', node: decision } });
        const isOrigin = origin?.activity === id;
        if (isOrigin) arrivals.length = 0;
        else if ((origin || node.kind !== 'start') && arrivals.length === 0) continue;
        timing.active.add(id);
        let start = latest(arrivals, { at: 0, cause: { kind: 'origin' } });
        start = latest(holdsInto(holds, timing, id, true), start);
        if (node.kind === 'release') {
            start = latest(waitedTests.filter(t => timing.end.has(t.plan.step)).map(({ plan, test }) => {
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
        let end = { at: start.at + length, cause: { kind: 'origin' } as Cause };
        end = latest(holdsInto(holds, timing, id, false), end);
        const decision = model.decisions.get(id);
        const rework = decision && mode === 'max' ? reworkOf(decision) : undefined;
        if (rework && timing.start.has(rework.target)) {
            end = { at: end.at + rework.limit * (end.at - timing.start.get(rework.target)!), cause: end.cause };
        }
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
    const ways = completingChoices(model);
    const fastest = best(ways.map(c => ({ choices: c, timing: evaluate(model, c, 'min') })), (a, b) => a < b);
    const slowest = best(ways.map(c => ({ choices: c, timing: evaluate(model, c, 'max') })), (a, b) => a > b);
    const min = fastest.timing;
    const max = evaluate(model, fastest.choices, 'max');
    const activities: ScheduledActivity[] = workflow.graph.nodes
        .filter(n => (n.kind === 'step' || n.kind === 'transfer') && min.active.has(n.id))
        .map(n => ({ id: n.id, earliestStart: min.start.get(n.id)!, earliestEnd: min.end.get(n.id)!, latestStart: max.start.get(n.id)!, latestEnd: max.end.get(n.id)! }));
    const release = min.active.has('release') ? { earliest: min.start.get('release')!, latest: max.start.get('release')! } : null;
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
            if (names.has(id)) links.unshift({ id, label: names.get(id)!, seconds });
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
