/**
 * The compiled workflow, `coil-ir/1`: what the runtime executes. Normalised (canonical units,
 * resolved ids, explicit defaults and step graph), free of Langium, and described by
 * `coil-ir-1.schema.json`, which must change with this file.
 */

export const IR_FORMAT = 'coil-ir/1';

/** A stable id: `kind:Name` (`step:Collect`, `room:Plant.SuiteA`, `hold:Apheresis:Collect.end:Select.start`). */
export type Id = string;

/** A measured value in the canonical unit of its kind: seconds, Cel, or the UCUM base form. */
export interface Quantity {
    readonly value: number;
    readonly unit: string;
    /** As the author wrote it, for people: `48 h`, `2 °C`. */
    readonly text: string;
}

/** A range; an open end is null (`>= 70 %` has no max). Ends are inclusive unless marked exclusive. */
export interface Range {
    readonly min: Quantity | null;
    readonly max: Quantity | null;
    readonly minExclusive: boolean;
    readonly maxExclusive: boolean;
    readonly text: string;
}

export interface Workflow {
    readonly format: typeof IR_FORMAT;
    readonly process: ProcessHeader;
    readonly sites: readonly Site[];
    readonly qualifications: readonly Named[];
    readonly roles: readonly Role[];
    readonly materials: readonly Material[];
    readonly assays: readonly Assay[];
    readonly steps: readonly Step[];
    readonly transfers: readonly Transfer[];
    readonly decisions: readonly Decision[];
    readonly graph: Graph;
    readonly holds: readonly Hold[];
    readonly qc: readonly QcPlan[];
    readonly release: Release | null;
    readonly deviations: readonly Deviation[];
    readonly timers: readonly Timer[];
    readonly scenarios: readonly Scenario[];
}

/** The written IR file: the workflow and its SHA-256 over the canonical JSON of the rest. */
export interface SignedWorkflow extends Workflow {
    readonly digest: string;
}

export interface Named {
    readonly id: Id;
    readonly name: string;
    readonly title: string | null;
}

export interface ProcessHeader extends Named {
    readonly version: string;
    readonly product: 'autologous' | 'allogeneic';
    readonly identityFormat: string;
    /** ISO date from which the version applies, or null. */
    readonly effective: string | null;
    readonly veinToVein: { readonly limit: Quantity; readonly deviation: Id | null } | null;
}

export interface Site extends Named {
    readonly rooms: ReadonlyArray<Named & { readonly grade: string | null }>;
    readonly equipment: ReadonlyArray<Named & { readonly room: Id | null }>;
    readonly storage: ReadonlyArray<Named & { readonly temperature: Range }>;
}

export interface Role extends Named {
    readonly qualifications: readonly Id[];
}

export interface Material extends Named {
    readonly origin: 'patient' | 'donor' | 'reagent' | null;
    readonly container: string | null;
    readonly storage: Range | null;
    /** How long it stays usable outside its storage range. */
    readonly stability: Quantity | null;
}

export type ResultType =
    | { readonly kind: 'quantity'; readonly unit: string; readonly display: string }
    | { readonly kind: 'choice'; readonly choices: readonly string[] }
    | { readonly kind: 'text' };

export interface Assay extends Named {
    readonly method: string | null;
    readonly turnaround: Quantity | null;
    readonly result: ResultType | null;
}

/** Where an activity happens: a site, or a room of it. */
export interface Place {
    readonly site: Id;
    readonly room: Id | null;
}

export interface MaterialUse {
    readonly material: Id;
    readonly count: number;
}

export type ParameterType =
    /** Values are compared in `unit` (canonical); people enter and read them in `display`. */
    | { readonly kind: 'quantity'; readonly unit: string; readonly display: string; readonly acceptance: Range | null }
    | { readonly kind: 'choice'; readonly choices: readonly string[]; readonly expected: readonly string[] }
    | { readonly kind: 'text' }
    | { readonly kind: 'datetime' };

export interface Parameter {
    readonly id: Id;
    readonly name: string;
    readonly title: string | null;
    readonly type: ParameterType;
    /** Raised when the value falls outside its acceptance range or expected choices. */
    readonly onOutOfRange: Id | null;
}

export interface IdentityCheck {
    readonly material: Id;
    /** A second person scans independently. */
    readonly independent: boolean;
    readonly onMismatch: Id | null;
}

export interface Signature {
    /** `performer`, `verifier`, `sender`, `receiver`, or a role id. */
    readonly by: string;
    readonly meaning: string;
}

export interface Step extends Named {
    readonly place: Place | null;
    readonly performer: Id | null;
    readonly verifier: { readonly role: Id; readonly sameRoleAllowed: boolean } | null;
    readonly duration: { readonly min: Quantity | null; readonly max: Quantity | null; readonly onLate: Id | null } | null;
    readonly consumes: readonly MaterialUse[];
    readonly produces: readonly MaterialUse[];
    readonly equipment: readonly Id[];
    readonly parameters: readonly Parameter[];
    readonly identityChecks: readonly IdentityCheck[];
    /** Why the step does not verify the identity of the patient material it handles, when it says so. */
    readonly identityNotVerified: string | null;
    readonly signatures: readonly Signature[];
    readonly onFailure: Id | null;
}

export interface Transfer extends Named {
    readonly material: Id;
    readonly from: Place;
    readonly to: Place;
    readonly carrier: Id | null;
    readonly limit: { readonly max: Quantity; readonly onLate: Id | null } | null;
    readonly condition: { readonly range: Range; readonly onExcursion: Id | null } | null;
    readonly verifyIdentityAt: ReadonlyArray<'dispatch' | 'receipt'>;
    readonly onMismatch: Id | null;
    readonly sender: Id | null;
    readonly receiver: Id | null;
}

export type Condition =
    | { readonly kind: 'quantity'; readonly op: '<' | '<=' | '>' | '>='; readonly value: Quantity }
    | { readonly kind: 'choice'; readonly choice: string };

export type Outcome =
    | { readonly kind: 'continue' }
    | { readonly kind: 'goto'; readonly target: Id }
    | { readonly kind: 'rework'; readonly target: Id; readonly limit: number }
    | { readonly kind: 'reject' }
    | { readonly kind: 'terminate' };

export interface Decision {
    readonly id: Id;
    readonly name: string;
    /** The parameter whose recorded value is tested. */
    readonly parameter: Id;
    /** Tested in order; the first that holds is taken. */
    readonly branches: ReadonlyArray<{ readonly condition: Condition; readonly outcome: Outcome }>;
    /** Taken when no branch holds (default: continue). */
    readonly otherwise: Outcome;
}

/** `end` is the normal end; `rejected` and `terminated` are reached only by a decision's reject or terminate branch. */
export type NodeKind = 'start' | 'step' | 'transfer' | 'decision' | 'release' | 'end' | 'rejected' | 'terminated';

/**
 * The step graph. A node becomes ready when every node in `waitsFor` has completed or been
 * skipped (a `goto` skips the nodes it jumps over). Edges repeat the same facts for drawing and
 * analysis, plus the decisions' branches.
 */
export interface Graph {
    readonly nodes: readonly GraphNode[];
    readonly edges: readonly Edge[];
}

export interface GraphNode {
    /** `start`, `end`, `release`, or the id of a step, transfer or decision. */
    readonly id: Id;
    readonly kind: NodeKind;
    readonly waitsFor: readonly Id[];
    /** The parallel block and branch it belongs to, innermost last: `parallel:2/branch:Monitoring`. */
    readonly lane: readonly string[];
}

export type EdgeKind = 'next' | 'after' | 'branch' | 'goto' | 'rework' | 'reject' | 'terminate';

export interface Edge {
    readonly from: Id;
    readonly to: Id;
    readonly kind: EdgeKind;
    /** For a decision's branches: what is tested (`< 1.2e9 cells`, `is fail`, `otherwise`). */
    readonly label: string | null;
    /** For a rework: how many times at most. */
    readonly limit: number | null;
}

/** An event of the process: a step starts or ends, a transfer is dispatched or received. */
export interface EventRef {
    readonly activity: Id;
    readonly point: 'start' | 'end' | 'dispatch' | 'receipt';
}

export interface Hold {
    readonly id: Id;
    readonly material: Id;
    readonly from: EventRef;
    readonly to: EventRef;
    readonly min: Quantity | null;
    readonly max: Quantity | null;
    readonly storage: Range | null;
    readonly onBreach: Id | null;
}

export interface QcTest {
    readonly assay: Id;
    /** The test's own turnaround, else the assay's; null when neither says. */
    readonly turnaround: Quantity | null;
    readonly spec: { readonly kind: 'range'; readonly range: Range } | { readonly kind: 'choice'; readonly choice: string };
    readonly pendingAllowed: boolean;
    readonly onFail: Id | null;
}

export interface QcPlan {
    readonly id: Id;
    readonly name: string;
    /** The step whose output is sampled; the samples are taken when it ends. */
    readonly step: Id;
    readonly material: Id | null;
    readonly tests: readonly QcTest[];
}

export type Requirement =
    | { readonly kind: 'qc-passed'; readonly qc: Id | null }
    | { readonly kind: 'assay-passed'; readonly assay: Id }
    | { readonly kind: 'no-open-deviation'; readonly severity: Severity | null; readonly orAbove: boolean }
    | { readonly kind: 'identity-reconciled' }
    | { readonly kind: 'step-complete'; readonly step: Id }
    | { readonly kind: 'physician-acceptance' };

export interface Release {
    readonly id: 'release';
    readonly material: Id;
    readonly role: Id;
    readonly requires: readonly Requirement[];
    readonly signatures: readonly string[];
    readonly exceptional: {
        readonly role: Id;
        readonly requires: readonly Requirement[];
        readonly notifyAuthorityWithin: Quantity | null;
        readonly signatures: readonly string[];
    } | null;
}

export type Severity = 'minor' | 'major' | 'critical';

export type DeviationAction =
    | { readonly kind: 'quarantine'; readonly materials: readonly Id[] }
    | { readonly kind: 'hold-batch' }
    | { readonly kind: 'notify'; readonly roles: readonly Id[] }
    | { readonly kind: 'rework'; readonly step: Id; readonly limit: number }
    | { readonly kind: 'terminate' };

export type DispositionOption = 'continue' | 'rework' | 'reject' | 'terminate' | 'release';

export interface Deviation extends Named {
    readonly severity: Severity;
    readonly actions: readonly DeviationAction[];
    readonly disposition: { readonly role: Id; readonly options: readonly DispositionOption[] } | null;
    /** Explicit default: critical and major deviations block release unless they say `does not block release`. */
    readonly blocksRelease: boolean;
    /** What raises it: ids of steps, transfers, parameters (out of range), holds, QC plans, or the process (its budget). */
    readonly raisedBy: readonly Id[];
}

/** A clock the runtime keeps: started and stopped by events, firing at `limit` after its start. */
export interface Timer {
    readonly id: Id;
    readonly kind: 'hold-max' | 'hold-min' | 'step-max' | 'transfer-limit' | 'vein-to-vein' | 'authority-notification';
    readonly startsOn: EventRef | { readonly batch: 'start' } | { readonly release: 'exceptional' };
    readonly stopsOn: EventRef | { readonly batch: 'end' } | { readonly authority: 'notified' };
    readonly limit: Quantity;
    /** Raised when a maximum passes; a minimum blocks its end event until it has elapsed instead. */
    readonly raises: Id | null;
    /** What the timer watches: the hold, step or transfer id, the process id (the budget), or `release`. */
    readonly source: Id;
}

export interface Scenario {
    readonly id: Id;
    readonly title: string;
    readonly entries: readonly ScenarioEntry[];
}

/** One line of a scenario: an action or an expectation, at a time from batch start (seconds). */
export interface ScenarioEntry {
    readonly at: number;
    readonly action?: ScenarioAction;
    readonly expect?: ScenarioExpectation;
}

export type ScenarioValue =
    | { readonly kind: 'quantity'; readonly quantity: Quantity }
    | { readonly kind: 'choice'; readonly choice: string }
    | { readonly kind: 'text'; readonly text: string };

export type ScenarioAction =
    | { readonly kind: 'start-batch'; readonly identity: string }
    | { readonly kind: 'start-step' | 'complete-step' | 'fail-step'; readonly step: Id; readonly user: string | null }
    | { readonly kind: 'record'; readonly parameter: Id; readonly value: ScenarioValue }
    | { readonly kind: 'scan'; readonly identity: string; readonly target: Id | null; readonly user: string | null }
    | { readonly kind: 'dispatch' | 'receive'; readonly transfer: Id; readonly reading: Quantity | null; readonly user: string | null }
    | { readonly kind: 'verify'; readonly step: Id; readonly user: string }
    | { readonly kind: 'result'; readonly assay: Id; readonly value: ScenarioValue }
    | { readonly kind: 'raise'; readonly deviation: Id }
    | { readonly kind: 'disposition'; readonly deviation: Id; readonly option: DispositionOption }
    | { readonly kind: 'physician-acceptance'; readonly physician: string | null }
    | { readonly kind: 'release'; readonly exceptional: boolean }
    | { readonly kind: 'notify-authority' }
    | { readonly kind: 'reject' }
    | { readonly kind: 'terminate' };

export type ScenarioExpectation =
    | { readonly kind: 'deviation'; readonly deviation: Id; readonly state: 'open' | 'closed' | 'none' }
    | { readonly kind: 'step'; readonly step: Id; readonly state: 'blocked' | 'ready' | 'running' | 'complete' | 'failed' }
    | { readonly kind: 'batch'; readonly state: 'in_progress' | 'on_hold' | 'released' | 'rejected' | 'terminated' }
    | { readonly kind: 'refused'; readonly reason: string | null };

/** IR node id -> where it is written. Travels beside the IR, outside its digest. */
export interface SourceMap {
    readonly format: 'coil-sourcemap/1';
    /** The digest of the IR this map belongs to. */
    readonly digest: string;
    readonly nodes: Readonly<Record<Id, SourceLocation>>;
}

export interface SourceLocation {
    /** Relative to the workspace root (the folder of coil.json), with `/` separators. */
    readonly file: string;
    /** 1-based. */
    readonly line: number;
    readonly column: number;
    readonly endLine: number;
    readonly endColumn: number;
}
