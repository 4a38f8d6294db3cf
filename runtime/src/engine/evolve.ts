/**
 * `evolve(state, event)`: the next state. It needs no definition: every event carries what it
 * changes (the timers it starts and stops included), so replaying a batch's events rebuilds its
 * state exactly, whatever the engine's rules have become since.
 */
import type { DispositionOption, Id } from '@coil/compiler/ir';
import { PENDING, type ActiveTimer, type AssayResult, type BatchState, type DeviationState, type NodeState, type RecordedValue, type ScanPoint, type StoredValue, type TriggerKind } from './state.js';
import type { EventDraft } from './types.js';

/** What an event does to the batch's clocks; decide() works it out from the definition. */
export interface TimerEffects {
    readonly started?: readonly ActiveTimer[];
    readonly stopped?: readonly string[];
    readonly minimums?: ReadonlyArray<{ readonly timer: Id; readonly startedAt: number; readonly until: number; readonly stop: string }>;
    readonly minimumsDone?: readonly Id[];
    /** Every timer stops: the batch is over. */
    readonly stopAll?: boolean;
}

type Data = Readonly<Record<string, unknown>>;

export function evolve(state: BatchState | undefined, event: EventDraft): BatchState {
    const d = event.data as Data & { timers?: TimerEffects };
    if (event.type === 'batch-started') {
        return withTimers({
            batch: d.batch as string, definition: d.definition as string, identity: d.identity as string, training: d.training === true, startedAt: event.time,
            version: 1, outcome: null, releaseRoute: null, ended: false,
            nodes: { start: { ...PENDING, status: 'complete', run: 1, startedAt: event.time, endedAt: event.time } },
            values: {}, results: {}, samples: {}, deviations: {}, timers: {}, timerRuns: {}, minimums: {}, reworks: {},
            physician: null, authorityNotified: false, mismatches: 0,
        }, d.timers);
    }
    if (!state) throw new Error(`a '${event.type}' event cannot come before 'batch-started'`);
    // One new object per event: apply() copies what it changes; the copy is then finished in place.
    const applied = apply(state, event, d);
    const next = (applied === state ? { ...state } : applied) as Mutable<BatchState>;
    next.version = state.version + 1;
    return d.timers ? withTimers(next, d.timers) : next;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function apply(s: BatchState, event: EventDraft, d: Data): BatchState {
    const t = event.time;
    switch (event.type) {
        case 'step-started': {
            const id = d.step as Id;
            const node = nodeOf(s, id);
            return setNode(s, id, { ...node, status: 'running', run: d.run as number, startedAt: t, endedAt: null, performer: event.user, verifiedBy: null, roleSignatures: [] });
        }
        case 'step-completed':
        case 'transfer-received':
            return setNode(s, (d.step ?? d.transfer) as Id, { ...nodeOf(s, (d.step ?? d.transfer) as Id), status: 'complete', endedAt: t });
        case 'step-failed':
            return setNode(s, d.step as Id, { ...nodeOf(s, d.step as Id), status: 'failed', endedAt: t });
        case 'step-accepted':
            return setNode(s, d.step as Id, { ...nodeOf(s, d.step as Id), status: 'complete' });
        case 'transfer-dispatched': {
            const id = d.transfer as Id;
            const node = nodeOf(s, id);
            return setNode(s, id, { ...node, status: 'running', run: node.run + 1, startedAt: t, endedAt: null, performer: event.user });
        }
        case 'step-verified':
            return setNode(s, d.step as Id, { ...nodeOf(s, d.step as Id), verifiedBy: event.user });
        case 'step-signed': {
            const node = nodeOf(s, d.step as Id);
            return setNode(s, d.step as Id, { ...node, roleSignatures: [...node.roleSignatures, d.meaning as string] });
        }
        case 'identity-verified': {
            const target = d.target as Id | null;
            if (!target) return s;
            const node = nodeOf(s, target);
            return setNode(s, target, { ...node, scans: [...node.scans, { user: event.user, point: d.point as ScanPoint }] });
        }
        case 'identity-mismatch':
            return { ...s, mismatches: s.mismatches + 1 };
        case 'value-recorded': {
            const value: RecordedValue = { value: d.value as StoredValue, inRange: d.inRange as boolean, time: t, user: event.user, run: d.run as number };
            const next = { ...s, values: { ...s.values, [d.parameter as Id]: value } };
            // A value changed after the second person verified the step voids the verification.
            const step = d.step as Id | undefined;
            const node = step ? nodeOf(s, step) : undefined;
            return step && node && node.status === 'running' && node.verifiedBy !== null ? setNode(next, step, { ...node, verifiedBy: null }) : next;
        }
        case 'sample-taken': {
            // Results belong to the sample they were tested on: a new sample (a rework, a retest) makes the old ones history.
            const results = { ...s.results };
            for (const assay of (d.assays as Id[] | undefined) ?? []) delete results[assay];
            return { ...s, samples: { ...s.samples, [d.qc as Id]: (s.samples[d.qc as Id] ?? 0) + 1 }, results };
        }
        case 'result-recorded': {
            const result: AssayResult = { value: d.value as StoredValue, passed: d.passed as boolean, time: t };
            return { ...s, results: { ...s.results, [d.assay as Id]: result } };
        }
        case 'deviation-raised': {
            const deviation: DeviationState = {
                instance: d.instance as string, deviation: d.deviation as Id, status: 'open', raisedAt: t,
                trigger: d.trigger as { kind: TriggerKind; source: Id | null }, recurrences: 0,
                quarantines: d.quarantines as Id[], holdsBatch: d.holdsBatch as boolean, option: null, closedAt: null,
            };
            return { ...s, deviations: { ...s.deviations, [deviation.instance]: deviation } };
        }
        case 'deviation-recurred': {
            const dev = s.deviations[d.instance as string];
            return { ...s, deviations: { ...s.deviations, [dev.instance]: { ...dev, recurrences: dev.recurrences + 1 } } };
        }
        case 'deviation-dispositioned': {
            const dev = s.deviations[d.instance as string];
            return { ...s, deviations: { ...s.deviations, [dev.instance]: { ...dev, status: 'closed', option: d.option as DispositionOption, closedAt: t } } };
        }
        case 'decision-taken':
            return setNode(s, d.decision as Id, { ...nodeOf(s, d.decision as Id), status: 'complete', run: nodeOf(s, d.decision as Id).run + 1, startedAt: t, endedAt: t });
        case 'nodes-skipped': {
            const nodes = { ...s.nodes };
            for (const id of d.nodes as Id[]) nodes[id] = { ...(nodes[id] ?? PENDING), status: 'skipped', endedAt: t };
            return { ...s, nodes };
        }
        case 'rework-started': {
            const nodes = { ...s.nodes };
            for (const id of d.nodes as Id[]) {
                const node = nodes[id] ?? PENDING;
                nodes[id] = { ...PENDING, run: node.run };
            }
            return { ...s, nodes, reworks: { ...s.reworks, [d.rework as string]: d.count as number } };
        }
        case 'physician-acceptance-recorded':
            return { ...s, physician: { name: d.physician as string, time: t } };
        case 'batch-released':
            return setNode({ ...s, outcome: 'released', releaseRoute: d.route as 'normal' | 'exceptional' }, 'release', { ...nodeOf(s, 'release'), status: 'complete', startedAt: t, endedAt: t, performer: event.user });
        case 'authority-notified':
            return { ...s, authorityNotified: true };
        case 'batch-rejected':
            return { ...s, outcome: 'rejected' };
        case 'batch-terminated':
            return { ...s, outcome: 'terminated' };
        case 'batch-ended':
            return setNode({ ...s, ended: true }, 'end', { ...nodeOf(s, 'end'), status: 'complete', startedAt: t, endedAt: t });
        case 'timer-fired':
        case 'notification-sent':
        case 'custody-changed':
            return s;
        default:
            throw new Error(`unknown event type '${event.type}'`);
    }
}

/** Applies an event's timer effects to a state made for this event (it is finished in place). */
function withTimers(s: BatchState, effects: TimerEffects | undefined): BatchState {
    if (!effects) return s;
    let timers: Record<string, ActiveTimer> = s.timers;
    let timerRuns: Record<Id, number> = s.timerRuns;
    let minimums: Record<Id, BatchState['minimums'][string]> = s.minimums;
    if (effects.stopAll) {
        // The batch is over, but an exceptional release still owes the authority its notification.
        timers = Object.fromEntries(Object.entries(timers).filter(([, t]) => t.kind === 'authority-notification'));
        minimums = {};
    }
    if (effects.stopped?.length) {
        timers = { ...timers };
        for (const key of effects.stopped) delete timers[key];
    }
    if (effects.started?.length) {
        timers = { ...timers };
        timerRuns = { ...timerRuns };
        for (const timer of effects.started) {
            timers[timer.key] = timer;
            timerRuns[timer.timer] = (timerRuns[timer.timer] ?? 0) + 1;
        }
    }
    if (effects.minimumsDone?.length) {
        minimums = { ...minimums };
        for (const id of effects.minimumsDone) delete minimums[id];
    }
    if (effects.minimums?.length) {
        minimums = { ...minimums };
        for (const m of effects.minimums) minimums[m.timer] = { startedAt: m.startedAt, until: m.until, stop: m.stop };
    }
    if (timers === s.timers && minimums === s.minimums) return s;
    const next = s as Mutable<BatchState>;
    next.timers = timers;
    next.timerRuns = timerRuns;
    next.minimums = minimums;
    return next;
}

export function nodeOf(s: BatchState, id: Id): NodeState {
    return s.nodes[id] ?? PENDING;
}

function setNode(s: BatchState, id: Id, node: NodeState): BatchState {
    return { ...s, nodes: { ...s.nodes, [id]: node } };
}

/** Rebuilds a batch's state from its events, in order. */
export function replay(events: Iterable<EventDraft>): BatchState | undefined {
    let state: BatchState | undefined;
    for (const event of events) state = evolve(state, event);
    return state;
}
