/** Deviations: severity, actions, who dispositions them, whether they block release, and what raises them. */
import {
    isBlocksRelease, isDisposition, isHoldBatch, isNotify, isQuarantine, isReworkAction, isTerminate,
    type Deviation as AstDeviation,
} from '@coil/language';
import type { Deviation, DeviationAction, DispositionOption, Id, Severity, Workflow } from '../ir/types.js';
import type { Lowering } from './context.js';
import { ids } from './ids.js';

export function lowerDeviation(lowering: Lowering, deviation: AstDeviation): Omit<Deviation, 'raisedBy'> {
    const id = ids.deviation(deviation);
    lowering.at(id, deviation);
    const actions: DeviationAction[] = [];
    for (const action of deviation.actions) {
        if (isQuarantine(action)) actions.push({ kind: 'quarantine', materials: action.materials.map(m => lowering.required(m, ids.material)) });
        else if (isHoldBatch(action)) actions.push({ kind: 'hold-batch' });
        else if (isNotify(action)) actions.push({ kind: 'notify', roles: action.roles.map(r => lowering.required(r, ids.role)) });
        else if (isReworkAction(action)) actions.push({ kind: 'rework', step: lowering.required(action.step, ids.step), limit: action.limit });
        else if (isTerminate(action)) actions.push({ kind: 'terminate' });
    }
    const disposition = deviation.actions.find(isDisposition);
    const blocks = deviation.actions.find(isBlocksRelease);
    return {
        id,
        name: deviation.name,
        title: deviation.title ?? null,
        severity: deviation.severity as Severity,
        actions,
        disposition: disposition ? { role: lowering.required(disposition.role, ids.role), options: disposition.options as DispositionOption[] } : null,
        // Open deviations block release unless they say otherwise (critical ones always do).
        blocksRelease: blocks ? !blocks.doesNot : true,
    };
}

/** Where each deviation is raised: every `raise` of the lowered workflow, by the id of what raises it. */
export function raisers(workflow: Omit<Workflow, 'deviations' | 'timers'>): Map<Id, Id[]> {
    const out = new Map<Id, Id[]>();
    const add = (deviation: Id | null | undefined, by: Id): void => {
        if (!deviation) return;
        const list = out.get(deviation) ?? [];
        if (!list.includes(by)) list.push(by);
        out.set(deviation, list);
    };
    add(workflow.process.veinToVein?.deviation, workflow.process.id);
    for (const step of workflow.steps) {
        add(step.duration?.onLate, step.id);
        add(step.onFailure, step.id);
        step.parameters.forEach(p => add(p.onOutOfRange, p.id));
        step.identityChecks.forEach(c => add(c.onMismatch, step.id));
    }
    for (const transfer of workflow.transfers) {
        add(transfer.limit?.onLate, transfer.id);
        add(transfer.condition?.onExcursion, transfer.id);
        add(transfer.onMismatch, transfer.id);
    }
    workflow.holds.forEach(h => add(h.onBreach, h.id));
    workflow.qc.forEach(q => q.tests.forEach(t => add(t.onFail, q.id)));
    return out;
}
