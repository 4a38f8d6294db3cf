/** The clocks the runtime keeps, derived from the lowered holds, steps, transfers, budget and release. */
import type { Timer, Workflow } from '../ir/types.js';

export function timersOf(workflow: Omit<Workflow, 'timers'>): Timer[] {
    const timers: Timer[] = [];
    const budget = workflow.process.veinToVein;
    if (budget) {
        timers.push({ id: 'timer:vein-to-vein', kind: 'vein-to-vein', startsOn: { batch: 'start' }, stopsOn: { batch: 'end' }, limit: budget.limit, raises: budget.deviation, source: workflow.process.id });
    }
    for (const step of workflow.steps) {
        if (!step.duration?.max) continue;
        timers.push({
            id: `timer:${step.id}:max`, kind: 'step-max',
            startsOn: { activity: step.id, point: 'start' }, stopsOn: { activity: step.id, point: 'end' },
            limit: step.duration.max, raises: step.duration.onLate, source: step.id,
        });
    }
    for (const transfer of workflow.transfers) {
        if (!transfer.limit) continue;
        timers.push({
            id: `timer:${transfer.id}:limit`, kind: 'transfer-limit',
            startsOn: { activity: transfer.id, point: 'dispatch' }, stopsOn: { activity: transfer.id, point: 'receipt' },
            limit: transfer.limit.max, raises: transfer.limit.onLate, source: transfer.id,
        });
    }
    for (const hold of workflow.holds) {
        if (hold.min) timers.push({ id: `timer:${hold.id}:min`, kind: 'hold-min', startsOn: hold.from, stopsOn: hold.to, limit: hold.min, raises: null, source: hold.id });
        if (hold.max) timers.push({ id: `timer:${hold.id}:max`, kind: 'hold-max', startsOn: hold.from, stopsOn: hold.to, limit: hold.max, raises: hold.onBreach, source: hold.id });
    }
    const notify = workflow.release?.exceptional?.notifyAuthorityWithin;
    if (notify) {
        timers.push({ id: 'timer:authority-notification', kind: 'authority-notification', startsOn: { release: 'exceptional' }, stopsOn: { authority: 'notified' }, limit: notify, raises: null, source: 'release' });
    }
    return timers;
}
