/**
 * A batch's state: what `evolve` folds its events into. Plain, immutable data (each event copies
 * only what it changes), so a state can be cached, compared and printed. Whether a node is ready
 * or blocked is not stored: it follows from the state and the clock (`views.ts`).
 */
import type { DispositionOption, Id, Timer } from '@coil/compiler/ir';

export type NodeStatus = 'pending' | 'running' | 'complete' | 'failed' | 'skipped';

export interface NodeState {
    readonly status: NodeStatus;
    /** How many times it has been started (a rework starts it again). */
    readonly run: number;
    readonly startedAt: number | null;
    readonly endedAt: number | null;
    /** Who started the step or dispatched the transfer, for second-person checks. */
    readonly performer: string | null;
    /** Matching identity scans of this run: who scanned and at which point. */
    readonly scans: ReadonlyArray<{ readonly user: string; readonly point: ScanPoint }>;
    readonly verifiedBy: string | null;
    /** Meanings signed this run by the roles a step names in its own `sign Role "…"` lines. */
    readonly roleSignatures: readonly string[];
}

export type ScanPoint = 'step' | 'dispatch' | 'receipt';

/** A recorded value in canonical form, with the text as entered. */
export type StoredValue =
    | { readonly kind: 'quantity'; readonly value: number; readonly unit: string; readonly text: string }
    | { readonly kind: 'choice'; readonly choice: string }
    | { readonly kind: 'text'; readonly text: string }
    | { readonly kind: 'datetime'; readonly datetime: string };

export interface RecordedValue {
    readonly value: StoredValue;
    readonly inRange: boolean;
    readonly time: number;
    readonly user: string;
    /** The run of its step it belongs to. */
    readonly run: number;
}

export interface AssayResult {
    readonly value: StoredValue;
    readonly passed: boolean;
    readonly time: number;
}

export interface DeviationState {
    /** `deviation:HoldExceeded#1`: the deviation and its occurrence in this batch. */
    readonly instance: string;
    readonly deviation: Id;
    readonly status: 'open' | 'closed';
    readonly raisedAt: number;
    /** What raised it: the kind of trigger and the id of what fired it. */
    readonly trigger: { readonly kind: TriggerKind; readonly source: Id | null };
    /** Further triggers while it was open. */
    readonly recurrences: number;
    readonly quarantines: readonly Id[];
    readonly holdsBatch: boolean;
    readonly option: DispositionOption | null;
    readonly closedAt: number | null;
}

export type TriggerKind = 'out-of-range' | 'step-failed' | 'late' | 'hold-breach' | 'excursion' | 'identity-mismatch' | 'qc-failed' | 'budget' | 'authority-notification' | 'by-hand';

export interface ActiveTimer {
    /** `<timer id>#<run>`: the instance, unique within the batch. */
    readonly key: string;
    readonly timer: Id;
    readonly kind: Timer['kind'];
    readonly startedAt: number;
    readonly due: number;
}

export interface BatchState {
    readonly batch: string;
    readonly definition: string;
    readonly identity: string;
    /** A training or development batch, not for a patient. */
    readonly training: boolean;
    readonly startedAt: number;
    /** Number of events so far: the version optimistic concurrency compares. */
    readonly version: number;
    readonly outcome: null | 'released' | 'rejected' | 'terminated';
    readonly releaseRoute: null | 'normal' | 'exceptional';
    /** The normal end was reached (after release, the last activity completed). */
    readonly ended: boolean;
    readonly nodes: Readonly<Record<Id, NodeState>>;
    readonly values: Readonly<Record<Id, RecordedValue>>;
    readonly results: Readonly<Record<Id, AssayResult>>;
    /** Samples taken per QC plan. */
    readonly samples: Readonly<Record<Id, number>>;
    readonly deviations: Readonly<Record<string, DeviationState>>;
    readonly timers: Readonly<Record<string, ActiveTimer>>;
    /** How many instances of each timer have started. */
    readonly timerRuns: Readonly<Record<Id, number>>;
    /** Minimum holds running: the activity they guard may not start before `until`. */
    readonly minimums: Readonly<Record<Id, { readonly startedAt: number; readonly until: number; readonly stop: string }>>;
    /** Reworks taken, per `<decision or deviation>><target>`. */
    readonly reworks: Readonly<Record<string, number>>;
    readonly physician: { readonly name: string; readonly time: number } | null;
    readonly authorityNotified: boolean;
    readonly mismatches: number;
}

export const PENDING: NodeState = { status: 'pending', run: 0, startedAt: null, endedAt: null, performer: null, scans: [], verifiedBy: null, roleSignatures: [] };
