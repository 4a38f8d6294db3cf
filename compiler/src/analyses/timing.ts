/**
 * Timing feasibility: the fastest way through the process fits the vein-to-vein budget (the
 * slowest should too), a hold's maximum leaves room for the work between its events, and no
 * transfer may last longer than its material stays stable.
 */
import { formatDuration } from '@coil/language/units';
import type { Workflow } from '../ir/types.js';
import type { Finding } from './finding.js';
import { allWaysListed, completingChoices, flowModel } from './flow-model.js';
import { evaluate, scheduleOf, timeOf } from './schedule.js';

/** Durations in messages are exact (to the second): `11 d 7 h 30 min`, never rounded to `11 d 8 h`. */
const exact = (seconds: number): string => formatDuration(seconds, 4);
const exactPair = (a: number, b: number): [string, string] => [exact(a), exact(b)];

export function timingFeasibility(workflow: Workflow): Finding[] {
    const findings: Finding[] = [];
    const budget = workflow.process.veinToVein?.limit;
    if (budget && workflow.steps.length > 0) {
        const schedule = scheduleOf(workflow);
        const path = schedule.criticalPath.filter(l => l.seconds > 0).map(l => `${l.label} (${exact(l.seconds)})`);
        const shown = path.length > 10 ? [...path.slice(0, 5), '...', ...path.slice(-4)] : path;
        // With too many decisions to list every way, the fastest is only an upper bound: no error from it.
        if (schedule.fastest > budget.value && allWaysListed(flowModel(workflow))) {
            const [fast, limit] = exactPair(schedule.fastest, budget.value);
            findings.push({
                code: 'COIL-T006',
                at: `${workflow.process.id}/vein_to_vein`,
                message: `Even the fastest way through ${workflow.process.name} takes ${fast}, more than its vein-to-vein budget of ${limit}. The critical path: ${shown.join(' -> ')}. Shorten these steps, holds or turnarounds, allow an assay to be pending at release, or raise the budget.`,
            });
        } else if (schedule.slowest > budget.value) {
            const [slow, limit] = exactPair(schedule.slowest, budget.value);
            findings.push({
                code: 'COIL-T007',
                at: `${workflow.process.id}/vein_to_vein`,
                message: `At the maximum of every step and transfer, with every rework taken, ${workflow.process.name} takes ${slow}, more than its vein-to-vein budget of ${limit}; the fastest way takes ${exact(schedule.fastest)}. A batch that runs long will breach the budget: tighten the maxima or raise the budget.`,
            });
        }
    }
    findings.push(...holdsAgainstWork(workflow));
    findings.push(...transfersAgainstStability(workflow));
    return findings;
}

/** A hold's maximum must leave room for the least work that must happen between its two events. */
function holdsAgainstWork(workflow: Workflow): Finding[] {
    const model = flowModel(workflow);
    const ways = completingChoices(model);
    const findings: Finding[] = [];
    for (const hold of workflow.holds) {
        if (!hold.max) continue;
        let least: number | undefined;
        for (const choices of ways) {
            const timing = evaluate(model, choices, 'min', { origin: hold.from });
            const to = timeOf(timing, hold.to);
            if (to !== undefined && (least === undefined || to < least)) least = to;
        }
        if (least === undefined || least <= hold.max.value) continue;
        const [work, max] = exactPair(least, hold.max.value);
        const from = `${hold.from.activity.replace(/^\w+:/, '')}.${hold.from.point}`;
        const to = `${hold.to.activity.replace(/^\w+:/, '')}.${hold.to.point}`;
        findings.push({
            code: 'COIL-T008',
            at: `${hold.id}/max`,
            message: `This hold allows at most ${max} (${hold.max.text}) from ${from} to ${to}, but the work between those events takes at least ${work}, so every batch would breach it. Raise the maximum to ${work} or more, or shorten the steps in between.`,
        });
    }
    return findings;
}

/** A transfer's time limit may not exceed how long its material stays usable outside storage. */
function transfersAgainstStability(workflow: Workflow): Finding[] {
    const materials = new Map(workflow.materials.map(m => [m.id, m]));
    const findings: Finding[] = [];
    for (const transfer of workflow.transfers) {
        const stability = materials.get(transfer.material)?.stability;
        const limit = transfer.limit?.max;
        if (!stability || !limit || limit.value <= stability.value * (1 + 1e-9)) continue;
        const [within, stable] = exactPair(limit.value, stability.value);
        findings.push({
            code: 'COIL-T009',
            at: `${transfer.id}/limit`,
            message: `Transfer ${transfer.name} may take up to ${within}, but ${transfer.material.replace(/^material:/, '')} is stable for only ${stable} outside storage. Lower the limit to ${stable} or less.`,
        });
    }
    return findings;
}
