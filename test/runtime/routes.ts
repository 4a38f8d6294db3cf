/**
 * The routes through the example processes, enumerated from their compiled workflows: each branch
 * of each decision (`decisionPaths`), and each way each deviation can be raised, dispositioned with
 * each of its options (`deviationPaths`), with the end each must reach; and `runDeviationPath`,
 * which drives one deviation route on the autopilot bent at one point (test/runtime/drive.ts).
 * Shared by test/runtime/paths.test.ts (on the engine) and test/runtime/server/deviation-routes.test.ts
 * (over HTTP, with `PathSeams`).
 */
import { expect } from 'vitest';
import type { Condition, Decision, Deviation, DispositionOption, Id, Outcome, Parameter, QcPlan, QcTest, Range, SignedWorkflow, Timer, Transfer } from '@coil/compiler/ir';
import { isUnitError, resolveUnit } from '@coil/language/units';
import { batchStatus, inside, nominalResult, outside, waitingFor, type BatchState, type DeviationState, type Plant, type Reading, type TriggerKind, type Value } from '@coil/runtime';
import { dispositionForward, dispositioner, drive, nodeOf, nominalReading, otherIdentity, releaseExceptionally, type DriveOptions, type DriveResult } from './drive.js';

export const short = (id: Id) => id.replace(/^[a-z-]+:/, '');

// ---------------------------------------------------------------------------------------------
// Values that steer a decision or leave a range
// ---------------------------------------------------------------------------------------------

export type Candidate = { kind: 'quantity'; value: number } | { kind: 'choice'; choice: string };

function holds(c: Condition, v: Candidate): boolean {
    if (c.kind === 'choice') return v.kind === 'choice' && v.choice === c.choice;
    if (v.kind !== 'quantity') return false;
    const x = c.value.value;
    switch (c.op) {
        case '<': return v.value < x;
        case '<=': return v.value <= x;
        case '>': return v.value > x;
        case '>=': return v.value >= x;
    }
}

function inRange(range: Range | null, v: number): boolean {
    if (!range) return true;
    if (range.min && (range.minExclusive ? !(v > range.min.value) : v < range.min.value)) return false;
    if (range.max && (range.maxExclusive ? !(v < range.max.value) : v > range.max.value)) return false;
    return true;
}

const round = (n: number) => Number(n.toPrecision(12));

/** Values worth trying for a parameter: its nominal value, then around every constant it is compared with. */
export function candidates(w: SignedWorkflow, parameter: Parameter): Candidate[] {
    const type = parameter.type;
    if (type.kind === 'choice') return [...type.expected, ...type.choices.filter(c => !type.expected.includes(c))].map(choice => ({ kind: 'choice', choice }));
    if (type.kind !== 'quantity') return [];
    const constants = w.decisions.filter(d => d.parameter === parameter.id).flatMap(d => d.branches.map(b => b.condition))
        .flatMap(c => (c.kind === 'quantity' ? [c.value.value] : []));
    const numbers = [inside(type.acceptance)];
    for (const c of constants) numbers.push(c, ...[0.5, 0.1, 0.01].flatMap(f => (c === 0 ? [-f, f] : [c - Math.abs(c) * f, c + Math.abs(c) * f])));
    return [...new Set(numbers.map(round))].map(value => ({ kind: 'quantity', value }));
}

export function asValue(parameter: Parameter, c: Candidate): Value {
    if (c.kind === 'choice') return { kind: 'choice', choice: c.choice };
    return { kind: 'quantity', value: c.value, unit: (parameter.type as { unit: string }).unit };
}

/** A canonical value as people read it: `0.6e9 cells`, `35 %`. */
function display(value: number, unit: string, displayUnit: string): string {
    const resolved = resolveUnit(displayUnit);
    if (isUnitError(resolved)) return `${value} ${unit}`;
    const zero = resolved.toCanonical(0);
    const v = Number(((value - zero) / (resolved.toCanonical(1) - zero)).toPrecision(6));
    const text = Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential().replace('e+', 'e') : String(v);
    return `${text} ${displayUnit}`;
}

export function describeCandidate(parameter: Parameter, c: Candidate): string {
    if (c.kind === 'choice') return c.choice;
    const type = parameter.type as { unit: string; display: string };
    return display(c.value, type.unit, type.display);
}

export function describeResult(w: SignedWorkflow, test: QcTest, v: Value): string {
    if (v.kind !== 'quantity') return v.kind === 'choice' ? v.choice : v.kind === 'text' ? v.text : v.datetime;
    const result = w.assays.find(a => a.id === test.assay)?.result;
    return display(v.value, v.unit, result?.kind === 'quantity' ? result.display : v.unit);
}

/** The branch a decision takes for a value, ignoring rework limits: an index, or -1 for otherwise. */
export function branchFor(d: Decision, v: Candidate): number {
    return d.branches.findIndex(b => holds(b.condition, v));
}

export function parameterOf(w: SignedWorkflow, id: Id): Parameter {
    for (const s of w.steps) for (const p of s.parameters) if (p.id === id) return p;
    throw new Error(`no parameter ${id}`);
}

const terminal = (o: Outcome) => o.kind === 'reject' || o.kind === 'terminate';

/** A value outside a parameter's acceptance that no decision turns into a rejection or termination, if there is one. */
export function outOfRangeValue(w: SignedWorkflow, parameter: Parameter): Candidate | null {
    const type = parameter.type;
    let options: Candidate[] = [];
    if (type.kind === 'choice') {
        options = type.choices.filter(c => type.expected.length > 0 && !type.expected.includes(c)).map(choice => ({ kind: 'choice', choice }));
    } else if (type.kind === 'quantity' && type.acceptance) {
        const r = type.acceptance;
        const nudge = (x: number, sign: number) => round(x === 0 ? sign * 0.1 : x + sign * Math.abs(x) * 0.1);
        const numbers = [outside(r), r.min ? nudge(r.min.value, -1) : null, r.max ? nudge(r.max.value, 1) : null].filter((n): n is number => n !== null && !inRange(r, n));
        options = numbers.map(value => ({ kind: 'quantity', value }));
    }
    const decisions = w.decisions.filter(d => d.parameter === parameter.id);
    const safe = options.find(o => decisions.every(d => {
        const i = branchFor(d, o);
        return !terminal(i < 0 ? d.otherwise : d.branches[i].outcome);
    }));
    return safe ?? options[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Decision paths
// ---------------------------------------------------------------------------------------------

export interface DecisionPath {
    readonly name: string;
    readonly decision: Decision;
    readonly parameter: Parameter;
    /** The value recorded on each run of the step. */
    readonly values: (run: number) => Candidate;
    /** The branches the decision takes, in order: [label, outcome kind]. */
    readonly taken: ReadonlyArray<readonly [string, Outcome['kind']]>;
    readonly end: 'released' | 'rejected' | 'terminated';
}

function conditionLabel(c: Condition): string {
    return c.kind === 'quantity' ? `${c.op} ${c.value.text}` : `is ${c.choice}`;
}

function outcomeLabel(o: Outcome): string {
    return 'target' in o ? `${o.kind} ${short(o.target)}` : o.kind;
}

const endOf = (o: Outcome): DecisionPath['end'] => (o.kind === 'reject' ? 'rejected' : o.kind === 'terminate' ? 'terminated' : 'released');

export function decisionPaths(w: SignedWorkflow): DecisionPath[] {
    const paths: DecisionPath[] = [];
    for (const d of w.decisions) {
        const parameter = parameterOf(w, d.parameter);
        const cands = candidates(w, parameter);
        const otherwiseValue = cands.find(c => branchFor(d, c) < 0);
        /** A value that takes a branch which neither reworks nor ends the batch (for the run after a rework). */
        const forward = cands.map(c => ({ c, i: branchFor(d, c) })).find(({ i }) => {
            const o = i < 0 ? d.otherwise : d.branches[i].outcome;
            return o.kind !== 'rework' && !terminal(o);
        });
        const labelOf = (i: number) => (i < 0 ? 'otherwise' : conditionLabel(d.branches[i].condition));
        const outcomeOf = (i: number) => (i < 0 ? d.otherwise : d.branches[i].outcome);
        d.branches.forEach((b, i) => {
            const value = cands.find(c => branchFor(d, c) === i);
            const label = `${d.name} › ${conditionLabel(b.condition)} → ${outcomeLabel(b.outcome)}`;
            if (!value) throw new Error(`${w.process.name}: no value takes ${label}`);
            if (b.outcome.kind === 'rework') {
                if (!forward) throw new Error(`${w.process.name}: ${label}: no value takes a forward branch after the rework`);
                paths.push({
                    name: `${label} once, then ${labelOf(forward.i)} → ${outcomeLabel(outcomeOf(forward.i))}`,
                    decision: d, parameter, values: run => (run === 1 ? value : forward.c),
                    taken: [[labelOf(i), 'rework'], [labelOf(forward.i), outcomeOf(forward.i).kind]], end: endOf(outcomeOf(forward.i)),
                });
                // The same value every run: the rework is taken up to its limit, then the decision falls through.
                const fallback = d.branches.findIndex((other, j) => j > i && holds(other.condition, value) && other.outcome.kind !== 'rework');
                const after = fallback < 0 ? d.otherwise : d.branches[fallback].outcome;
                paths.push({
                    name: `${label} on every run: ${b.outcome.limit}× rework, then ${labelOf(fallback)} → ${outcomeLabel(after)}`,
                    decision: d, parameter, values: () => value,
                    taken: [...Array.from({ length: b.outcome.limit }, () => [labelOf(i), 'rework'] as const), [labelOf(fallback), after.kind]], end: endOf(after),
                });
            } else {
                paths.push({ name: label, decision: d, parameter, values: () => value, taken: [[labelOf(i), b.outcome.kind]], end: endOf(b.outcome) });
            }
        });
        if (!otherwiseValue) throw new Error(`${w.process.name}: no value takes ${d.name}'s otherwise`);
        paths.push({
            name: `${d.name} › otherwise (${describeCandidate(parameter, otherwiseValue)}) → ${outcomeLabel(d.otherwise)}`,
            decision: d, parameter, values: () => otherwiseValue, taken: [['otherwise', d.otherwise.kind]], end: endOf(d.otherwise),
        });
    }
    return paths;
}

// ---------------------------------------------------------------------------------------------
// Deviation paths
// ---------------------------------------------------------------------------------------------

export type Trigger =
    | { readonly kind: 'out-of-range'; readonly source: Id; readonly parameter: Parameter; readonly value: Candidate }
    | { readonly kind: 'qc-failed'; readonly source: Id; readonly plan: QcPlan; readonly test: QcTest; readonly value: Value }
    | { readonly kind: 'step-failed'; readonly source: Id }
    | { readonly kind: 'late'; readonly source: Id; readonly timer: Timer }
    | { readonly kind: 'hold-breach'; readonly source: Id; readonly timer: Timer }
    | { readonly kind: 'budget'; readonly source: Id; readonly timer: Timer }
    | { readonly kind: 'excursion'; readonly source: Id; readonly transfer: Transfer; readonly point: 'dispatch' | 'receipt' }
    | { readonly kind: 'identity-mismatch'; readonly source: Id; readonly point: 'step' | 'dispatch' | 'receipt' };

export interface DeviationPath {
    readonly name: string;
    readonly deviation: Deviation;
    readonly trigger: Trigger;
    readonly option: DispositionOption;
    readonly end: { readonly status: 'released' | 'rejected' | 'terminated'; readonly route?: 'normal' | 'exceptional' } | { readonly stuck: string };
}

export function failingResult(w: SignedWorkflow, test: QcTest): Value {
    const assay = w.assays.find(a => a.id === test.assay);
    if (test.spec.kind === 'choice') {
        const other = assay?.result?.kind === 'choice' ? assay.result.choices.find(c => c !== (test.spec as { choice: string }).choice) : undefined;
        return { kind: 'choice', choice: other ?? 'positive' };
    }
    const range = test.spec.range;
    const unit = assay?.result?.kind === 'quantity' ? assay.result.unit : range.min?.unit ?? range.max?.unit ?? '1';
    return { kind: 'quantity', value: outside(range)!, unit };
}

export function triggersOf(w: SignedWorkflow, d: Deviation, by: Id): Trigger[] {
    const triggers: Trigger[] = [];
    const step = w.steps.find(s => s.id === by);
    const transfer = w.transfers.find(t => t.id === by);
    const plan = w.qc.find(q => q.id === by);
    const timers = w.timers.filter(t => t.source === by && t.raises === d.id);
    if (by.startsWith('parameter:')) {
        const parameter = parameterOf(w, by);
        const value = parameter.onOutOfRange === d.id ? outOfRangeValue(w, parameter) : null;
        if (value) triggers.push({ kind: 'out-of-range', source: by, parameter, value });
    }
    if (plan) for (const test of plan.tests.filter(t => t.onFail === d.id)) triggers.push({ kind: 'qc-failed', source: by, plan, test, value: failingResult(w, test) });
    if (step?.onFailure === d.id) triggers.push({ kind: 'step-failed', source: by });
    for (const timer of timers) {
        if (timer.kind === 'step-max' || timer.kind === 'transfer-limit') triggers.push({ kind: 'late', source: by, timer });
        if (timer.kind === 'hold-max') triggers.push({ kind: 'hold-breach', source: by, timer });
        if (timer.kind === 'vein-to-vein') triggers.push({ kind: 'budget', source: by, timer });
    }
    if (step?.identityChecks.some(c => c.onMismatch === d.id)) triggers.push({ kind: 'identity-mismatch', source: by, point: 'step' });
    if (transfer?.condition?.onExcursion === d.id) for (const point of ['dispatch', 'receipt'] as const) triggers.push({ kind: 'excursion', source: by, transfer, point });
    if (transfer?.onMismatch === d.id) for (const point of transfer.verifyIdentityAt) triggers.push({ kind: 'identity-mismatch', source: by, point });
    return triggers;
}

export function triggerLabel(w: SignedWorkflow, t: Trigger): string {
    switch (t.kind) {
        case 'out-of-range': return `${short(t.source)} out of range (${describeCandidate(t.parameter, t.value)})`;
        case 'qc-failed': return `${short(t.test.assay)} fails (${describeResult(w, t.test, t.value)}) in ${short(t.plan.id)}`;
        case 'step-failed': return `${short(t.source)} fails`;
        case 'late': return `${short(t.source)} runs past ${t.timer.limit.text}`;
        case 'hold-breach': return `hold ${short(t.source).replace(/:(?=[^:]*$)/, ' → ')} passes ${t.timer.limit.text}`;
        case 'budget': return `vein-to-vein budget of ${t.timer.limit.text} passes`;
        case 'excursion': return `${short(t.source)} reads ${excursionReading(t.transfer).value} °C at ${t.point}`;
        case 'identity-mismatch': return `wrong label scanned at ${short(t.source)}${t.point === 'step' ? '' : ` ${t.point}`}`;
    }
}

export function excursionReading(transfer: Transfer): Reading {
    return { value: outside(transfer.condition!.range)!, unit: 'Cel' };
}

/** Which of a process's release routes a failed QC test leaves open. */
export function expectedEnd(w: SignedWorkflow, d: Deviation, t: Trigger, option: DispositionOption): DeviationPath['end'] {
    if (option === 'reject') return { status: 'rejected' };
    if (option === 'terminate') return { status: 'terminated' };
    if (d.actions.some(a => a.kind === 'terminate')) return { status: 'terminated' };
    if (t.kind !== 'qc-failed' || t.test.pendingAllowed) return { status: 'released', route: 'normal' };
    const release = w.release!;
    const needs = (requires: typeof release.requires) => requires.some(r => (r.kind === 'qc-passed' && (r.qc === null || r.qc === t.plan.id)) || (r.kind === 'assay-passed' && r.assay === t.test.assay));
    if (!needs(release.requires)) return { status: 'released', route: 'normal' };
    if (release.exceptional && !needs(release.exceptional.requires)) return { status: 'released', route: 'exceptional' };
    return { stuck: `${short(t.test.assay)} failed` };
}

export function endLabel(end: DeviationPath['end']): string {
    if ('stuck' in end) return `release refused while ${end.stuck} (every route needs it passed); released after a passing retest`;
    if (end.status === 'released') return end.route === 'exceptional' ? 'released exceptionally (the normal route needs it passed)' : 'released';
    return end.status;
}

export interface Unreachable {
    readonly name: string;
    readonly why: string;
}

export function deviationPaths(w: SignedWorkflow): { paths: DeviationPath[]; unreachable: Unreachable[] } {
    const paths: DeviationPath[] = [];
    const unreachable: Unreachable[] = [];
    for (const d of w.deviations) {
        const options = d.disposition?.options ?? ['continue'];
        for (const by of d.raisedBy) {
            const triggers = triggersOf(w, d, by);
            if (triggers.length === 0) unreachable.push({ name: `${d.name} › raised by ${short(by)}`, why: `no way to raise ${d.name} from ${by} is known to this test` });
            for (const trigger of triggers) {
                for (const option of options) {
                    const end = expectedEnd(w, d, trigger, option);
                    paths.push({ name: `${d.name} › ${triggerLabel(w, trigger)} › ${option} → ${endLabel(end)}`, deviation: d, trigger, option, end });
                }
            }
        }
    }
    return { paths, unreachable };
}

/** Deviations that do not block release, may be dispositioned rework, and are raised by a value out of range. */
export function lateDispositions(w: SignedWorkflow): Array<{ name: string; deviation: Deviation; trigger: Extract<Trigger, { kind: 'out-of-range' }>; target: Id }> {
    const found = [];
    for (const d of w.deviations) {
        const action = d.actions.find(a => a.kind === 'rework');
        if (d.blocksRelease || !action || action.kind !== 'rework' || !d.disposition?.options.includes('rework')) continue;
        const trigger = d.raisedBy.flatMap(by => triggersOf(w, d, by)).find((t): t is Extract<Trigger, { kind: 'out-of-range' }> => t.kind === 'out-of-range');
        if (trigger) found.push({ name: `${d.name} (does not block release) › ${triggerLabel(w, trigger)}`, deviation: d, trigger, target: action.step });
    }
    return found;
}

/** Where and how a deviation path runs: by default on the autopilot's own runtime and a memory store, as in paths.test.ts. */
export interface PathSeams {
    /** The batch id (default `<process>-path`). */
    readonly batch?: string;
    readonly store?: DriveOptions['store'];
    readonly clock?: DriveOptions['clock'];
    /** How the plant's commands are executed (over HTTP, say: test/runtime/server/harness.ts). */
    readonly execute?: DriveOptions['execute'];
    /** Called with the path's deviation open, just before it is dispositioned. */
    readonly beforeDisposition?: (plant: Plant, state: BatchState, open: DeviationState) => Promise<void>;
}

/** Drives one deviation path: raises it at one point, dispositions it right after with the option. */
export async function runDeviationPath(w: SignedWorkflow, p: DeviationPath, seams: PathSeams = {}): Promise<{ result: DriveResult; dispositioned: string | null; refusal: string | null; stuckBefore: string | null }> {
    const t = p.trigger;
    let fired = false;
    let stuckBefore: string | null = null;
    let dispositioned: string | null = null;
    let refusal: string | null = null;
    const firstReading = new Set<string>();
    const disposition = async (plant: Plant, state: BatchState): Promise<boolean> => {
        if (dispositioned) return false;
        const open = Object.values(state.deviations).find(x => x.deviation === p.deviation.id && x.status === 'open');
        if (!open) return false;
        dispositioned = open.instance;
        await seams.beforeDisposition?.(plant, state, open);
        const outcome = await plant.exec({ type: 'disposition', deviation: open.instance, option: p.option }, dispositioner(plant, p.deviation));
        if (!outcome.ok) refusal = `${outcome.code}: ${outcome.reason}`;
        return true;
    };
    const pastTimer = async (plant: Plant, state: BatchState, timer: Timer): Promise<boolean> => {
        const active = Object.values(state.timers).find(x => x.timer === timer.id);
        if (!active) return false;
        fired = true;
        // Shipments travelling beside this one (doses to three centres) arrive on time, so that only this clock runs out.
        for (const other of Object.values(state.timers)) {
            const transfer = plant.def.transfers.get(other.timer.replace(/^timer:(transfer:[^:]+):limit$/, '$1'));
            if (other.key === active.key || other.kind !== 'transfer-limit' || other.due > active.due || !transfer) continue;
            const receiver = plant.cast.holder(transfer.receiver);
            await plant.prepareTransfer(transfer.id, 'receipt', receiver);
            const reading = transfer.condition ? { value: nominalReading(transfer.condition.range), unit: 'Cel' } : null;
            await plant.exec({ type: 'receive', transfer: transfer.id, reading }, receiver);
        }
        await plant.advanceTo(active.due + 1);
        return true;
    };
    const result = await drive(w, {
        batch: seams.batch ?? `${w.process.name}-path`,
        store: seams.store,
        clock: seams.clock,
        execute: seams.execute,
        resultsAfterEnd: t.kind === 'qc-failed',
        valueFor: (parameter, run) => (t.kind === 'out-of-range' && parameter === t.parameter.id && run === 1 ? asValue(t.parameter, t.value) : undefined),
        resultFor: assay => {
            if (t.kind !== 'qc-failed' || assay !== t.test.assay || fired) return undefined;
            fired = true;
            return t.value;
        },
        readingFor: (transfer, point) => {
            if (t.kind !== 'excursion' || transfer !== t.source || point !== t.point || firstReading.has(point)) return undefined;
            firstReading.add(point);
            fired = true;
            return excursionReading(t.transfer);
        },
        intervene: async (plant, state) => {
            if (await disposition(plant, state)) return true;
            if (fired) return false;
            const node = nodeOf(state, t.source);
            switch (t.kind) {
                case 'step-failed':
                    if (node.status !== 'running') return false;
                    fired = true;
                    const outcome = await plant.exec({ type: 'fail-step', step: t.source }, plant.performerOf(state, t.source));
                    if (!outcome.ok) refusal = `failing ${short(t.source)} was refused: ${outcome.code}: ${outcome.reason}`;
                    return true;
                case 'late':
                    return node.status === 'running' && pastTimer(plant, state, t.timer);
                case 'budget':
                    return pastTimer(plant, state, t.timer);
                case 'hold-breach': {
                    // Once what the hold's end waits for is done, so that only the hold runs late.
                    const to = (t.timer.stopsOn as { activity: Id }).activity;
                    if (nodeOf(state, to).status !== 'pending' || waitingFor(plant.def, state, to).length > 0) return false;
                    return pastTimer(plant, state, t.timer);
                }
                case 'identity-mismatch': {
                    const ready = node.status === 'pending' && waitingFor(plant.def, state, t.source).length === 0;
                    if (t.point === 'step' ? node.status !== 'running' : t.point === 'dispatch' ? !ready : node.status !== 'running') return false;
                    const transfer = plant.def.transfers.get(t.source);
                    const actor = transfer ? plant.cast.holder(t.point === 'dispatch' ? transfer.sender : transfer.receiver) : plant.performerOf(state, t.source);
                    fired = true;
                    const outcome = await plant.exec({ type: 'scan', identity: otherIdentity(w), target: t.source }, actor);
                    if (outcome.ok || outcome.code !== 'COIL-RT015') refusal = `the wrong label was not refused as a mismatch: ${outcome.ok ? 'accepted' : `${outcome.code}: ${outcome.reason}`}`;
                    return true;
                }
                default:
                    return false;
            }
        },
        // A deviation that holds the batch as it is raised leaves the plant nothing to do: disposition it here.
        onStuck: async (plant, state, why) => {
            if ((await disposition(plant, state)) || (await dispositionForward(plant, state)) || (await releaseExceptionally(plant, state))) return true;
            // Release refused on a failed test that no route allows: the laboratory retests the retained sample once.
            if (t.kind !== 'qc-failed' || stuckBefore !== null) return false;
            stuckBefore = why;
            const test = plant.def.testsOfAssay.get(t.test.assay)![0].test;
            const result = w.assays.find(a => a.id === t.test.assay)?.result ?? null;
            const retest = await plant.exec({ type: 'record-result', assay: t.test.assay, value: nominalResult(test, result) }, plant.cast.analyst, { reason: 'OOS investigation: laboratory error confirmed; retest of the retained sample' });
            if (!retest.ok) refusal = `the retest was refused: ${retest.code}: ${retest.reason}`;
            return retest.ok;
        },
    });
    // Raised after the batch ended (a result with a long turnaround): disposition it now.
    const state = (await result.plant.state())!;
    await disposition(result.plant, state);
    return { result, dispositioned, refusal, stuckBefore };
}

export const triggerKind: Record<Trigger['kind'], TriggerKind> = {
    'out-of-range': 'out-of-range', 'qc-failed': 'qc-failed', 'step-failed': 'step-failed', late: 'late', 'hold-breach': 'hold-breach',
    budget: 'budget', excursion: 'excursion', 'identity-mismatch': 'identity-mismatch',
};

/** What every deviation route must come to, driven on the engine or over HTTP: the trigger, the option, the end, the rework. */
export function expectRouteOutcome(p: DeviationPath, live: BatchState, run: { result: DriveResult; dispositioned: string | null; stuckBefore: string | null }): void {
    const { result, dispositioned, stuckBefore } = run;
    const first = live.deviations[`${p.deviation.id}#1`];
    expect(first.trigger, 'raised by the intended trigger').toEqual({ kind: triggerKind[p.trigger.kind], source: p.trigger.source });
    expect(first.option).toBe(p.option);
    if ('stuck' in p.end) expect(stuckBefore ?? 'it was never stuck', 'release refused on the failed test').toContain(`Release is refused: QC ${short(p.trigger.source)} not passed: ${p.end.stuck}`);
    else expect(stuckBefore, 'no retest was needed').toBeNull();
    expect(result.stuck, 'the batch is not stuck').toBeNull();
    const end = 'stuck' in p.end ? { status: 'released', route: 'normal' } : p.end;
    expect(batchStatus(live)).toBe(end.status);
    if (end.status === 'released') {
        expect(live.ended, 'the batch ended after release').toBe(true);
        expect(live.releaseRoute).toBe(end.route);
    }
    if (p.option === 'rework') {
        expect(result.plant.issued.flatMap(i => i.outcome.events).some(e => e.type === 'rework-started' && e.data.by === dispositioned), 'the rework started').toBe(true);
    }
}
