/**
 * Shared helpers for test/runtime/paths.test.ts and test/runtime/histories.test.ts.
 *
 * `drive()` is the autopilot (runtime/src/scenario/autopilot.ts), bent through its seams:
 * `intervene` acts before each of the plant's moves (fail a step, scan a wrong label, let a clock
 * run past its limit, disposition a deviation right after it is raised), `readingFor` replaces a
 * transfer's temperature reading, and `resultsAfterEnd` keeps entering QC results that fall due
 * after the batch has ended (compendial sterility, 14 d). A path driven here is the autopilot's
 * happy path bent at one point.
 */
import type { Deviation, DispositionOption, Id, SignedWorkflow } from '@coil/compiler/ir';
import { identityFormat, checkCharacter } from '@coil/language/identity';
import {
    PENDING, batchStatus, nominalReading, runAutopilot,
    type AutopilotOptions, type AutopilotResult, type BatchState, type NodeState, type Plant, type RecordedEvent,
} from '@coil/runtime';

/** The autopilot's options: its seams (intervene, readingFor, resultsAfterEnd) are what the path tests bend it with. */
export type DriveOptions = AutopilotOptions;
export type DriveResult = AutopilotResult;

/** A batch driven by the autopilot, bent where the options say. */
export const drive: (workflow: SignedWorkflow, options?: DriveOptions) => Promise<DriveResult> = runAutopilot;

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

export { nominalReading };
