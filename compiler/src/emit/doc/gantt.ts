/**
 * The Gantt chart of the nominal schedule, as inline SVG: one row per step or transfer, a thin
 * dark bar for the fastest timing (all minima) over a pale bar for the slowest (all maxima), the
 * critical path in a colour of its own, the release gate and the vein-to-vein budget as lines.
 * Drawn in a fixed viewBox so it scales to the page; no script, no external font.
 */
import { formatDuration } from '@coil/language/units';
import type { Schedule } from '../../analyses/schedule-types.js';
import type { Id } from '../../ir/types.js';
import { attr, text, type Html } from './html.js';
import type { Names } from './names.js';

const WIDTH = 960;
const LABELS = 270;
const RIGHT = 24;
const ROW = 22;
const TOP = 34;
const LEGEND = 44;
const MAX_LABEL = 34;
const HOUR = 3600;
const DAY = 24 * HOUR;
const TICKS = [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

export interface GanttInput {
    readonly schedule: Schedule;
    readonly budget: number | null;
    readonly names: Names;
}

/** A row of the chart: a scheduled activity, or a link of the critical path that is not one (a QC turnaround, a minimum hold). */
type Row =
    | { readonly kind: 'activity'; readonly activity: Schedule['activities'][number] }
    | { readonly kind: 'link'; readonly label: string; readonly start: number; readonly end: number };

/** Activities in flow order, each followed by the critical-path waits that come after it (placed on the fastest path). */
function rowsOf(schedule: Schedule): Row[] {
    const activities = new Set<Id>(schedule.activities.map(a => a.id));
    const after = new Map<Id | null, Row[]>();
    let at = 0;
    let previous: Id | null = null;
    for (const link of schedule.criticalPath) {
        if (activities.has(link.id)) previous = link.id;
        else after.set(previous, [...(after.get(previous) ?? []), { kind: 'link', label: link.label, start: at, end: at + link.seconds }]);
        at += link.seconds;
    }
    return [...(after.get(null) ?? []), ...schedule.activities.flatMap(a => [{ kind: 'activity', activity: a } as Row, ...(after.get(a.id) ?? [])])];
}

export function gantt({ schedule, budget, names }: GanttInput): Html {
    const critical = new Set<Id>(schedule.criticalPath.map(l => l.id));
    const chartRows = rowsOf(schedule);
    const rows = chartRows.length + (schedule.release ? 1 : 0);
    const height = TOP + rows * ROW + LEGEND;
    const work = Math.max(1, schedule.slowest, schedule.fastest, schedule.release?.latest ?? 0);
    // A budget far beyond the work (an allogeneic lot's year) would squash every bar: show it off-scale.
    const budgetOnScale = budget !== null && budget <= work * 1.5;
    const span = Math.max(work, budgetOnScale ? budget : 0) * 1.02;
    const x = (seconds: number): number => round(LABELS + (seconds / span) * (WIDTH - LABELS - RIGHT));
    const bottom = TOP + rows * ROW;
    const parts: string[] = [];

    // Axis: ticks at a round interval, at most about a dozen of them.
    const tick = TICKS.find(t => span / t <= 12) ?? 56 * DAY;
    for (let t = 0; t <= span; t += tick) {
        parts.push(`<line class="grid" x1="${x(t)}" y1="${TOP - 4}" x2="${x(t)}" y2="${bottom}"/><text class="tick" x="${x(t)}" y="${TOP - 8}" text-anchor="middle">${text(t === 0 ? '0' : formatDuration(t))}</text>`);
    }
    chartRows.forEach((row, i) => {
        const y = TOP + i * ROW;
        const full = row.kind === 'link' ? row.label : names.has(row.activity.id) ? names.plain(row.activity.id) : row.activity.id;
        const label = full.length > MAX_LABEL ? `${full.slice(0, MAX_LABEL - 1)}…` : full;
        const onPath = row.kind === 'link' || critical.has(row.activity.id);
        const a = row.kind === 'activity' ? row.activity : null;
        const times = a
            ? `fastest ${formatDuration(a.earliestStart)} to ${formatDuration(a.earliestEnd)}; slowest ${formatDuration(a.latestStart)} to ${formatDuration(a.latestEnd)}`
            : `on the critical path, ${formatDuration(row.kind === 'link' ? row.end - row.start : 0)}`;
        parts.push(`<g class="row ${a ? 'activity' : 'link'}${onPath ? ' critical' : ''}"><title>${text(`${full}: ${times}`)}</title>`
            + (i % 2 === 0 ? `<rect class="stripe" x="0" y="${y}" width="${WIDTH}" height="${ROW}"/>` : '')
            + `<text class="label${a ? '' : ' wait'}" x="${LABELS - 8}" y="${y + 15}" text-anchor="end">${onPath ? '◆ ' : ''}${text(label)}</text>`
            // Fastest above slowest in the same row, so that neither hides the other.
            + (a
                ? bar(onPath ? 'fast on-path' : 'fast', x(a.earliestStart), x(a.earliestEnd), y + 3, 8) + bar('slow', x(a.latestStart), x(a.latestEnd), y + 12, 8)
                : row.kind === 'link' ? bar('fast on-path wait', x(row.start), x(row.end), y + 3, 8) : '')
            + '</g>');
    });
    if (schedule.release) {
        const y = TOP + chartRows.length * ROW;
        const { earliest, latest } = schedule.release;
        parts.push(`<g class="row gate"><title>${text(`QA release: earliest ${formatDuration(earliest)}, latest ${formatDuration(latest)}`)}</title>`
            + `<text class="label" x="${LABELS - 8}" y="${y + 15}" text-anchor="end">QA release gate</text>`
            + `<line class="gate-span" x1="${x(earliest)}" y1="${y + 11}" x2="${x(latest)}" y2="${y + 11}"/>`
            + diamond(x(earliest), y + 11, 'gate-fast') + diamond(x(latest), y + 11, 'gate-slow') + '</g>');
        parts.push(`<line class="gate-line" x1="${x(earliest)}" y1="${TOP}" x2="${x(earliest)}" y2="${bottom}"/>`);
    }
    if (budget !== null && !budgetOnScale) {
        const edge = WIDTH - RIGHT + 6;
        parts.push(`<path class="budget-arrow" d="M${edge - 8} ${bottom - 6}L${edge} ${bottom}L${edge - 8} ${bottom + 6}"/>`
            + `<text class="budget-label" x="${edge}" y="${bottom + 16}" text-anchor="end">${text(`vein-to-vein budget ${formatDuration(budget)} (off scale) →`)}</text>`);
    }
    if (budget !== null && budgetOnScale) {
        parts.push(`<line class="budget" x1="${x(budget)}" y1="${TOP - 4}" x2="${x(budget)}" y2="${bottom + 4}"/>`
            + `<text class="budget-label" x="${x(budget) - 4}" y="${bottom + 16}" text-anchor="end">${text(`vein-to-vein budget ${formatDuration(budget)}`)}</text>`);
    }
    parts.push(legend(bottom + 26));
    return `<svg class="gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label=${attr('Nominal timeline of the process')}>
<style>${GANTT_STYLE}</style>
${parts.join('\n')}
</svg>`;
}

/** A bar at least 2 units wide, so that an instant (a transfer with no minimum) still shows. */
function bar(className: string, x1: number, x2: number, y: number, height: number): string {
    const width = Math.max(2, round(x2 - x1));
    return `<rect class="${className}" x="${x1}" y="${y}" width="${width}" height="${height}" rx="1.5"/>`;
}

function diamond(cx: number, cy: number, className: string): string {
    return `<path class="${className}" d="M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}Z"/>`;
}

function legend(y: number): string {
    const item = (dx: number, swatch: string, label: string): string => `<g transform="translate(${dx} ${y})">${swatch}<text class="legend" x="26" y="10">${text(label)}</text></g>`;
    return [
        item(LABELS, '<rect class="fast" x="0" y="3" width="20" height="8"/>', 'fastest (all minima)'),
        item(LABELS + 150, '<rect class="slow" x="0" y="3" width="20" height="8"/>', 'slowest (all maxima)'),
        item(LABELS + 300, '<rect class="fast on-path" x="0" y="3" width="20" height="8"/>', '◆ critical path'),
        item(LABELS + 430, '<path class="gate-fast" d="M10 1L16 7L10 13L4 7Z"/>', 'release gate'),
        item(LABELS + 550, '<line class="budget" x1="10" y1="0" x2="10" y2="14"/>', 'vein-to-vein budget'),
    ].join('');
}

function round(n: number): number {
    return Math.round(n * 10) / 10;
}

// Scoped to this SVG by its class; grey levels that still read when printed in black and white.
const GANTT_STYLE = `
.gantt text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:11px;fill:#111}
.gantt .tick{font-size:10px;fill:#444}
.gantt .grid{stroke:#d4d4d8;stroke-width:1}
.gantt .stripe{fill:#f6f7f9}
.gantt .slow{fill:#dbe4f0;stroke:#7b8fa8;stroke-width:1}
.gantt .fast{fill:#2b4c7e}
.gantt .on-path{fill:#c2410c}
.gantt .critical .label{font-weight:700}
.gantt .label.wait{font-style:italic}
.gantt .wait{fill-opacity:.55}
.gantt .gate-span{stroke:#15803d;stroke-width:2;stroke-dasharray:4 3}
.gantt .gate-fast{fill:#15803d}
.gantt .gate-slow{fill:#fff;stroke:#15803d;stroke-width:2}
.gantt .gate-line{stroke:#15803d;stroke-width:1;stroke-dasharray:2 3}
.gantt .budget{stroke:#b91c1c;stroke-width:2}
.gantt .budget-label{fill:#b91c1c;font-weight:600}
.gantt .budget-arrow{fill:none;stroke:#b91c1c;stroke-width:2}
`;
