/** The in-memory store: for tests, scenarios and simulation. Same contract as the durable ones. */
import type { StoredSignature } from '../audit.js';
import type { RecordedEvent } from '../engine/types.js';
import { GENESIS } from '../audit.js';
import { ConcurrencyError, DuplicateCommandError, type BatchRow, type Commit, type PositionedEvent, type Store, type StoredOutcome, type TimerRow } from './store.js';

/** Byte order, as SQL stores sort text. */
const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryStore implements Store {
    readonly kind = 'memory';
    private readonly defs = new Map<string, string>();
    private readonly rows = new Map<string, BatchRow>();
    private readonly log = new Map<string, RecordedEvent[]>();
    private readonly sigs = new Map<string, StoredSignature[]>();
    private readonly global: PositionedEvent[] = [];
    private readonly outcomes = new Map<string, StoredOutcome>();
    private readonly pending = new Map<string, TimerRow & { claimedBy: string | null; claimedUntil: number }>();

    async schemaVersion(): Promise<number> {
        return 0;
    }

    async putDefinition(digest: string, workflow: string): Promise<void> {
        if (!this.defs.has(digest)) this.defs.set(digest, workflow);
    }

    async definition(digest: string): Promise<string | null> {
        return this.defs.get(digest) ?? null;
    }

    async definitions(): Promise<string[]> {
        return [...this.defs.keys()].sort();
    }

    async commit(c: Commit): Promise<void> {
        const row = this.rows.get(c.batch);
        const actual = row?.version ?? 0;
        if (actual !== c.expectedVersion) throw new ConcurrencyError(c.batch, c.expectedVersion, row ? actual : null);
        if (c.outcome && this.outcomes.has(c.outcome.key)) throw new DuplicateCommandError(c.outcome.key);
        const events = this.log.get(c.batch) ?? [];
        for (const e of c.events) {
            events.push(e);
            this.global.push({ ...e, position: this.global.length + 1 });
        }
        this.log.set(c.batch, events);
        if (c.signatures.length > 0) this.sigs.set(c.batch, [...(this.sigs.get(c.batch) ?? []), ...c.signatures]);
        const last = c.events.at(-1);
        this.rows.set(c.batch, {
            batch: c.batch, definition: c.definition, identity: c.identity, version: actual + c.events.length,
            head: last?.hash ?? row?.head ?? GENESIS, status: c.status, updated: c.time,
        });
        for (const key of c.timers.clear) this.pending.delete(`${c.batch}\u0000${key}`);
        for (const t of c.timers.set) this.pending.set(`${t.batch}\u0000${t.key}`, { ...t, claimedBy: null, claimedUntil: 0 });
        if (c.outcome) this.outcomes.set(c.outcome.key, c.outcome.value);
    }

    async events(batch: string, afterSeq = 0): Promise<RecordedEvent[]> {
        return (this.log.get(batch) ?? []).slice(afterSeq);
    }

    async signatures(batch: string): Promise<StoredSignature[]> {
        return [...(this.sigs.get(batch) ?? [])];
    }

    async batch(batch: string): Promise<BatchRow | null> {
        return this.rows.get(batch) ?? null;
    }

    async batches(): Promise<BatchRow[]> {
        return [...this.rows.values()].sort((a, b) => byBytes(a.batch, b.batch));
    }

    async outcome(key: string): Promise<StoredOutcome | null> {
        return this.outcomes.get(key) ?? null;
    }

    async eventsAfter(position: number, limit: number): Promise<PositionedEvent[]> {
        return this.global.slice(position, position + limit);
    }

    async timers(batch?: string): Promise<TimerRow[]> {
        return [...this.pending.values()].filter(t => batch === undefined || t.batch === batch)
            .sort((a, b) => a.due - b.due || byBytes(a.batch, b.batch) || byBytes(a.key, b.key))
            .map(({ batch: b, key, timer, due }) => ({ batch: b, key, timer, due }));
    }

    async claimDueTimers(now: number, limit: number, owner: string, leaseMs: number): Promise<TimerRow[]> {
        const due = [...this.pending.values()].filter(t => t.due <= now && (t.claimedBy === null || t.claimedBy === owner || t.claimedUntil <= now))
            .sort((a, b) => a.due - b.due || byBytes(a.batch, b.batch) || byBytes(a.key, b.key)).slice(0, limit);
        for (const t of due) {
            t.claimedBy = owner;
            t.claimedUntil = now + leaseMs;
        }
        return due.map(({ batch, key, timer, due: d }) => ({ batch, key, timer, due: d }));
    }

    async close(): Promise<void> {}
}
