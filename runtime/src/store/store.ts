/**
 * The store interface every implementation meets (in-memory, SQLite, PostgreSQL), checked by one
 * conformance suite (test/runtime/store-conformance.ts). A commit is atomic: a batch's new events,
 * their signatures, its timers and the command's idempotency record are written together or not at all.
 */
import type { StoredSignature } from '../audit.js';
import type { RecordedEvent } from '../engine/types.js';

/** A timer instance waiting to fire. */
export interface TimerRow {
    readonly batch: string;
    /** The instance key from the batch state (`timer:step:Collect:max#1`). */
    readonly key: string;
    readonly timer: string;
    /** Milliseconds since the epoch. */
    readonly due: number;
}

export interface BatchRow {
    readonly batch: string;
    /** The definition digest the batch is pinned to for life. */
    readonly definition: string;
    readonly identity: string;
    /** Number of events. */
    readonly version: number;
    /** Hash of the last event. */
    readonly head: string;
    /** The batch status after the last commit, for listings. */
    readonly status: string;
    readonly updated: number;
}

/** What a command came to, kept under its idempotency key. */
export interface StoredOutcome {
    readonly batch: string;
    /** The command's type, so that a key reused for another command is recognised. */
    readonly type?: string;
    readonly ok: boolean;
    readonly code: string | null;
    readonly reason: string | null;
    /** The events it wrote, by sequence number (inclusive), or null. */
    readonly seqs: readonly [number, number] | null;
}

export interface Commit {
    readonly batch: string;
    readonly definition: string;
    readonly identity: string;
    /** The batch's version before this commit (0 for a new batch). A store refuses a commit whose expectation is stale. */
    readonly expectedVersion: number;
    readonly events: readonly RecordedEvent[];
    readonly signatures: readonly StoredSignature[];
    readonly timers: { readonly set: readonly TimerRow[]; readonly clear: readonly string[] };
    readonly outcome: { readonly key: string; readonly value: StoredOutcome } | null;
    readonly status: string;
    readonly time: number;
}

/** An event with its place in the store's global order. */
export interface PositionedEvent extends RecordedEvent {
    readonly position: number;
}

/** Another writer got there first: reload the batch and decide again. */
export class ConcurrencyError extends Error {
    readonly code = 'COIL-ST001';
    constructor(readonly batch: string, readonly expected: number, readonly actual: number | null) {
        super(`batch ${batch} is at version ${actual ?? 'none'}, not ${expected}: another command was recorded first`);
    }
}

/** The idempotency key was recorded by another writer at the same moment. */
export class DuplicateCommandError extends Error {
    readonly code = 'COIL-ST002';
    constructor(readonly key: string) {
        super(`command ${key} has already been recorded`);
    }
}

export interface Store {
    /** `memory`, `sqlite`, `postgres`. */
    readonly kind: string;
    /** The schema version after migrations (SQL stores); 0 for memory. */
    schemaVersion(): Promise<number>;
    putDefinition(digest: string, workflow: string): Promise<void>;
    definition(digest: string): Promise<string | null>;
    definitions(): Promise<string[]>;
    /** Atomic; throws ConcurrencyError when `expectedVersion` is stale, DuplicateCommandError when the key exists. */
    commit(commit: Commit): Promise<void>;
    /** A batch's events in sequence order, after `afterSeq`. */
    events(batch: string, afterSeq?: number): Promise<RecordedEvent[]>;
    signatures(batch: string): Promise<StoredSignature[]>;
    batch(batch: string): Promise<BatchRow | null>;
    batches(): Promise<BatchRow[]>;
    outcome(key: string): Promise<StoredOutcome | null>;
    /** Every event of every batch in commit order, after a global position. */
    eventsAfter(position: number, limit: number): Promise<PositionedEvent[]>;
    /** Pending timer instances, optionally of one batch, by due time. */
    timers(batch?: string): Promise<TimerRow[]>;
    /**
     * Timers due by `now`, earliest first, claimed by `owner` for `leaseMs` so that other runtime
     * nodes skip them meanwhile. Firing stays exactly-once without the claim (the commit that
     * records the firing removes the timer, under the batch's expected version); the claim only
     * saves the others the work.
     */
    claimDueTimers(now: number, limit: number, owner: string, leaseMs: number): Promise<TimerRow[]>;
    close(): Promise<void>;
}

/** The database was written by a newer Coil: this code does not know its schema and must not write to it. */
export class SchemaVersionError extends Error {
    readonly code = 'COIL-ST003';
    constructor(readonly path: string, readonly found: number, readonly known: number) {
        super(`${path} has schema version ${found}, newer than this Coil runtime knows (${known}): upgrade the runtime before opening it`);
    }
}
