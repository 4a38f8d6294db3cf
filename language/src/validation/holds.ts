/**
 * Holds: a time limit between two events of the process, with the material held and where.
 * Each hold has a limit, its minimum is below its maximum, and its events belong to its activities.
 */
import { AstUtils, type AstNode, type ValidationAcceptor, type ValidationChecks } from 'langium';
import type { Activity, CoilAstType, EventRef, Hold, Quantity } from '../generated/ast.js';
import { isConsumes, isDeviation, isProcess, isProduces, isStep, isTransfer } from '../generated/ast.js';
import { concurrent, flowInOrder } from '../process-model.js';
import { exceeds, formatDurations } from '../units/index.js';
import { canonical, formatQuantity, unitOf } from './quantities.js';
import { report } from './report.js';

const POINTS = { Step: ['start', 'end'], Transfer: ['dispatch', 'receipt'] } as const;

export const holdChecks: ValidationChecks<CoilAstType> = {
    Hold: (hold: Hold, accept) => {
        if (!hold.min && !hold.max) {
            report(accept, 'COIL-T001', `This hold of ${hold.material?.$refText ?? 'material'} sets no limit. Add 'max 48 h', 'min 12 h', or both.`, { node: hold });
        }
        if (hold.min && hold.max && unitOf(hold.min)?.kind === 'duration' && unitOf(hold.max)?.kind === 'duration') {
            const min = canonical(hold.min);
            const max = canonical(hold.max);
            if (min !== undefined && max !== undefined && exceeds(min, max)) {
                const [minText, maxText] = formatDurations(min, max);
                report(accept, 'COIL-T002', `The hold minimum ${withConversion(hold.min, minText)} is above its maximum ${withConversion(hold.max, maxText)}: no batch could ever meet it. Lower the minimum or raise the maximum.`, { node: hold, property: 'min' });
            }
        }
        checkEventOrder(hold, accept);
        if (hold.max && !hold.deviation && handlesDeviations(hold)) {
            report(accept, 'COIL-D006', `Exceeding this hold's maximum ${formatQuantity(hold.max)} raises no deviation: the breach would be detected and nothing done. Add 'on breach raise <Deviation>' at the end of the hold.`, { node: hold, property: 'max' });
        }
        const material = hold.material?.ref;
        const activities = [hold.start?.activity?.ref, hold.end?.activity?.ref].filter((a): a is Activity => a !== undefined);
        if (material && activities.length === 2 && !activities.some(a => handles(a, material.name))) {
            const which = activities[0] === activities[1] ? activities[0].name : `Neither ${activities[0].name} nor ${activities[1].name}`;
            const subject = activities[0] === activities[1] ? `${which} does not handle` : `${which} handles`;
            report(accept, 'COIL-T003', `${subject} ${material.name}, so this hold may be on the wrong material or events.`, { node: hold, property: 'material' });
        }
    },
    EventRef: (event: EventRef, accept) => {
        const activity = event.activity?.ref;
        if (!activity) return;
        const valid: readonly string[] = POINTS[activity.$type];
        if (!valid.includes(event.point)) {
            const kind = isStep(activity) ? 'step' : 'transfer';
            report(accept, 'COIL-T004', `${activity.name} is a ${kind}: its events are ${valid.map(p => `${activity.name}.${p}`).join(' and ')}, not ${activity.name}.${event.point}.`, { node: event, property: 'point' });
        }
    },
};

/** `48 h`, or `2880 min (2 d)` when the written unit hides the length. */
function withConversion(q: Quantity, converted: string): string {
    const written = formatQuantity(q);
    return written === converted ? written : `${written} (${converted})`;
}

/**
 * Whether the process of `node` declares deviations at all. COIL-D006 (a limit that raises no
 * deviation) applies only then: a process that declares none, such as a sketch, would be flagged
 * on every limit.
 */
export function handlesDeviations(node: AstNode): boolean {
    return AstUtils.getContainerOfType(node, isProcess)?.elements.some(isDeviation) ?? false;
}

/** Where an event falls within its activity: a step starts before it ends, a transfer is dispatched before it is received. */
const POINT_ORDER: Record<string, number> = { start: 0, dispatch: 0, end: 1, receipt: 1 };

/** A hold must end after it starts, in the written order of the flow (COIL-T005). */
function checkEventOrder(hold: Hold, accept: ValidationAcceptor): void {
    const from = hold.start;
    const to = hold.end;
    const a = from?.activity?.ref;
    const b = to?.activity?.ref;
    if (!a || !b || !(from.point in POINT_ORDER) || !(to.point in POINT_ORDER)) return;
    const process = AstUtils.getContainerOfType(hold, isProcess);
    if (!process) return;
    const start = `${a.name}.${from.point}`;
    const end = `${b.name}.${to.point}`;
    if (a === b) {
        if (POINT_ORDER[to.point] > POINT_ORDER[from.point]) return;
        const why = from.point === to.point
            ? `starts and ends at the same event, ${start}, so it holds nothing`
            : `ends at ${end}, before it starts at ${start}`;
        const [first, second] = POINTS[a.$type];
        report(accept, 'COIL-T005', `This hold ${why}. Hold from the earlier event to the later one, e.g. 'from ${a.name}.${first} to ${a.name}.${second}'.`, { node: hold, property: 'end' });
        return;
    }
    // Activities in different branches of one parallel block run side by side: no order to check.
    if (concurrent(a, b)) return;
    const flow = flowInOrder(process);
    const ia = flow.indexOf(a);
    const ib = flow.indexOf(b);
    if (ia < 0 || ib < 0 || ib > ia) return;
    report(accept, 'COIL-T005', `This hold ends at ${end}, before it starts at ${start}: ${b.name} comes before ${a.name} in the process. Swap 'from' and 'to', or correct the events.`, { node: hold, property: 'end' });
}

function handles(activity: Activity, material: string): boolean {
    if (isTransfer(activity)) return activity.material?.ref?.name === material;
    return activity.members.some(m => (isConsumes(m) || isProduces(m)) && m.items.some(i => i.material?.ref?.name === material));
}
