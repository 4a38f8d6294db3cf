/**
 * Shared helpers for test/runtime/paths.test.ts and test/runtime/histories.test.ts.
 *
 * `drive()` is the autopilot (runtime/src/scenario/autopilot.ts) with the seams the path tests
 * need: `intervene` acts before each of the plant's moves (fail a step, scan a wrong label, let a
 * clock run past its limit, disposition a deviation right after it is raised), `readingFor`
 * replaces a transfer's temperature reading, and `resultsAfterEnd` keeps entering QC results that
 * fall due after the batch has ended (compendial sterility, 14 d). Without those options it issues
 * exactly the autopilot's commands (a test checks that their records are identical), so a path
 * driven here is the autopilot's happy path bent at one point.
 */
import type { Deviation, DispositionOption, Id, Range, SignedWorkflow } from '@coil/compiler/ir';
import { identityFormat, checkCharacter } from '@coil/language/identity';
import {
    MemoryStore, PENDING, Plant, Runtime, VirtualClock, batchStatus, blockersOf, inside, nodeView, nominalResult, scenarioEpoch,
    type AutopilotOptions, type BatchState, type BatchStatus, type NodeState, type Reading, type RecordedEvent,
} from '@coil/runtime';

export interface DriveOptions extends AutopilotOptions {
    /** Before each move of the plant: return true after acting, and the driver looks again. */
    readonly intervene?: (plant: Plant, state: BatchState, now: number) => Promise<boolean>;
    /** A temperature reading to give instead of the nominal one. */
    readonly readingFor?: (transfer: Id, point: 'dispatch' | 'receipt') => Reading | undefined;
    /** After the batch has ended, go on entering the QC results still due (the autopilot stops at the end). */
    readonly resultsAfterEnd?: boolean;
}

export interface DriveResult {
    readonly plant: Plant;
    readonly runtime: Runtime;
    readonly batch: string;
    readonly epoch: number;
    readonly status: BatchStatus;
    readonly ended: boolean;
    readonly stuck: string | null;
}

export async function drive(workflow: SignedWorkflow, options: DriveOptions = {}): Promise<DriveResult> {
    const epoch = options.epoch ?? scenarioEpoch(workflow);
    const clock = new VirtualClock(epoch);
    const runtime = new Runtime({ store: options.store ?? new MemoryStore(), clock, node: 'autopilot' });
    const def = await runtime.load(workflow);
    const batch = options.batch ?? `${workflow.process.name}-happy-path`;
    const plant = new Plant(runtime, def, batch);
    const identity = options.identity ?? identityFormat(workflow.process.identityFormat)?.example ?? 'W1234 26 000123 3';
    const cast = plant.cast;
    const started = await plant.exec({ type: 'start-batch', identity }, cast.coordinator);
    if (!started.ok) return { plant, runtime, batch, epoch, status: 'in_progress', ended: false, stuck: started.reason };
    const due = new Map<Id, number>();
    const scheduled = new Set<string>();
    let stuck: string | null = null;
    for (let actions = 0; actions < (options.maxActions ?? 2000); actions++) {
        let state = (await plant.state())!;
        if (state.outcome === 'rejected' || state.outcome === 'terminated') break;
        if (state.ended && !(options.resultsAfterEnd && due.size > 0)) break;
        const now = clock.now();
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
        const acted = await move(plant, state, now, options, awaiting);
        if (acted) continue;
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
    const closed = final.ended || final.outcome === 'rejected' || final.outcome === 'terminated';
    return { plant, runtime, batch, epoch, status: batchStatus(final), ended: final.ended, stuck: closed ? null : stuck ?? 'the action limit was reached' };
}

/** The autopilot's move (autopilot.ts `step`), with `readingFor`. */
async function move(plant: Plant, state: BatchState, now: number, options: DriveOptions, awaitingResults: boolean): Promise<boolean> {
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

/** The autopilot's reading: the middle of a range, or 30 °C inside an open end. */
export function nominalReading(range: Range): number {
    if (range.min && range.max) return inside(range);
    if (range.max) return range.max.value - 30;
    if (range.min) return range.min.value + 30;
    return 20;
}

/** Every event a plant's commands recorded, in order (refused identity scans included). */
export function eventsOf(plant: Plant): RecordedEvent[] {
    return plant.issued.flatMap(i => i.outcome.events);
}

/** An identity in the process's format that is well formed but is not the batch's: the format's example with the next sequence number. */
export function otherIdentity(workflow: SignedWorkflow): string {
    const format = identityFormat(workflow.process.identityFormat);
    if (workflow.process.identityFormat === 'isbt128') return `W1234 26 000124 ${checkCharacter('W123426000124')}`;
    if (workflow.process.identityFormat === 'isbt128_coi') return `CH W1234 26 A00043 ${checkCharacter('CHW123426A00043')}`;
    return `${format?.example ?? 'W1234 26 000123 3'}X`;
}

/** The most forward option of a deviation: the batch goes on (continue, release, rework), or null when it can only end. */
export function forwardOption(deviation: Deviation): DispositionOption | null {
    const options = deviation.disposition?.options ?? ['continue'];
    return (['continue', 'release', 'rework'] as const).find(o => options.includes(o)) ?? null;
}

/** Who dispositions a deviation: a holder of its disposition role, else of the release role. */
export function dispositioner(plant: Plant, deviation: Deviation) {
    return plant.cast.holder(deviation.disposition?.role ?? plant.def.workflow.release?.role ?? null);
}

/**
 * Dispositions every open deviation with its most forward option (for deviations a path raises on
 * the way, not the one it is about). Returns false, so that the batch is reported stuck, when one
 * may only end the batch or the disposition is refused.
 */
export async function dispositionForward(plant: Plant, state: BatchState, skip: (instance: string) => boolean = () => false): Promise<boolean> {
    let acted = false;
    for (const open of Object.values(state.deviations).filter(d => d.status === 'open' && !skip(d.instance))) {
        const deviation = plant.def.deviations.get(open.deviation)!;
        const option = forwardOption(deviation);
        if (!option) return false;
        const outcome = await plant.exec({ type: 'disposition', deviation: open.instance, option }, dispositioner(plant, deviation));
        if (!outcome.ok) return false;
        acted = true;
    }
    return acted;
}

/**
 * When only the release stands in the way and the process has an exceptional route, records the
 * physician's acceptance and releases exceptionally. Returns whether it released.
 */
export async function releaseExceptionally(plant: Plant, state: BatchState): Promise<boolean> {
    const release = plant.def.workflow.release;
    if (!release?.exceptional || state.outcome === 'released' || nodeOf(state, 'release').status !== 'pending') return false;
    const qa = plant.cast.holder(release.exceptional.role);
    if (!state.physician) await plant.exec({ type: 'physician-acceptance', physician: 'Dr. A. Treating' }, qa);
    return (await plant.exec({ type: 'release', exceptional: true }, qa)).ok;
}

export function nodeOf(state: BatchState, id: Id): NodeState {
    return state.nodes[id] ?? PENDING;
}

export { batchStatus };
