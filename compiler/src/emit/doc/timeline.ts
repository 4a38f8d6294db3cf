/**
 * Section "Nominal timeline": when each activity happens on the fastest and the slowest way
 * through the process, from `scheduleOf`, as a chart and as the critical path QA can check
 * against the vein-to-vein budget and the release-testing floor.
 */
import { formatDuration } from '@coil/language/units';
import type { Schedule } from '../../analyses/schedule-types.js';
import type { Workflow } from '../../ir/types.js';
import { gantt } from './gantt.js';
import { facts, section, table, text, type Html } from './html.js';
import { sectionTitle } from './header.js';
import { duration, type Names } from './names.js';

export function timelineSection(workflow: Workflow, schedule: Schedule, names: Names): Html {
    const budget = workflow.process.veinToVein?.limit.value ?? null;
    const chart = `<figure class="chart">${gantt({ schedule, budget, names })}
<figcaption>Times from batch start. Fastest: every minimum duration and hold, no rework. Slowest: every maximum, every rework loop taken as often as allowed.</figcaption></figure>`;
    const path = table(['#', 'Link', 'Duration (fastest)', 'Ends at'], criticalRows(schedule, names), 'critical-path');
    const margin = (total: number): Html => (budget === null ? '' : ` (${total <= budget ? `${duration(budget - total)} within` : `<strong>${duration(total - budget)} over</strong>`} the budget)`);
    const assay = schedule.slowestAssay;
    const summary = facts([
        ['Fastest total', `${duration(schedule.fastest)}${margin(schedule.fastest)}`],
        ['Slowest total', `${duration(schedule.slowest)}${margin(schedule.slowest)}`],
        ['Release gate', schedule.release ? `earliest ${duration(schedule.release.earliest)}, latest ${duration(schedule.release.latest)}` : 'none'],
        ['Vein-to-vein budget', workflow.process.veinToVein ? text(workflow.process.veinToVein.limit.text) : 'none'],
        ['Slowest required assay', assay ? `${names.titled(assay.assay)}: ${duration(assay.seconds)} turnaround` : 'none (release waits for no assay)'],
        ...(schedule.unbounded.length > 0
            ? [['Without a maximum', `${schedule.unbounded.map(id => names.titled(id)).join(', ')} (counted at their minimum in the slowest total)`] as const]
            : []),
    ]);
    return section('timeline', sectionTitle('timeline'), `${chart}
<h3>Critical path</h3>
<p>The chain of activities, holds and test turnarounds that sets the fastest total; shortening anything else does not bring the end forward.</p>
${path}
${summary}`);
}

function criticalRows(schedule: Schedule, names: Names): Html[][] {
    let at = 0;
    return schedule.criticalPath.map((link, i) => {
        at += link.seconds;
        // Steps and transfers have titles; QC turnarounds and holds carry the analysis' own label.
        const label = names.has(link.id) && !link.id.startsWith('hold:') ? names.titled(link.id) : text(link.label);
        return [String(i + 1), label, link.seconds === 0 ? '<span class="none">no minimum</span>' : text(formatDuration(link.seconds, 3)), text(formatDuration(at, 3))];
    });
}
