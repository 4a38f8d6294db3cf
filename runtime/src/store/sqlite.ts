/**
 * The SQLite store: one file, WAL, synchronous=FULL so that an acknowledged commit survives a crash
 * or a power loss. Every commit is one IMMEDIATE transaction (the write lock is taken before the
 * version check, so two processes on one file cannot both pass it). better-sqlite3 is synchronous;
 * the methods are async only to share the Store interface with the PostgreSQL store.
 */
import Database from 'better-sqlite3';
import { GENESIS, type StoredSignature } from '../audit.js';
import type { RecordedEvent } from '../engine/types.js';
import { MIGRATIONS, MIGRATIONS_TABLE, type Migration } from './sqlite-migrations.js';
import { ConcurrencyError, DuplicateCommandError, SchemaVersionError, type BatchRow, type Commit, type PositionedEvent, type Store, type StoredOutcome, type TimerRow } from './store.js';

export interface SqliteStoreOptions {
    /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY (default 5 s). */
    readonly busyTimeoutMs?: number;
    /** The migrations to apply (tests only; default: all of them). */
    readonly migrations?: readonly Migration[];
}


interface EventRow {
    readonly position: number;
    readonly batch: string;
    readonly seq: number;
    readonly type: string;
    readonly time: number;
    readonly user: string;
    readonly name: string;
    readonly role: string | null;
    readonly reason: string | null;
    readonly data: string;
    readonly changes: string;
    readonly signatures: string;
    readonly command: string | null;
    readonly prev: string;
    readonly hash: string;
}

const EVENT_COLUMNS = 'position, batch, seq, type, time, user, name, role, reason, data, changes, signatures, command, prev, hash';
const SIGNATURE_COLUMNS = 'batch, seq, user, name, meaning, time, signed, hash';
const BATCH_COLUMNS = 'batch, definition, identity, version, head, status, updated';

/** The event exactly as it was chained: JSON columns parsed back, so that its hash still matches. */
function eventOf(row: EventRow): RecordedEvent {
    return {
        batch: row.batch, seq: row.seq, type: row.type, time: row.time, user: row.user, name: row.name, role: row.role, reason: row.reason,
        data: JSON.parse(row.data), changes: JSON.parse(row.changes), signatures: JSON.parse(row.signatures),
        command: row.command, prev: row.prev, hash: row.hash,
    };
}

function prepareStatements(db: Database.Database) {
    return {
        putDefinition: db.prepare('INSERT INTO definitions (digest, workflow) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING'),
        definition: db.prepare<[string], string>('SELECT workflow FROM definitions WHERE digest = ?').pluck(),
        definitions: db.prepare<[], string>('SELECT digest FROM definitions ORDER BY digest').pluck(),
        version: db.prepare<[string], number>('SELECT version FROM batches WHERE batch = ?').pluck(),
        commandExists: db.prepare<[string], number>('SELECT 1 FROM commands WHERE key = ?').pluck(),
        upsertBatch: db.prepare(`INSERT INTO batches (${BATCH_COLUMNS}) VALUES (@batch, @definition, @identity, @version, @head, @status, @updated)
            ON CONFLICT (batch) DO UPDATE SET identity = excluded.identity, version = excluded.version, head = excluded.head, status = excluded.status, updated = excluded.updated`),
        insertEvent: db.prepare(`INSERT INTO events (batch, seq, type, time, user, name, role, reason, data, changes, signatures, command, prev, hash)
            VALUES (@batch, @seq, @type, @time, @user, @name, @role, @reason, @data, @changes, @signatures, @command, @prev, @hash)`),
        insertSignature: db.prepare(`INSERT INTO signatures (${SIGNATURE_COLUMNS}) VALUES (@batch, @seq, @user, @name, @meaning, @time, @signed, @hash)`),
        clearTimer: db.prepare('DELETE FROM timers WHERE batch = ? AND key = ?'),
        setTimer: db.prepare(`INSERT INTO timers (batch, key, timer, due, claimed_by, claimed_until) VALUES (@batch, @key, @timer, @due, NULL, 0)
            ON CONFLICT (batch, key) DO UPDATE SET timer = excluded.timer, due = excluded.due, claimed_by = NULL, claimed_until = 0`),
        insertCommand: db.prepare('INSERT INTO commands (key, batch, outcome) VALUES (?, ?, ?)'),
        events: db.prepare<[string, number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE batch = ? AND seq > ? ORDER BY seq`),
        eventsAfter: db.prepare<[number, number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
        signatures: db.prepare<[string], StoredSignature>(`SELECT ${SIGNATURE_COLUMNS} FROM signatures WHERE batch = ? ORDER BY id`),
        batch: db.prepare<[string], BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE batch = ?`),
        batches: db.prepare<[], BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY batch`),
        outcome: db.prepare<[string], string>('SELECT outcome FROM commands WHERE key = ?').pluck(),
        timers: db.prepare<[], TimerRow>('SELECT batch, key, timer, due FROM timers ORDER BY due, batch, key'),
        timersOf: db.prepare<[string], TimerRow>('SELECT batch, key, timer, due FROM timers WHERE batch = ? ORDER BY due, batch, key'),
        due: db.prepare<{ now: number; owner: string; limit: number }, TimerRow>(`SELECT batch, key, timer, due FROM timers
            WHERE due <= @now AND (claimed_by IS NULL OR claimed_by = @owner OR claimed_until <= @now) ORDER BY due, batch, key LIMIT @limit`),
        claim: db.prepare('UPDATE timers SET claimed_by = ?, claimed_until = ? WHERE batch = ? AND key = ?'),
        schemaVersion: db.prepare<[], number | null>('SELECT max(version) FROM schema_migrations').pluck(),
    };
}

export class SqliteStore implements Store {
    readonly kind = 'sqlite';
    private readonly q: ReturnType<typeof prepareStatements>;
    private readonly commitTx: (c: Commit) => void;
    private readonly claimTx: (now: number, limit: number, owner: string, leaseMs: number) => TimerRow[];

    /** `path` is the file the store was opened on (`:memory:` for none). */
    private constructor(private readonly db: Database.Database, readonly path: string) {
        this.q = prepareStatements(db);
        const commit = db.transaction((c: Commit) => this.commitNow(c));
        this.commitTx = c => commit.immediate(c);
        const claim = db.transaction((now: number, limit: number, owner: string, leaseMs: number) => {
            const due = this.q.due.all({ now, owner, limit });
            for (const t of due) this.q.claim.run(owner, now + leaseMs, t.batch, t.key);
            return due;
        });
        this.claimTx = (...args) => claim.immediate(...args);
    }

    /**
     * Opens (creating if need be) the database at `path` (`:memory:` for a private in-memory one),
     * sets the pragmas durability depends on, and applies the migrations it lacks. Refuses, with
     * COIL-ST003, a database whose schema is newer than this code.
     */
    static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
        const busyTimeout = options.busyTimeoutMs ?? 5000;
        const migrations = options.migrations ?? MIGRATIONS;
        // `timeout` is SQLite's busy_timeout: how long to wait for another process's write lock.
        const db = new Database(path, { timeout: busyTimeout });
        try {
            // Before anything is written (the journal mode included): a newer schema is not ours to touch.
            checkVersion(path, appliedVersion(db), migrations);
            // WAL lets readers run beside the writer; FULL syncs the WAL on every commit (NORMAL can lose the last ones on power loss).
            db.pragma('journal_mode = WAL');
            db.pragma('synchronous = FULL');
            db.pragma('foreign_keys = ON');
            migrate(db, path, migrations);
            return new SqliteStore(db, path);
        } catch (error) {
            db.close();
            throw error;
        }
    }

    /** The connection itself, for what shares the file: the server's directory of users and sessions. */
    get connection(): Database.Database {
        return this.db;
    }

    /** The connection's durability settings, for diagnostics and for the tests that pin them. */
    pragmas(): { journalMode: string; synchronous: number; foreignKeys: number; busyTimeout: number } {
        return {
            journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
            synchronous: this.db.pragma('synchronous', { simple: true }) as number,
            foreignKeys: this.db.pragma('foreign_keys', { simple: true }) as number,
            busyTimeout: this.db.pragma('busy_timeout', { simple: true }) as number,
        };
    }

    async schemaVersion(): Promise<number> {
        return this.q.schemaVersion.get() ?? 0;
    }

    async putDefinition(digest: string, workflow: string): Promise<void> {
        this.q.putDefinition.run(digest, workflow);
    }

    async definition(digest: string): Promise<string | null> {
        return this.q.definition.get(digest) ?? null;
    }

    async definitions(): Promise<string[]> {
        return this.q.definitions.all();
    }

    async commit(c: Commit): Promise<void> {
        this.commitTx(c);
    }

    /** Inside the IMMEDIATE transaction: a throw rolls everything back. */
    private commitNow(c: Commit): void {
        const actual = this.q.version.get(c.batch);
        if ((actual ?? 0) !== c.expectedVersion) throw new ConcurrencyError(c.batch, c.expectedVersion, actual ?? null);
        if (c.outcome && this.q.commandExists.get(c.outcome.key)) throw new DuplicateCommandError(c.outcome.key);
        // The batch row first: events, timers and commands refer to it. Its definition is pinned at the start, never updated.
        const head = c.events.at(-1)?.hash ?? (actual === undefined ? GENESIS : this.q.batch.get(c.batch)!.head);
        this.q.upsertBatch.run({
            batch: c.batch, definition: c.definition, identity: c.identity, version: (actual ?? 0) + c.events.length,
            head, status: c.status, updated: c.time,
        });
        for (const e of c.events) {
            this.q.insertEvent.run({
                batch: e.batch, seq: e.seq, type: e.type, time: e.time, user: e.user, name: e.name, role: e.role, reason: e.reason,
                data: JSON.stringify(e.data), changes: JSON.stringify(e.changes), signatures: JSON.stringify(e.signatures),
                command: e.command, prev: e.prev, hash: e.hash,
            });
        }
        for (const s of c.signatures) this.q.insertSignature.run(s);
        for (const key of c.timers.clear) this.q.clearTimer.run(c.batch, key);
        for (const t of c.timers.set) this.q.setTimer.run({ batch: t.batch, key: t.key, timer: t.timer, due: t.due });
        if (c.outcome) this.q.insertCommand.run(c.outcome.key, c.batch, JSON.stringify(c.outcome.value));
    }

    async events(batch: string, afterSeq = 0): Promise<RecordedEvent[]> {
        return this.q.events.all(batch, afterSeq).map(eventOf);
    }

    async signatures(batch: string): Promise<StoredSignature[]> {
        return this.q.signatures.all(batch);
    }

    async batch(batch: string): Promise<BatchRow | null> {
        return this.q.batch.get(batch) ?? null;
    }

    async batches(): Promise<BatchRow[]> {
        return this.q.batches.all();
    }

    async outcome(key: string): Promise<StoredOutcome | null> {
        const text = this.q.outcome.get(key);
        return text === undefined ? null : JSON.parse(text) as StoredOutcome;
    }

    async eventsAfter(position: number, limit: number): Promise<PositionedEvent[]> {
        return this.q.eventsAfter.all(position, limit).map(row => ({ ...eventOf(row), position: row.position }));
    }

    async timers(batch?: string): Promise<TimerRow[]> {
        return batch === undefined ? this.q.timers.all() : this.q.timersOf.all(batch);
    }

    async claimDueTimers(now: number, limit: number, owner: string, leaseMs: number): Promise<TimerRow[]> {
        return this.claimTx(now, limit, owner, leaseMs);
    }

    async close(): Promise<void> {
        if (this.db.open) this.db.close();
    }
}

/** The highest migration applied to the database, 0 for a new one. */
function appliedVersion(db: Database.Database): number {
    const recorded = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get();
    return recorded ? db.prepare<[], number | null>('SELECT max(version) FROM schema_migrations').pluck().get() ?? 0 : 0;
}

function checkVersion(path: string, found: number, migrations: readonly Migration[]): void {
    const known = migrations.at(-1)?.version ?? 0;
    if (found > known) throw new SchemaVersionError(path, found, known);
}

/**
 * Brings the schema up to date, one migration per IMMEDIATE transaction. The applied version is
 * read again inside each transaction, so two processes opening a new file at once apply each
 * migration once, and a newer process that migrated meanwhile is still noticed.
 */
function migrate(db: Database.Database, path: string, migrations: readonly Migration[]): void {
    db.exec(MIGRATIONS_TABLE);
    const record = db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)');
    // The write lock only for what is missing: opening an up-to-date file writes nothing.
    const applied = appliedVersion(db);
    for (const m of migrations.filter(x => x.version > applied)) {
        db.transaction(() => {
            const found = appliedVersion(db);
            checkVersion(path, found, migrations);
            if (found >= m.version) return;
            db.exec(m.sql);
            record.run(m.version, m.description, Date.now());
        }).immediate();
    }
}
