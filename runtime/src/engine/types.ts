/**
 * What goes into the engine (commands, from people and from the runtime's own timers) and what
 * comes out (events, the only facts the batch record keeps). Times are milliseconds since the
 * Unix epoch, from the runtime's clock, never from the caller.
 */
import type { DispositionOption, Id } from '@coil/compiler/ir';

/** Who issues a command. The server fills this from the authenticated user; scenarios from their cast. */
export interface Actor {
    /** A stable user id (`alice`), never reused. */
    readonly user: string;
    /** The printed name shown beside every record and signature (21 CFR 11.50). */
    readonly name: string;
    /** Role ids (`role:Operator`) or names (`Operator`). */
    readonly roles: readonly string[];
    /** Qualification ids or names the user holds, with their expiry (ISO date or null for none). */
    readonly qualifications?: ReadonlyArray<{ readonly id: string; readonly expires: string | null }>;
}

/** The runtime itself, for what its timers and cascades do. */
export const SYSTEM: Actor = { user: 'system', name: 'Coil runtime', roles: [] };

/** A value as entered: a quantity in any unit convertible to the parameter's, a choice, a text or a date-time. */
export type Value =
    | { readonly kind: 'quantity'; readonly value: number; readonly unit: string }
    | { readonly kind: 'choice'; readonly choice: string }
    | { readonly kind: 'text'; readonly text: string }
    | { readonly kind: 'datetime'; readonly datetime: string };

/** A condition reading (temperature) taken at dispatch or receipt. */
export interface Reading {
    readonly value: number;
    readonly unit: string;
}

export type CommandBody =
    /** `training`: a batch for training or development, not for a patient (its record says so throughout). */
    | { readonly type: 'start-batch'; readonly identity: string; readonly training?: boolean }
    | { readonly type: 'start-step'; readonly step: Id }
    | { readonly type: 'complete-step'; readonly step: Id }
    | { readonly type: 'fail-step'; readonly step: Id }
    | { readonly type: 'record-value'; readonly parameter: Id; readonly value: Value }
    | { readonly type: 'scan'; readonly identity: string; readonly target: Id | null }
    | { readonly type: 'verify-step'; readonly step: Id }
    /** A signature a step asks of a role other than its performer's and verifier's (`sign Supervisor "Reviewed"`). */
    | { readonly type: 'sign-step'; readonly step: Id; readonly meaning: string }
    | { readonly type: 'dispatch'; readonly transfer: Id; readonly reading: Reading | null }
    | { readonly type: 'receive'; readonly transfer: Id; readonly reading: Reading | null }
    | { readonly type: 'take-sample'; readonly qc: Id }
    | { readonly type: 'record-result'; readonly assay: Id; readonly value: Value }
    | { readonly type: 'raise-deviation'; readonly deviation: Id }
    | { readonly type: 'disposition'; readonly deviation: Id; readonly option: DispositionOption }
    | { readonly type: 'physician-acceptance'; readonly physician: string }
    | { readonly type: 'release'; readonly exceptional: boolean }
    | { readonly type: 'notify-authority' }
    | { readonly type: 'reject' }
    | { readonly type: 'terminate' }
    /** Issued by the runtime when a timer is due; `timer` is the instance key from the batch state. */
    | { readonly type: 'fire-timer'; readonly timer: string };

export type CommandType = CommandBody['type'];

export type Command = CommandBody & {
    /** The batch the command is for. `start-batch` names the batch it creates. */
    readonly batch: string;
    /** Idempotency key: a repeated key returns the first outcome and writes nothing new. */
    readonly key: string;
    readonly actor: Actor;
    /** Why, where a reason is required (a correction, a rejection) or offered. */
    readonly reason?: string | null;
    /** The meanings the actor signs with this command (`Performed`, `Released for infusion`). */
    readonly signatures?: readonly string[];
};

/** One change an event makes, for the audit trail: a field with its value before and after. */
export interface Change {
    readonly field: string;
    readonly old: unknown;
    readonly new: unknown;
}

/** A signature as it appears on the record: printed name, time and meaning (21 CFR 11.50). */
export interface SignatureManifest {
    readonly user: string;
    readonly name: string;
    readonly meaning: string;
    readonly time: number;
}

/** An event as the engine produces it, before the store numbers and chains it. */
export interface EventDraft {
    readonly type: string;
    readonly time: number;
    readonly user: string;
    readonly name: string;
    /** The role the actor acted in (`role:Operator`), or null for the system and for roles not checked. */
    readonly role: string | null;
    readonly reason: string | null;
    readonly data: Readonly<Record<string, unknown>>;
    readonly changes: readonly Change[];
    readonly signatures: readonly SignatureManifest[];
}

/** An event as stored: numbered within its batch, with the command that caused it, and hash-chained. */
export interface RecordedEvent extends EventDraft {
    readonly batch: string;
    /** 1-based, gapless within a batch. */
    readonly seq: number;
    /** The idempotency key of the command that produced it, or null for cascades without one. */
    readonly command: string | null;
    readonly prev: string;
    readonly hash: string;
}

/** A refusal: nothing about the batch changes, except for what a refusal must itself record (an identity mismatch). */
export interface Rejection {
    readonly ok: false;
    /** Stable, for programs and for `expect refused "RUN-…"`. */
    readonly code: string;
    /** For people: what is wrong and, where it helps, what would make it right. */
    readonly reason: string;
    /** Events recorded despite the refusal (a mismatched scan and the deviation it raises). */
    readonly events: readonly EventDraft[];
}

export interface Accepted {
    readonly ok: true;
    readonly events: readonly EventDraft[];
}

export type Decision = Accepted | Rejection;
