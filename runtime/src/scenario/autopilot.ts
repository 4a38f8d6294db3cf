/**
 * Drives one batch through a process the way a plant would on a good day: each ready activity
 * started at once, steps taking their minimum duration, shipments a quarter of their window, QC
 * results in specification after their turnaround, release as soon as it may. `coil run` without a
 * scenario shows this path; tests steer it down every branch with `valueFor` and `resultFor`.
 */
import type { Id, SignedWorkflow } from '@coil/compiler/ir';
import { identityFormat } from '@coil/language/identity';
import { VirtualClock } from '../clock.js';
import { nodeOf } from '../engine/evolve.js';
import type { BatchState } from '../engine/state.js';
import type { Reading, Value } from '../engine/types.js';
import { batchStatus, blockersOf, nodeView, type BatchStatus } from '../engine/views.js';
import { Runtime } from '../runtime.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { inside, nominalResult, Plant, type Executor } from './plant.js';
import type { Range } from '@coil/compiler/ir';
import { scenarioEpoch } from './runner.js';

export interface AutopilotOptions {
    readonly store?: Store;
    readonly epoch?: number;
    readonly batch?: string;
    readonly identity?: string;
    /** The virtual clock to run on, at the epoch. */
    readonly clock?: VirtualClock;
    /** How commands are executed (default: the autopilot's own runtime). */
    readonly execute?: Executor;
    /** A value to record instead of the nominal one (for steering decisions and deviations). */
    readonly valueFor?: (parameter: Id, run: number) => Value | undefined;
    /** A QC result to record instead of one in specification. */
    readonly resultFor?: (assay: Id) => Value | undefined;
    /** Called when the batch can go no further by itself (a deviation awaits its disposition, say): return true after acting to go on. */
    readonly onStuck?: (plant: Plant, state: BatchState, why: string) => Promise<boolean>;
    /** At most this many actions (a guard against a process that loops). */
    readonly maxActions?: number;
    /** Before each of the plant's moves: return true after acting (fail a step, scan a wrong label, let a clock run out), and the plant looks again. */
    readonly intervene?: (plant: Plant, state: BatchState, now: number) => Promise<boolean>;
    /** A temperature reading to give instead of the nominal one. */
    readonly readingFor?: (transfer: Id, point: 'dispatch' | 'receipt') => Reading | undefined;
    /** After the batch has ended, go on entering the QC results still due (a 14-day sterility test after infusion). */
    readonly resultsAfterEnd?: boolean;
}

export interface AutopilotResult {
    readonly plant: Plant;
    readonly runtime: Runtime;
    readonly batch: string;
    readonly epoch: number;
    readonly status: BatchStatus;
    readonly ended: boolean;
    /** Why the batch stopped short of an end, or null. */
    readonly stuck: string | null;
}

export async function runAutopilot(workflow: SignedWorkflow, options: AutopilotOptions = {}): Promise<AutopilotResult> {
    const epoch = options.epoch ?? scenarioEpoch(workflow);
    const clock = options.clock ?? new VirtualClock(epoch);
    const runtime = new Runtime({ store: options.store ?? new MemoryStore(), clock, node: 'autopilot' });
    const def = await runtime.load(workflow);
    const batch = options.batch ?? `${workflow.process.name}-happy-path`;
    const plant = new Plant(runtime, def, batch, batch, options.execute);
    const identity = options.identity ?? identityFormat(workflow.process.identityFormat)?.example ?? 'W1234 26 000123 3';
    const cast = plant.cast;
    const started = await plant.exec({ type: 'start-batch', identity }, cast.coordinator);
    if (!started.ok) return { plant, runtime, batch, epoch, status: 'in_progress', ended: false, stuck: started.reason };
    /** QC results to come: assay -> when. */
    const due = new Map<Id, number>();
    const scheduled = new Set<string>();
    let stuck: string | null = null;
    for (let actions = 0; actions < (options.maxActions ?? 2000); actions++) {
        let state = (await plant.state())!;
        if (state.outcome === 'rejected' || state.outcome === 'terminated') break;
        if (state.ended && !(options.resultsAfterEnd && due.size > 0)) break;
        const now = clock.now();
        // Samples taken since the last look: their results come after each test's turnaround.
        for (const plan of def.workflow.qc) {
            const n = state.samples[plan.id] ?? 0;
            if (n === 0 || scheduled.has(`${plan.id}#${n}`)) continue;
            scheduled.add(`${plan.id}#${n}`);
            for (const test of plan.tests) due.set(test.assay, now + (test.turnaround?.value ?? 3600) * 1000);
        }
        const arrived = [...due].filter(([, at]) => at <= now);
        if (arrived.length > 0) {
            for (const [assay] of arrived) {
                due.delete(assay);
                const test = def.testsOfAssay.get(assay)![0].test;
                const result = def.workflow.assays.find(a => a.id === assay)?.result ?? null;
                await plant.exec({ type: 'record-result', assay, value: options.resultFor?.(assay) ?? nominalResult(test, result) }, cast.analyst, { auto: true });
            }
            continue;
        }
        if (state.ended) {
            // Only results are still to come.
            await plant.advanceTo(Math.min(...due.values()));
            continue;
        }
        if (options.intervene && (await options.intervene(plant, state, now))) continue;
        const awaiting = [...due.keys()].some(assay => def.testsOfAssay.get(assay)!.some(t => !t.test.pendingAllowed));
        const acted = await step(plant, state, now, options, awaiting);
        if (acted) continue;
        // Nothing to do now: wait for the next thing that will change that.
        state = (await plant.state())!;
        const waits = [
            ...[...due.values()],
            ...Object.values(state.minimums).map(m => m.until),
            ...runningUntil(plant, state),
        ].filter(t => t > now);
        if (waits.length > 0) {
            await plant.advanceTo(Math.min(...waits));
            continue;
        }
        stuck = whyStuck(plant, state, now);
        if (options.onStuck && (await options.onStuck(plant, state, stuck))) {
            stuck = null;
            continue;
        }
        break;
    }
    const final = (await plant.state())!;
    return { plant, runtime, batch, epoch, status: batchStatus(final), ended: final.ended, stuck: final.ended || final.outcome === 'rejected' || final.outcome === 'terminated' ? null : stuck ?? 'the action limit was reached' };
}

/** Takes the next action the plant can take now, if any. */
async function step(plant: Plant, state: BatchState, now: number, options: AutopilotOptions, awaitingResults: boolean): Promise<boolean> {
    const def = plant.def;
    const cast = plant.cast;
    const reading = (transfer: Id, point: 'dispatch' | 'receipt', range: Range | undefined): Reading | null =>
        range ? options.readingFor?.(transfer, point) ?? { value: nominalReading(range), unit: 'Cel' } : null;
    for (const node of def.workflow.graph.nodes) {
        const status = nodeOf(state, node.id).status;
        const stepDef = def.steps.get(node.id);
        const transfer = def.transfers.get(node.id);
        if (stepDef && status === 'running') {
            const started = nodeOf(state, node.id).startedAt!;
            const ends = started + (stepDef.duration?.min?.value ?? 3600) * 1000;
            if (now < ends) continue;
            const run = nodeOf(state, node.id).run;
            const performer = plant.performerOf(state, node.id);
            for (const parameter of stepDef.parameters) {
                const value = options.valueFor?.(parameter.id, run);
                if (value && state.values[parameter.id]?.run !== run) await plant.exec({ type: 'record-value', parameter: parameter.id, value }, performer, { auto: true });
            }
            await plant.prepareCompletion(node.id);
            const outcome = await plant.exec({ type: 'complete-step', step: node.id }, performer, { auto: true });
            return outcome.ok || outcome.events.length > 0;
        }
        if (transfer && status === 'running') {
            const ends = nodeOf(state, node.id).startedAt! + (transfer.limit ? transfer.limit.max.value / 4 : 3600) * 1000;
            if (now < ends) continue;
            const receiver = cast.holder(transfer.receiver);
            await plant.prepareTransfer(node.id, 'receipt', receiver);
            const outcome = await plant.exec({ type: 'receive', transfer: node.id, reading: reading(node.id, 'receipt', transfer.condition?.range) }, receiver, { auto: true });
            return outcome.ok || outcome.events.length > 0;
        }
        if (status !== 'pending' || nodeView(def, state, node.id, now).status !== 'ready') continue;
        if (stepDef) {
            const outcome = await plant.exec({ type: 'start-step', step: node.id }, cast.holder(stepDef.performer), { auto: true });
            if (outcome.ok) return true;
        } else if (transfer) {
            const sender = cast.holder(transfer.sender);
            await plant.prepareTransfer(node.id, 'dispatch', sender);
            const outcome = await plant.exec({ type: 'dispatch', transfer: node.id, reading: reading(node.id, 'dispatch', transfer.condition?.range) }, sender, { auto: true });
            if (outcome.ok) return true;
        } else if (node.kind === 'release' && def.workflow.release && !awaitingResults) {
            const outcome = await plant.exec({ type: 'release', exceptional: false }, cast.holder(def.workflow.release.role), { auto: true });
            if (outcome.ok) return true;
        }
    }
    return false;
}

/** When running activities will be done. */
function runningUntil(plant: Plant, state: BatchState): number[] {
    const times: number[] = [];
    for (const [id, node] of Object.entries(state.nodes)) {
        if (node.status !== 'running' || node.startedAt === null) continue;
        const stepDef = plant.def.steps.get(id);
        const transfer = plant.def.transfers.get(id);
        if (stepDef) times.push(node.startedAt + (stepDef.duration?.min?.value ?? 3600) * 1000);
        if (transfer) times.push(node.startedAt + (transfer.limit ? transfer.limit.max.value / 4 : 3600) * 1000);
    }
    return times;
}

function whyStuck(plant: Plant, state: BatchState, now: number): string {
    const reasons: string[] = [];
    for (const node of plant.def.workflow.graph.nodes) {
        if (nodeOf(state, node.id).status !== 'pending' || node.kind === 'start' || node.kind === 'rejected' || node.kind === 'terminated') continue;
        const blockers = blockersOf(plant.def, state, node.id, now);
        if (blockers.length > 0 && !blockers[0].startsWith('waits for')) reasons.push(`${plant.def.name(node.id)}: ${blockers.join('; ')}`);
    }
    const last = plant.issued.at(-1)?.outcome;
    if (last && !last.ok) reasons.push(last.reason);
    return reasons.length > 0 ? reasons.join('; ') : 'no activity is ready';
}

/** A plausible temperature inside a range: its middle, or 30 °C inside an open end (a dry shipper at -180 °C). */
export function nominalReading(range: Range): number {
    if (range.min && range.max) return inside(range);
    if (range.max) return range.max.value - 30;
    if (range.min) return range.min.value + 30;
    return 20;
}
