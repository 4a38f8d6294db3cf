/** The nominal schedule of a process: earliest (all minima) and latest (all maxima) times of each activity. */
import type { Id } from '../ir/types.js';

export interface ScheduledActivity {
    /** A step or transfer id (transfer: dispatch = start, receipt = end). */
    readonly id: Id;
    /** Seconds from batch start, on the fastest path (minimum durations and holds, no rework). */
    readonly earliestStart: number;
    readonly earliestEnd: number;
    /** Seconds from batch start, on the slowest path (maximum durations, rework taken as often as allowed). */
    readonly latestStart: number;
    readonly latestEnd: number;
}

/** One link of the critical path: what it is and how long it takes on the fastest path. */
export interface CriticalLink {
    /** A step, transfer, hold (`hold:...`, a minimum wait) or QC test (`qc:X/test:N`, a turnaround). */
    readonly id: Id;
    readonly label: string;
    readonly seconds: number;
}

export interface Schedule {
    /** Activities on the completing path (decisions continue; skipped activities are absent), in flow order. */
    readonly activities: readonly ScheduledActivity[];
    /** Release gate times, when the process releases. */
    readonly release: { readonly earliest: number; readonly latest: number } | null;
    /** Length of the fastest path to the end of the process, in seconds. */
    readonly fastest: number;
    /** Length of the slowest path. Activities without a maximum count at their minimum (see `unbounded`). */
    readonly slowest: number;
    /** Activities on the path that declare no maximum duration or time limit. */
    readonly unbounded: readonly Id[];
    /** The links whose durations add up to `fastest`, in order. */
    readonly criticalPath: readonly CriticalLink[];
    /** The slowest assay that must finish before release, with its turnaround. */
    readonly slowestAssay: { readonly assay: Id; readonly seconds: number } | null;
}
