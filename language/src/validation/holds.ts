/**
 * Holds: a time limit between two events of the process, with the material held and where.
 * Each hold has a limit, its minimum is below its maximum, and its events belong to its activities.
 */
import type { ValidationChecks } from 'langium';
import type { Activity, CoilAstType, EventRef, Hold, Quantity } from '../generated/ast.js';
import { isConsumes, isProduces, isStep, isTransfer } from '../generated/ast.js';
import { formatDuration } from '../units/index.js';
import { canonical, formatQuantity, unitOf } from './quantities.js';
import { report } from './report.js';

const POINTS = { Step: ['start', 'end'], Transfer: ['dispatch', 'receipt'] } as const;

export const holdChecks: ValidationChecks<CoilAstType> = {
    Hold: (hold: Hold, accept) => {
        if (!hold.min && !hold.max) {
            report(accept, 'COIL-T001', `This hold of ${hold.material?.$refText ?? 'material'} sets no limit. Add 'max 48 h', 'min 12 h', or both.`, { node: hold });
        }
        if (hold.min && hold.max && unitOf(hold.min)?.kind === 'duration' && unitOf(hold.max)?.kind === 'duration') {
            const min = canonical(hold.min)!;
            const max = canonical(hold.max)!;
            if (min > max) {
                report(accept, 'COIL-T002', `The hold minimum ${withConversion(hold.min, min)} is above its maximum ${withConversion(hold.max, max)}: no batch could ever meet it. Lower the minimum or raise the maximum.`, { node: hold, property: 'min' });
            }
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
function withConversion(q: Quantity, seconds: number): string {
    const written = formatQuantity(q);
    const converted = formatDuration(seconds);
    return written === converted ? written : `${written} (${converted})`;
}

function handles(activity: Activity, material: string): boolean {
    if (isTransfer(activity)) return activity.material?.ref?.name === material;
    return activity.members.some(m => (isConsumes(m) || isProduces(m)) && m.items.some(i => i.material?.ref?.name === material));
}
